package dev.backstream.app;

import dev.backstream.stream.OutputFailureHandler;
import dev.backstream.stream.MetricsSettings;
import dev.backstream.stream.ModelManagement;
import dev.backstream.stream.TopologySettings;
import dev.backstream.message.DeadLetter;
import dev.backstream.model.ModelCatalog;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Map;
import java.util.Properties;

/**
 * The Kafka Streams properties of the application, computed from its configuration and its models so that users do
 * not have to size anything by hand. Pass-through properties from the configuration win over these defaults, except
 * the four that Backstream declares itself.
 */
public final class StreamsSettings {
    private static final int MIB = 1024 * 1024;

    private StreamsSettings() {
    }

    /** Kafka Streams' {@code commit.interval.ms} here unless the configuration says otherwise (see {@link #properties}). */
    static final long COMMIT_INTERVAL_MS = 2000;

    /** The producer's default {@code batch.size} here (see {@link #properties}). */
    static final int BATCH_BYTES = 256 * 1024;

    /** Everything Kafka Streams needs to run the topology of {@link BackstreamTopology}. */
    public static Properties properties(BackstreamConfig config, ModelCatalog catalog) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(maxRecordBytes(catalog)));
        properties.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), String.valueOf(maxRecordBytes(catalog)));
        // A restore fetch returns at most max.partition.fetch.bytes (1 MiB by default): one large model per round trip.
        int restoreFetch = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(MIB, 8L * maxRecordBytes(catalog)));
        properties.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), String.valueOf(restoreFetch));
        properties.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), String.valueOf(Math.max(restoreFetch, 50 * MIB)));
        properties.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputFailureHandler.class.getName());
        properties.put(OutputFailureHandler.DEAD_LETTER_TOPIC_CONFIG, config.topics().deadLetters());
        properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true"); // Kafka 4.3's recommended setting, default in 5.0
        // Kafka Streams 4.3.1 builds a second StreamsConfig inside the partition assignor from the main consumer's
        // configs, which lack this setting, and warns there that it is off (StreamsConfig's constructor warns even
        // when told to be quiet). Main-consumer settings reach that config, so give it the setting too.
        properties.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
        // Each task reads four partitions (samples, score requests, control, repartition). Samples and score requests
        // are never joined or ordered against each other, and a command's order among its model's samples is by
        // timestamp among the records that have arrived: process whatever has arrived instead of waiting to align
        // the partitions' timestamps (max.task.idle.ms > 0, passed through, makes the command order strict).
        properties.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        // lz4 for everything the application produces, the model changelog above all: with many models nearly every
        // record writes a stored model. Measured with EndToEndBenchmark models 1,5000 (two runs each): one model
        // 52-55k -> 65-79k records/s, 5,000 models 6.0-6.8k -> 6.9-7.2k. A pass-through compression.type wins.
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Batches of 256 KiB instead of the producer's 16 KiB: a stored S2 model is ~4 KB, so with many models a commit's
        // changelog writes filled a new batch every four models, each with its own lz4 block buffer and broker append.
        // EndToEndBenchmark models 1,5000 (no snapshots or metrics, commit.interval.ms 100): one model 70k -> 93k
        // records/s, 5,000 models 13.4k -> 25.2k. Memory: an open batch per partition written, from buffer.memory
        // (32 MiB); a pass-through batch.size wins.
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(BATCH_BYTES));
        // Commits at least every 2 s; the learner asks for one every commit.eager.interval.ms (100 ms) while that is
        // cheap (few changed models for the records since the last commit), so one model keeps Kafka Streams' 100 ms
        // exactly-once cadence, and thousands of models are each written once for many records. A pass-through wins.
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(COMMIT_INTERVAL_MS));
        properties.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        properties.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        properties.putAll(config.passThrough());
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        properties.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
        return properties;
    }

    /** What the topology needs of the configuration, with the sizes computed from the models. */
    public static TopologySettings topology(BackstreamConfig config, ModelCatalog catalog) {
        return new TopologySettings(config.topics(), config.maxRecordBytes(), config.maxFeatures(), config.snapshotIntervalMs(),
                deadLetterFieldBytes(config, catalog), changelogConfig(catalog),
                new MetricsSettings(config.metricsWindow(), config.metricsFadingFactor(), config.metricsIntervalMs()),
                new ModelManagement(config.snapshotHistory(), config.maxModels(), maxRecordBytes(catalog), config.snapshotEveryUpdates(),
                        config.modelsEvictIdleMs(), config.commitEagerIntervalMs(), config.commitEagerRecordsPerModel()),
                config.eventSettings());
    }

    /**
     * The most bytes a dead letter copies of a record's key and of its value: the configured
     * {@code dead.letter.max.value.bytes}, lowered if needed so that the largest possible dead letter fits the producer's
     * {@code max.request.size} (the one Backstream computes, or the one the configuration passes through). A dead letter
     * that did not fit would fail inside the transaction, which then aborts and replays the same record for ever.
     */
    public static int deadLetterFieldBytes(BackstreamConfig config, ModelCatalog catalog) {
        Properties properties = properties(config, catalog);
        String producerSetting = properties.getProperty(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        long maxRequestSize = Long.parseLong(producerSetting != null ? producerSetting
                : properties.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        int configured = config.deadLetterMaxValueBytes();
        // the producer's limit covers the whole request: key, value and the record batch around them
        long room = (maxRequestSize - DeadLetter.maxBytes(0) - 1024) / 2;
        return (int) Math.max(64, Math.min(configured, room));
    }

    /**
     * The largest record the application produces: a stored model goes to the changelog, a JSON snapshot to the
     * snapshots topic; both with room to spare (a 1.6 MB model otherwise kills the stream thread with
     * {@code RecordTooLargeException}). A stored model carries its metrics too, at most {@link MetricsSettings#MAX_STORED_BYTES}.
     */
    public static int maxRecordBytes(ModelCatalog catalog) {
        long stored = catalog.largestEncodedModelBytes() + 64 + MetricsSettings.MAX_STORED_BYTES;
        long needed = Math.max(2L * stored, catalog.largestSnapshotBytes() + 64L * 1024);
        return (int) Math.min(Integer.MAX_VALUE - 1024, Math.max(needed, MIB));
    }

    /** Segment size of the model changelog: four of the largest stored records, 4 to 64 MiB, never below one record. */
    static int changelogSegmentBytes(ModelCatalog catalog) {
        long fourModels = Math.min(64L * MIB, Math.max(4L * MIB, 4L * maxRecordBytes(catalog)));
        return (int) Math.max(fourModels, maxRecordBytes(catalog));
    }

    /**
     * Topic configuration of the model store's changelog. The log cleaner never compacts the active segment, and a
     * restart replays everything not yet compacted; a model is written once per commit (10 times a second by default),
     * so segments of four stored models keep that tail to a few models instead of up to 32 MiB of them.
     */
    static Map<String, String> changelogConfig(ModelCatalog catalog) {
        return Map.of(
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxRecordBytes(catalog)),
                TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(changelogSegmentBytes(catalog)),
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01");
    }
}
