package dev.backstream.broker;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * Reads one topic as the application's users see it, for the demo, the {@code models} commands, the tests and the
 * benchmarks: every partition from the beginning (or from its end, {@link #skipToEnd()}), {@code read_committed} (only
 * records of committed transactions), no consumer group.
 */
public final class CommittedReader implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;

    /** What to do with the records of one poll (possibly none). */
    @FunctionalInterface
    public interface Batch<E extends Exception> {
        void accept(ConsumerRecords<byte[], byte[]> records) throws E;
    }

    /** @param client consumer settings: {@code bootstrap.servers}, security settings, fetch sizes */
    public CommittedReader(Map<String, Object> client, String topic) {
        Properties properties = new Properties();
        properties.putAll(client);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Polls, handing each poll's records to {@code batch}, until {@code done} holds (checked before every poll).
     *
     * @param deadline a {@link System#nanoTime()} value
     * @return whether {@code done} held before the deadline
     */
    public <E extends Exception> boolean readUntil(BooleanSupplier done, long deadline, Batch<E> batch) throws E {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            batch.accept(consumer.poll(POLL));
        }
        return true;
    }

    /** {@link #readUntil} up to the end of every partition as it is now (its last stable offset). */
    public <E extends Exception> boolean readToEnd(long deadline, Batch<E> batch) throws E {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        return readUntil(() -> partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p)), deadline, batch);
    }

    /**
     * Positions every partition at its end as it is now (its last stable offset), resolved at once, so that every
     * record written after this call, and possibly a few committed in transactions that were open, is read next.
     */
    public void skipToEnd() {
        consumer.endOffsets(partitions).forEach(consumer::seek);
    }

    /** One poll, for loops that time each poll themselves (the benchmarks). */
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        return consumer.poll(timeout);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
