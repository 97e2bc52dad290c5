package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.Sample;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Binary encoding of {@link RoutedSample} for the internal repartition topic: cheaper to read than re-parsing the
 * JSON, and it carries the original record's coordinates, key and value (the value for dead letters, which quote the
 * record as received). Version byte first, so the format can evolve: version 1 (without the value) is still read, so
 * records repartitioned before an upgrade are processed after it; version 3 carries a raw event or label record (its
 * JSON as received, read again by {@link EventRouter#read} with the record's model as default).
 *
 * <p>Contract: {@code encode} accepts every {@link RoutedSample}, including one whose source has no topic (a record
 * without metadata, see {@code SampleRouter.source}): the topic is then written with length -1 and decoded as null,
 * so the record round-trips unchanged. {@code decode} returns an equal sample for every encoded one and throws
 * Kafka's {@link SerializationException} for anything else: an unknown version byte, a truncated or corrupt record, a
 * negative or oversized length, trailing bytes. Null encodes to null and back.
 */
public final class RoutedSampleSerde implements Serde<RoutedSample> {
    private static final byte VERSION = 2;
    /** Version 3: a raw event or label record (samples and commands are still written as version 2). */
    private static final byte VERSION_EVENT = 3;
    private static final byte VERSION_WITHOUT_VALUE = 1;
    private static final int LEARN = 1;
    private static final int HAS_LABEL = 2;
    private static final int HAS_TARGET = 4;
    private static final int HAS_ID = 8;
    private static final int HAS_KEY = 16;
    private static final int HAS_VALUE = 32;
    /** A control command: model, source, key and value (the command's JSON, parsed again when read), no sample. */
    private static final int COMMAND = 64;
    /** The topic length that stands for "no topic". */
    private static final int NO_TOPIC = -1;

    @Override
    public Serializer<RoutedSample> serializer() {
        return (topic, routed) -> routed == null ? null : encode(routed);
    }

    @Override
    public Deserializer<RoutedSample> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }

    static byte[] encode(RoutedSample routed) {
        if (routed.command() != null) {
            return encodeCommand(routed);
        }
        if (routed.event() != null) {
            return encodeEvent(routed);
        }
        Sample sample = routed.sample();
        byte[] model = sample.model().getBytes(StandardCharsets.UTF_8);
        byte[] topic = routed.source().topic() == null ? null : routed.source().topic().getBytes(StandardCharsets.UTF_8);
        byte[] id = sample.id() == null ? null : sample.id().getBytes(StandardCharsets.UTF_8);
        double[] features = sample.features();
        double[] target = sample.target();
        byte[] key = routed.sourceKey();
        byte[] value = routed.sourceValue();
        int size = 2 + 4 + 8 + 8 + 4 + model.length + 4 + (topic == null ? 0 : topic.length) + (id == null ? 0 : 4 + id.length)
                + (key == null ? 0 : 4 + key.length) + (value == null ? 0 : 4 + value.length)
                + 4 + 4 + 8 * features.length + (target == null ? 0 : 4 + 8 * target.length);
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        int flags = (routed.learn() ? LEARN : 0) | (sample.label() != null ? HAS_LABEL : 0) | (target != null ? HAS_TARGET : 0)
                | (id != null ? HAS_ID : 0) | (key != null ? HAS_KEY : 0) | (value != null ? HAS_VALUE : 0);
        putHeader(out, flags, routed.source(), model, topic);
        if (id != null) {
            putBytes(out, id);
        }
        if (key != null) {
            putBytes(out, key);
        }
        if (value != null) {
            putBytes(out, value);
        }
        out.putInt(sample.label() == null ? 0 : sample.label());
        out.putInt(features.length);
        out.asDoubleBuffer().put(features);
        out.position(out.position() + 8 * features.length);
        if (target != null) {
            out.putInt(target.length);
            out.asDoubleBuffer().put(target);
        }
        return out.array();
    }

    private static byte[] encodeCommand(RoutedSample routed) {
        byte[] model = routed.command().model().getBytes(StandardCharsets.UTF_8);
        byte[] topic = routed.source().topic() == null ? null : routed.source().topic().getBytes(StandardCharsets.UTF_8);
        byte[] key = routed.sourceKey();
        byte[] value = routed.sourceValue() != null ? routed.sourceValue() : routed.command().toJson();
        ByteBuffer out = ByteBuffer.allocate(2 + 4 + 8 + 8 + 4 + model.length + 4 + (topic == null ? 0 : topic.length)
                + (key == null ? 0 : 4 + key.length) + 4 + value.length).order(ByteOrder.LITTLE_ENDIAN);
        putHeader(out, COMMAND | (key != null ? HAS_KEY : 0) | HAS_VALUE, routed.source(), model, topic);
        if (key != null) {
            putBytes(out, key);
        }
        putBytes(out, value);
        return out.array();
    }

    /**
     * Version 3: the header, the kind (0 an event, 1 a label record), the key if any and the value: the JSON as received,
     * parsed again when read.
     */
    private static byte[] encodeEvent(RoutedSample routed) {
        byte[] model = routed.event().model().getBytes(StandardCharsets.UTF_8);
        byte[] topic = routed.source().topic() == null ? null : routed.source().topic().getBytes(StandardCharsets.UTF_8);
        byte[] key = routed.sourceKey();
        byte[] value = routed.sourceValue();
        ByteBuffer out = ByteBuffer.allocate(2 + 4 + 8 + 8 + 4 + model.length + 4 + (topic == null ? 0 : topic.length) + 1
                + (key == null ? 0 : 4 + key.length) + 4 + value.length).order(ByteOrder.LITTLE_ENDIAN);
        putHeader(out, VERSION_EVENT, (key != null ? HAS_KEY : 0) | HAS_VALUE, routed.source(), model, topic);
        out.put((byte) routed.event().kind().ordinal());
        if (key != null) {
            putBytes(out, key);
        }
        putBytes(out, value);
        return out.array();
    }

    private static RoutedSample decodeEvent(ByteBuffer in, int flags, String model, SourceRecord source) {
        int kind = in.get();
        if (kind < 0 || kind >= RoutedEvent.Kind.values().length || (flags & ~(HAS_KEY | HAS_VALUE)) != 0 || (flags & HAS_VALUE) == 0) {
            throw new SerializationException("routed event with kind " + kind + " and flags " + flags + "; expected kind 0 or 1 and flags "
                    + HAS_VALUE + " or " + (HAS_KEY | HAS_VALUE));
        }
        byte[] key = (flags & HAS_KEY) != 0 ? getBytes(in) : null;
        byte[] value = getBytes(in);
        if (in.hasRemaining()) {
            throw new SerializationException(in.remaining() + " unexpected bytes after the routed event");
        }
        RoutedEvent event;
        try {
            event = EventRouter.read(RoutedEvent.Kind.values()[kind], value, model);
        } catch (dev.backstream.message.InvalidMessageException e) {
            throw new SerializationException("routed event for model " + model + " is not a readable event: " + e.getMessage(), e);
        }
        if (!event.model().equals(model)) {
            throw new SerializationException("routed event for model " + model + " holds an event for " + event.model());
        }
        return RoutedSample.event(event, key, value, source);
    }

    /** Version, flags, the source's partition, offset and timestamp, the model id and the source topic (or none). */
    private static void putHeader(ByteBuffer out, int flags, SourceRecord source, byte[] model, byte[] topic) {
        putHeader(out, VERSION, flags, source, model, topic);
    }

    private static void putHeader(ByteBuffer out, byte version, int flags, SourceRecord source, byte[] model, byte[] topic) {
        out.put(version).put((byte) flags);
        out.putInt(source.partition()).putLong(source.offset()).putLong(source.timestamp());
        putBytes(out, model);
        if (topic == null) {
            out.putInt(NO_TOPIC);
        } else {
            putBytes(out, topic);
        }
    }

    static RoutedSample decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            byte version = in.get();
            if (version != VERSION && version != VERSION_WITHOUT_VALUE && version != VERSION_EVENT) {
                throw new SerializationException("routed sample version " + version + " is not supported; expected "
                        + VERSION_WITHOUT_VALUE + ", " + VERSION + " or " + VERSION_EVENT);
            }
            int flags = in.get() & 0xFF;
            int partition = in.getInt();
            long offset = in.getLong();
            long timestamp = in.getLong();
            String model = getString(in);
            String topic = getTopic(in);
            if (version == VERSION_EVENT) {
                return decodeEvent(in, flags, model, new SourceRecord(topic, partition, offset, timestamp));
            }
            if ((flags & COMMAND) != 0) {
                byte[] key = (flags & HAS_KEY) != 0 ? getBytes(in) : null;
                byte[] value = getBytes(in);
                if (in.hasRemaining()) {
                    throw new SerializationException(in.remaining() + " unexpected bytes after the routed command");
                }
                ModelCommand command = ModelCommand.parse(value);
                if (!command.model().equals(model)) {
                    throw new SerializationException("routed command for model " + model + " holds a command for " + command.model());
                }
                return RoutedSample.command(command, key, value, new SourceRecord(topic, partition, offset, timestamp));
            }
            String id = (flags & HAS_ID) != 0 ? getString(in) : null;
            byte[] key = (flags & HAS_KEY) != 0 ? getBytes(in) : null;
            byte[] value = version != VERSION_WITHOUT_VALUE && (flags & HAS_VALUE) != 0 ? getBytes(in) : null;
            int label = in.getInt();
            double[] features = getDoubles(in);
            double[] target = (flags & HAS_TARGET) != 0 ? getDoubles(in) : null;
            if (in.hasRemaining()) {
                throw new SerializationException(in.remaining() + " unexpected bytes after the routed sample");
            }
            Sample sample = new Sample(model, features, (flags & HAS_LABEL) != 0 ? label : null, target, id);
            return new RoutedSample(sample, (flags & LEARN) != 0, key, value, new SourceRecord(topic, partition, offset, timestamp));
        } catch (BufferUnderflowException | IllegalArgumentException | dev.backstream.message.InvalidMessageException e) {
            // a sample the Sample constructor refuses (an empty model id) can only come from a corrupt record
            throw new SerializationException("truncated or corrupt routed sample of " + bytes.length + " bytes", e);
        }
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        out.putInt(bytes.length).put(bytes);
    }

    private static byte[] getBytes(ByteBuffer in) {
        return getBytes(in, in.getInt());
    }

    private static byte[] getBytes(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining()) {
            throw new SerializationException("bad length " + length + " in routed sample");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static String getString(ByteBuffer in) {
        return new String(getBytes(in), StandardCharsets.UTF_8);
    }

    private static String getTopic(ByteBuffer in) {
        int length = in.getInt();
        return length == NO_TOPIC ? null : new String(getBytes(in, length), StandardCharsets.UTF_8);
    }

    private static double[] getDoubles(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || 8L * length > in.remaining()) {
            throw new SerializationException("bad array length " + length + " in routed sample");
        }
        double[] values = new double[length];
        in.asDoubleBuffer().get(values);
        in.position(in.position() + 8 * length);
        return values;
    }
}
