package dev.backstream.it;

import dev.backstream.stream.Topics;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.broker.CommittedReader;
import dev.backstream.broker.TopicCreator;
import dev.backstream.broker.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The one helper of the integration tests, after Kafka's own {@code IntegrationTestUtils}: unique settings and topics,
 * produce (checked), read committed until a condition, wait until a condition.
 */
final class KafkaTestSupport {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private KafkaTestSupport() {
    }

    /** Settings for one test: unique application id and topic names, a fresh state directory, a free HTTP port. */
    static Map<String, String> uniqueSettings(EmbeddedKafka kafka, String name, java.nio.file.Path stateDir) {
        String prefix = name + "-" + COUNTER.incrementAndGet();
        Map<String, String> settings = new HashMap<>();
        settings.put(BackstreamConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        settings.put(BackstreamConfig.APPLICATION_ID, prefix + "-app");
        settings.put(BackstreamConfig.STATE_DIR, stateDir.toString());
        settings.put(BackstreamConfig.SAMPLES_TOPIC, prefix + ".samples");
        settings.put(BackstreamConfig.SCORE_REQUESTS_TOPIC, prefix + ".score-requests");
        settings.put(BackstreamConfig.PREDICTIONS_TOPIC, prefix + ".predictions");
        settings.put(BackstreamConfig.SNAPSHOTS_TOPIC, prefix + ".model-snapshots");
        settings.put(BackstreamConfig.DEAD_LETTERS_TOPIC, prefix + ".dead-letters");
        settings.put(BackstreamConfig.METRICS_TOPIC, prefix + ".metrics");
        settings.put(BackstreamConfig.CONTROL_TOPIC, prefix + ".control");
        settings.put(BackstreamConfig.MODEL_EVENTS_TOPIC, prefix + ".model-events");
        settings.put(BackstreamConfig.EVENTS_TOPIC, prefix + ".events");
        settings.put(BackstreamConfig.LABELS_TOPIC, prefix + ".labels");
        settings.put("commit.interval.ms", "100");
        settings.put(BackstreamConfig.HTTP_PORT, "0"); // several instances in one JVM: each on a free port
        return settings;
    }

    static void createTopics(EmbeddedKafka kafka, Topics topics, int partitions) {
        TopicCreator.create(kafka.bootstrapServers(), topics, partitions);
    }

    /**
     * Produces every record, the first one synchronously, and fails if any send fails. Keys are the test's own (none,
     * the model id, or something else), which is why tests do not send through the CLI's {@code SampleProducer}.
     */
    static void produce(EmbeddedKafka kafka, String topic, List<String[]> keyAndValue) {
        produce(kafka.adminProperties(), topic, keyAndValue);
    }

    /** {@link #produce(EmbeddedKafka, String, List)} with a client of {@code client} settings (bootstrap servers, login). */
    static void produce(Map<String, Object> client, String topic, List<String[]> keyAndValue) {
        List<byte[][]> records = keyAndValue.stream()
                .map(record -> new byte[][] {record[0] == null ? null : record[0].getBytes(StandardCharsets.UTF_8), record[1].getBytes(StandardCharsets.UTF_8)})
                .toList();
        send(client, topic, records, Map.of());
    }

    /** Produces raw key/value pairs, in order, with a producer that accepts records up to {@code maxRequestSize}; fails if any send fails. */
    static void produceBytes(EmbeddedKafka kafka, String topic, List<byte[][]> keyAndValue, int maxRequestSize) {
        send(kafka.adminProperties(), topic, keyAndValue, Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(maxRequestSize)));
    }

    /** The one test producer: idempotent (so in order), acks=all, the first send waited for, every failure rethrown. */
    private static void send(Map<String, Object> client, String topic, List<byte[][]> keyAndValue, Map<String, Object> settings) {
        Properties properties = new Properties();
        properties.putAll(client);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.putAll(settings);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<?>> sends = new ArrayList<>();
            for (byte[][] record : keyAndValue) {
                Future<?> send = producer.send(new ProducerRecord<>(topic, record[0], record[1]));
                if (sends.isEmpty()) {
                    send.get();
                }
                sends.add(send);
            }
            producer.flush();
            for (Future<?> send : sends) {
                send.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a record could not be produced to " + topic, e.getCause());
        }
    }

    /** Sets topic-level configuration, e.g. {@code max.message.bytes}. */
    static void alterTopic(EmbeddedKafka kafka, String topic, Map<String, String> config) {
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            var ops = config.entrySet().stream().map(e -> new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry(e.getKey(), e.getValue()),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)).toList();
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot configure " + topic, e.getCause());
        }
    }

    /** Reads {@code topic} from the beginning with read_committed until {@code done} holds for what was read, or fails after {@code timeout}. */
    static List<ConsumerRecord<byte[], byte[]>> readUntil(EmbeddedKafka kafka, String topic, Duration timeout,
                                                          Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        return readUntil(kafka.adminProperties(), topic, timeout, done);
    }

    /** {@link #readUntil(EmbeddedKafka, String, Duration, Predicate)} with a client of {@code client} settings. */
    static List<ConsumerRecord<byte[], byte[]>> readUntil(Map<String, Object> client, String topic, Duration timeout,
                                                          Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (CommittedReader reader = new CommittedReader(largeFetches(client), topic)) {
            if (!reader.readUntil(() -> done.test(records), deadline(timeout), polled -> polled.forEach(records::add))) {
                throw new AssertionError("condition not met on " + topic + " within " + timeout + "; read " + records.size() + " records");
            }
        }
        return records;
    }

    /** Every committed record of {@code topic}, up to its last stable offset at the call; fails after {@code timeout}. */
    static List<ConsumerRecord<byte[], byte[]>> readToEnd(EmbeddedKafka kafka, String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (CommittedReader reader = new CommittedReader(largeFetches(kafka.adminProperties()), topic)) {
            if (!reader.readToEnd(deadline(timeout), polled -> polled.forEach(records::add))) {
                throw new AssertionError("could not read " + topic + " to its end within " + timeout + "; read " + records.size() + " records");
            }
        }
        return records;
    }

    /** Client settings that fetch records as large as the topics accept (snapshots, hostile records). */
    private static Map<String, Object> largeFetches(Map<String, Object> client) {
        Map<String, Object> settings = new HashMap<>(client);
        settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
        return settings;
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    /** A condition polled by {@link #waitUntil}; it may read files or ask the broker. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * Polls {@code condition} until it holds, or fails naming {@code what} after {@code timeout}. For conditions that
     * have no callback to wait on (Kafka Streams' task assignment, a child process's log, a purge of a topic).
     */
    static void waitUntil(String what, Duration timeout, Condition condition) {
        long deadline = deadline(timeout);
        try {
            while (!condition.holds()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not true within " + timeout + ": " + what);
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting until " + what, e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not check whether " + what, e);
        }
    }
}
