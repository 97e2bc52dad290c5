package dev.backstream.app;

import java.util.Properties;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamsSettingsTest {

    private static ModelCatalog catalog(int inputs, int hidden) {
        return new ModelCatalog(List.of(new ModelDefinition("m", Mlp.initialize(Architecture.of(inputs, Loss.CATEGORICAL_CROSS_ENTROPY,
                new LayerSpec(hidden, Activation.SIGMOID), new LayerSpec(10, Activation.SOFTMAX)), OptimizerSpec.sgd(0.1), 1), 1000, "test")));
    }

    @Test
    void changelogSegmentsHoldAFewModelsSoThatRestoreReplaysLittleUncompactedTail() {
        ModelCatalog s4 = catalog(784, 128); // ~800 KB stored
        int segment = Integer.parseInt(StreamsSettings.changelogConfig(s4).get(TopicConfig.SEGMENT_BYTES_CONFIG));
        int record = StreamsSettings.maxRecordBytes(s4);
        assertEquals(4 * record, segment);
        assertTrue(segment <= 16 * 1024 * 1024, "a short active segment: " + segment);
    }

    @Test
    void aChangelogSegmentIsNeverSmallerThanOneStoredModel() {
        ModelCatalog huge = catalog(4096, 2048); // ~67 MB stored
        var config = StreamsSettings.changelogConfig(huge);
        assertTrue(Integer.parseInt(config.get(TopicConfig.SEGMENT_BYTES_CONFIG)) >= Integer.parseInt(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)));
        ModelCatalog tiny = catalog(2, 2);
        assertEquals(4 * 1024 * 1024, Integer.parseInt(StreamsSettings.changelogConfig(tiny).get(TopicConfig.SEGMENT_BYTES_CONFIG)));
    }

    /**
     * Defaults Backstream gives Kafka Streams and its producer, each measured (see StreamsSettings): lz4 for what the
     * application produces, batches of 256 KiB, a commit at least every 2 s (the learner asks for commits every
     * commit.eager.interval.ms while they are cheap, EagerCommitsTest). A pass-through setting wins.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}: {1} unless the configuration says {2}")
    @org.junit.jupiter.params.provider.CsvSource({
            "compression.type, lz4, zstd",
            "batch.size, 262144, 16384",
            "commit.interval.ms, 2000, 100"})
    void backstreamsDefaultsForKafkaStreamsYieldToPassThroughSettings(String property, String byDefault, String configured) {
        ModelCatalog models = catalog(8, 32);
        java.util.Map<String, String> settings = new java.util.HashMap<>(java.util.Map.of(BackstreamConfig.STATE_DIR, "/tmp/x"));
        assertEquals(byDefault, StreamsSettings.properties(new BackstreamConfig(settings, null), models).getProperty(property));
        settings.put(property, configured);
        assertEquals(configured, StreamsSettings.properties(new BackstreamConfig(settings, null), models).getProperty(property),
                "a pass-through setting wins");
    }

    @Test
    void aDeadLetterAlwaysFitsTheProducersLargestRequest() {
        ModelCatalog models = catalog(8, 32);
        java.util.Map<String, String> settings = new java.util.HashMap<>(java.util.Map.of(BackstreamConfig.STATE_DIR, "/tmp/x"));
        assertEquals(65_536, StreamsSettings.deadLetterFieldBytes(new BackstreamConfig(settings, null), models),
                "with the computed max.request.size the configured 64 KiB fits");
        java.util.Map<String, String> small = new java.util.HashMap<>(settings);
        small.put("producer.max.request.size", "100000");
        int field = StreamsSettings.deadLetterFieldBytes(new BackstreamConfig(small, null), models);
        assertTrue(field < 65_536, "producer.max.request.size=100000 lowers the copied bytes: " + field);
        // the largest dead letter (key and value copied, cut to that many bytes each) and a record batch's overhead
        assertTrue(dev.backstream.message.DeadLetter.maxBytes(field) + 1024 <= 100_000, "the largest dead letter fits: field " + field);
        for (String key : java.util.List.of("producer.max.request.size", "max.request.size")) {
            small = new java.util.HashMap<>(settings);
            small.put(key, "100000");
            BackstreamConfig config = new BackstreamConfig(small, null);
            // whatever the key, the limit the producer applies is the producer-prefixed one when there is one
            Properties properties = StreamsSettings.properties(config, models);
            String prefixed = properties.getProperty("producer.max.request.size");
            long effective = Long.parseLong(prefixed != null ? prefixed : properties.getProperty("max.request.size"));
            assertTrue(dev.backstream.message.DeadLetter.maxBytes(StreamsSettings.deadLetterFieldBytes(config, models)) + 1024 <= effective,
                    key + "=100000: the largest dead letter fits the producer's " + effective + " bytes");
        }
    }
}
