package dev.backstream.it;

import dev.backstream.stream.Topics;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.broker.TopicCreator;
import dev.backstream.broker.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Helpers for integration tests against the embedded broker: unique topics, checked produce, read_committed reads. */
final class KafkaTestSupport {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private KafkaTestSupport() {
    }

    /** Settings for one test: unique application id and topic names, a fresh state directory. */
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
        settings.put("commit.interval.ms", "100");
        return settings;
    }

    static void createTopics(EmbeddedKafka kafka, Topics topics, int partitions) {
        TopicCreator.create(kafka.bootstrapServers(), topics, partitions);
    }

    /** Produces every record, the first one synchronously, and fails if any send fails. */
    static void produce(EmbeddedKafka kafka, String topic, List<String[]> keyAndValue) {
        produce(kafka.adminProperties(), topic, keyAndValue);
    }

    /** {@link #produce(EmbeddedKafka, String, List)} with a client of {@code client} settings (bootstrap servers, login). */
    static void produce(Map<String, Object> client, String topic, List<String[]> keyAndValue) {
        Properties properties = new Properties();
        properties.putAll(client);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<?>> sends = new ArrayList<>();
            for (String[] record : keyAndValue) {
                byte[] key = record[0] == null ? null : record[0].getBytes(StandardCharsets.UTF_8);
                Future<?> send = producer.send(new ProducerRecord<>(topic, key, record[1].getBytes(StandardCharsets.UTF_8)));
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

    /** Produces raw key/value pairs with a producer that accepts records up to {@code maxRequestSize}; fails if any send fails. */
    static void produceBytes(EmbeddedKafka kafka, String topic, List<byte[][]> keyAndValue, int maxRequestSize) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(maxRequestSize));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[][] record : keyAndValue) {
                producer.send(new ProducerRecord<>(topic, record[0], record[1])).get(); // in order, one at a time
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
        Properties properties = new Properties();
        properties.putAll(client);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(records)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("condition not met on " + topic + " within " + timeout + "; read " + records.size() + " records");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * Polls {@code condition} until it holds, or fails naming {@code what} after {@code timeout}. For conditions that
     * have no callback to wait on (Kafka Streams' task assignment, a child process's state).
     */
    static void waitUntil(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not true within " + timeout + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what, e);
            }
        }
    }
}
