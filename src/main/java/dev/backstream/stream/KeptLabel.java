package dev.backstream.stream;

import dev.backstream.message.SourceRecord;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A label record that came before its event, kept until the event comes: when it came, and what a dead letter of it
 * needs (the record's coordinates, key and original value, from which the label is read again at the join).
 *
 * @param model     its model
 * @param id        the id of the event it labels
 * @param timestamp the label record's timestamp: it expires {@code labels.ttl.ms} later in stream time
 * @param sequence  its place in its model's arrival order, shared with the pending events (eviction takes the lowest)
 * @param source    the label record's topic, partition, offset and timestamp
 * @param key       the label record's key as received, or null
 * @param value     the label record's value as received
 */
record KeptLabel(String model, String id, long timestamp, long sequence, SourceRecord source, byte[] key, byte[] value) {

    byte[] encode() {
        byte[] topic = source.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 8 + 8 + 4 + topic.length + 4 + 8 + 8 + 4 + (key == null ? 0 : key.length) + 4 + value.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 1).putLong(timestamp).putLong(sequence);
        out.putInt(topic.length).put(topic).putInt(source.partition()).putLong(source.offset()).putLong(source.timestamp());
        if (key == null) {
            out.putInt(-1);
        } else {
            out.putInt(key.length).put(key);
        }
        out.putInt(value.length).put(value);
        return out.array();
    }

    static KeptLabel decode(String model, String id, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte version = in.get();
        if (version != 1) {
            throw new IllegalStateException("kept label format " + version + " is not supported; expected 1");
        }
        long timestamp = in.getLong();
        long sequence = in.getLong();
        byte[] topic = new byte[in.getInt()];
        in.get(topic);
        SourceRecord source = new SourceRecord(new String(topic, StandardCharsets.UTF_8), in.getInt(), in.getLong(), in.getLong());
        int keyLength = in.getInt();
        byte[] key = null;
        if (keyLength >= 0) {
            key = new byte[keyLength];
            in.get(key);
        }
        byte[] value = new byte[in.getInt()];
        in.get(value);
        return new KeptLabel(model, id, timestamp, sequence, source, key, value);
    }
}
