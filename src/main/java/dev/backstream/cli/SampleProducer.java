package dev.backstream.cli;

import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.SampleParser;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends sample JSON values to one topic, keyed by their model id, and loses none silently: the first send waits for
 * the broker (so a missing topic or broker fails at once), every later failure is kept and rethrown by the next send
 * or by {@link #close()}, as a {@link CommandException} naming the topic and the cause.
 */
final class SampleProducer implements AutoCloseable {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SampleParser parser = new SampleParser();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private long sent;

    /** @param client client settings: {@code bootstrap.servers} and, for a secured cluster, the security settings */
    SampleProducer(Map<String, Object> client, String topic) {
        this.topic = topic;
        Properties properties = new Properties();
        properties.putAll(client);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends one value keyed by its model id (null for a value that is not a valid sample: the application dead-letters it). */
    void send(byte[] value) throws Exception {
        send(modelKey(value), value);
    }

    /** Sends one value with the given key (a raw event's or a label record's model id). */
    void send(byte[] key, byte[] value) throws Exception {
        rethrowFailure();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, value);
        if (sent == 0) {
            try {
                producer.send(record).get();
            } catch (ExecutionException e) {
                throw new CommandException("producing to " + topic + " failed: " + e.getCause().getMessage(), CommandException.FAILED);
            }
        } else {
            producer.send(record, (metadata, exception) -> {
                if (exception != null) {
                    failure.compareAndSet(null, exception);
                }
            });
        }
        sent++;
    }

    /** Number of values sent so far. */
    long sent() {
        return sent;
    }

    private byte[] modelKey(byte[] value) {
        try {
            return parser.parse(value).model().getBytes(StandardCharsets.UTF_8);
        } catch (InvalidMessageException e) {
            return null;
        }
    }

    private void rethrowFailure() {
        if (failure.get() != null) {
            throw new CommandException("producing to " + topic + " failed: " + failure.get().getMessage(), CommandException.FAILED);
        }
    }

    /** Waits until everything sent so far is acknowledged, and throws if any send failed. */
    void flush() {
        producer.flush();
        rethrowFailure();
    }

    /** Flushes, closes, and throws if any send failed. */
    @Override
    public void close() {
        producer.flush();
        producer.close();
        rethrowFailure();
    }
}
