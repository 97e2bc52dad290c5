package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a task restart, migration or revival looks like to the learner: a re-initialized model store over the same
 * underlying store and a new processor instance resume from what the last commit persisted, and nothing processed
 * after that commit. (TopologyTestDriver deletes its state directory on close, so this is tested at the processor
 * level; the real-broker crash test covers RocksDB and changelog restoration.)
 */
class ModelProcessorRestartTest {
    private final ModelStoreHarness harness = new ModelStoreHarness();

    @Test
    void aNewProcessorResumesFromTheModelPersistedAtTheLastCommit() throws Exception {
        var catalog = TopologyFixture.catalog(1000);
        List<String> lines = new ArrayList<>();
        ModelProcessor first = harness.processor(catalog);
        for (int i = 0; i < 30; i++) {
            lines.add(BackstreamTopologyTest.xorSample(i));
            first.process(record(lines.get(i), i));
        }
        harness.store.flushCache(); // Kafka Streams prepares a commit
        for (int i = 30; i < 35; i++) {
            first.process(record(BackstreamTopologyTest.xorSample(i), i)); // processed, never committed: lost in a crash
        }
        first.close();
        harness.restart();

        ModelProcessor second = harness.processor(catalog);
        for (int i = 30; i < 60; i++) {
            lines.add(BackstreamTopologyTest.xorSample(100 + i));
            second.process(record(lines.get(i), i));
        }
        harness.store.flushCache();

        var forwarded = harness.context.forwarded();
        assertEquals(30, Json.MAPPER.readTree(forwarded.get(0).record().value().json()).get("modelVersion").asLong(),
                "the second instance starts at the committed update 30, not at 35");
        Mlp expected = catalog.find("xor").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        lines.forEach(line -> parser.parse(line).learnOn(expected));
        StoredModel stored = harness.store.persisted("xor").orElseThrow();
        assertTrue(stored.model().bitIdentical(expected));
        assertEquals(59, stored.source().offset(), "the store remembers the last sample applied");
    }

    @Test
    void theMetricsAfterACrashAndRestoreEqualThoseOfAnUninterruptedRunWindowContentsIncluded() throws Exception {
        var catalog = TopologyFixture.catalog(1000);
        java.util.Random random = new java.util.Random(17);
        List<String> committed = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            committed.add(BackstreamTopologyTest.blobSample(random, i));
        }
        // crashed run: metrics published at 20, commit at 30, five samples lost, restart, the rest; a window of 40 wraps
        MetricsSettings settings = new MetricsSettings(40, 0.99, 5_000);
        ModelStoreHarness harness = new ModelStoreHarness(settings);
        ModelProcessor first = harness.processor(catalog, 5_000);
        for (int i = 0; i < 30; i++) {
            first.process(record("blobs", committed.get(i), i));
            if (i == 19) {
                punctuate(harness, 5_000);
            }
        }
        harness.store.flushCache();
        for (int i = 30; i < 35; i++) {
            first.process(record("blobs", BackstreamTopologyTest.blobSample(random, 100 + i), i)); // never committed
        }
        punctuate(harness, 10_000); // published, never committed either
        first.close();
        harness.restart();
        ModelProcessor second = harness.processor(catalog, 5_000);
        for (int i = 30; i < 60; i++) {
            second.process(record("blobs", committed.get(i), i));
        }
        punctuate(harness, 15_000);
        harness.store.flushCache();
        JsonNode crashed = lastMetrics(harness);

        ModelStoreHarness uninterrupted = new ModelStoreHarness(settings);
        ModelProcessor only = uninterrupted.processor(catalog, 5_000);
        for (int i = 0; i < 60; i++) {
            only.process(record("blobs", committed.get(i), i));
            if (i == 19) {
                punctuate(uninterrupted, 5_000);
            }
        }
        punctuate(uninterrupted, 15_000);
        uninterrupted.store.flushCache();
        JsonNode expected = lastMetrics(uninterrupted);

        assertEquals(60, expected.get("updates").asLong());
        assertEquals(40, expected.get("windowCount").asInt(), "the window reaches back before the crash");
        assertEquals(expected, crashed);
        PrequentialMetrics restored = harness.store.persisted("blobs").orElseThrow().metrics();
        PrequentialMetrics reference = uninterrupted.store.persisted("blobs").orElseThrow().metrics();
        assertEquals(40, restored.count());
        org.junit.jupiter.api.Assertions.assertArrayEquals(encoded(reference), encoded(restored),
                "the stored window (every entry, in order), fading sums and counters are identical");
    }

    @Test
    void aWindowSealedInChunksRestoresEntryForEntryAfterACrashWhateverTheCommitPoints() throws Exception {
        var catalog = TopologyFixture.catalog(1000);
        java.util.Random random = new java.util.Random(23);
        List<String> committed = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            committed.add(BackstreamTopologyTest.blobSample(random, i));
        }
        // a window of 150 in chunks of 64 (3 slots) wraps twice; the crashed run commits every 9 records until 270,
        // loses five records, restarts from the store and commits every 31; the uninterrupted run commits once
        MetricsSettings settings = new MetricsSettings(150, 0.99, 5_000);
        ModelStoreHarness harness = new ModelStoreHarness(settings);
        ModelProcessor first = harness.processor(catalog, 5_000);
        for (int i = 0; i < 270; i++) {
            first.process(record("blobs", committed.get(i), i));
            if (i % 9 == 8) {
                harness.store.flushCache();
            }
        }
        for (int i = 270; i < 275; i++) {
            first.process(record("blobs", BackstreamTopologyTest.blobSample(random, 1000 + i), i)); // never committed
        }
        first.close();
        harness.restart();
        ModelProcessor second = harness.processor(catalog, 5_000);
        for (int i = 270; i < 400; i++) {
            second.process(record("blobs", committed.get(i), i));
            if (i % 31 == 30) {
                harness.store.flushCache();
            }
        }
        punctuate(harness, 5_000);
        harness.store.flushCache();
        JsonNode crashed = lastMetrics(harness);

        ModelStoreHarness uninterrupted = new ModelStoreHarness(settings);
        ModelProcessor only = uninterrupted.processor(catalog, 5_000);
        for (int i = 0; i < 400; i++) {
            only.process(record("blobs", committed.get(i), i));
        }
        punctuate(uninterrupted, 5_000);
        uninterrupted.store.flushCache();
        JsonNode expected = lastMetrics(uninterrupted);

        assertEquals(150, expected.get("windowCount").asInt());
        assertEquals(expected, crashed);
        assertEquals(harness.underlying.get("blobs").length, uninterrupted.underlying.get("blobs").length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(uninterrupted.underlying.get("blobs"), harness.underlying.get("blobs"),
                "the stored values are identical although the commits differed");
        PrequentialMetrics restored = harness.store.persisted("blobs").orElseThrow().metrics();
        PrequentialMetrics reference = uninterrupted.store.persisted("blobs").orElseThrow().metrics();
        assertEquals(150, restored.count());
        org.junit.jupiter.api.Assertions.assertArrayEquals(encoded(reference), encoded(restored));
        List<String> keys = new ArrayList<>();
        try (var all = harness.underlying.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        assertEquals(List.of("blobs", "blobs\u0000metrics-chunk-0", "blobs\u0000metrics-chunk-1", "blobs\u0000metrics-chunk-2"),
                keys.stream().filter(k -> k.startsWith("blobs")).sorted().toList());
    }

    private static void punctuate(ModelStoreHarness harness, long now) {
        harness.punctuate(5_000, now); // the live punctuators, as Kafka Streams runs them: not those of a closed processor
    }

    /** The last metrics record forwarded, without its wall-clock timestamp. */
    private static JsonNode lastMetrics(ModelStoreHarness harness) throws Exception {
        var forwarded = harness.context.forwarded().stream().filter(r -> r.record().value().kind() == Output.Kind.METRICS).toList();
        ObjectNode metrics = (ObjectNode) Json.MAPPER.readTree(forwarded.get(forwarded.size() - 1).record().value().json());
        metrics.remove("timestamp");
        return metrics;
    }

    private static byte[] encoded(PrequentialMetrics metrics) {
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(metrics.encodedSize());
        metrics.encode(out);
        return out.array();
    }

    @Test
    void aModelIsPersistedOnlyWhenACommitIsPrepared() {
        var catalog = TopologyFixture.catalog(1000);
        ModelProcessor processor = harness.processor(catalog);
        processor.process(record(BackstreamTopologyTest.xorSample(0), 0));
        assertTrue(harness.store.persisted("xor").isEmpty(), "no per-record write");
        harness.store.flushCache();
        assertEquals(1, harness.store.persisted("xor").orElseThrow().model().updates());
        processor.process(record(BackstreamTopologyTest.xorSample(1), 1));
        assertEquals(1, harness.store.persisted("xor").orElseThrow().model().updates(), "unchanged until the next commit");
        harness.store.flushCache();
        assertEquals(2, harness.store.persisted("xor").orElseThrow().model().updates());
    }

    @Nested
    @DisplayName("a task that was a standby while another instance learned")
    class AfterAStandbyRestore {
        private final dev.backstream.model.ModelCatalog catalog = TopologyFixture.catalog(1000);
        private ModelProcessor processor;
        private Mlp restored;

        /** Learns 20 samples here and commits; then a standby restore writes the model another instance took to 50. */
        @BeforeEach
        void learnHereThenRestoreANewerModel() {
            processor = harness.processor(catalog);
            for (int i = 0; i < 20; i++) {
                processor.process(record(BackstreamTopologyTest.xorSample(i), i));
            }
            harness.store.flushCache();
            restored = harness.store.persisted("xor").orElseThrow().model();
            SampleParser parser = new SampleParser();
            for (int i = 20; i < 50; i++) {
                parser.parse(BackstreamTopologyTest.xorSample(i)).learnOn(restored);
            }
            StoredModel newer = new StoredModel(restored, new SourceRecord(null, 0, 49, -1), -1,
                    new PrequentialMetrics(restored.architecture(), MetricsSettings.DEFAULT));
            harness.underlying.put("xor", newer.encodeInto(new byte[newer.encodedSize()]));
        }

        @Test
        void recyclingTheStoreDropsTheStaleCopy() throws Exception {
            harness.store.clearCache(); // what Kafka Streams calls when it recycles a task between active and standby
            processor.process(record(BackstreamTopologyTest.xorSample(50), 50));
            assertPredictedBy(restored);
        }

        @Test
        void aProcessorStartingTheTaskDropsTheStaleCopy() throws Exception {
            processor.close();
            harness.processor(catalog).process(record(BackstreamTopologyTest.xorSample(50), 50));
            assertPredictedBy(restored);
        }

        @Test
        void reInitialisingTheSameStoreDropsTheStaleCopy() throws Exception {
            // Kafka Streams revives a corrupted or migrated task with the same store objects: init again, no new store
            harness.store.init(harness.context.getStateStoreContext(), harness.store);
            processor.process(record(BackstreamTopologyTest.xorSample(50), 50));
            assertPredictedBy(restored);
        }

        @Test
        void closingDirtyThenRestoringIntoTheSameStoreDropsTheStaleCopy() throws Exception {
            byte[] newer = harness.underlying.get("xor");
            harness.store.close(); // a dirty close: nothing flushed; the in-memory store below forgets everything
            harness.store.init(harness.context.getStateStoreContext(), harness.store);
            harness.underlying.put("xor", newer); // the restore from the changelog
            processor.process(record(BackstreamTopologyTest.xorSample(50), 50));
            assertPredictedBy(restored);
        }

        private void assertPredictedBy(Mlp expected) throws Exception {
            var forwarded = harness.context.forwarded();
            var prediction = Json.MAPPER.readTree(forwarded.get(forwarded.size() - 1).record().value().json());
            assertEquals(50, prediction.get("modelVersion").asLong(), "the restored model (50 updates) predicts, not the stale one (20)");
            double[] features = new SampleParser().parse(BackstreamTopologyTest.xorSample(50)).features();
            assertEquals(expected.predict(features).output(0), prediction.get("output").get(0).asDouble());
        }
    }

    /**
     * A rebalance or a fencing in the middle of a commit: the commit's writes were made ({@code flushCache}) but its
     * transaction aborts, so Kafka Streams closes the task dirty and restores the store from the changelog, which holds
     * the last committed model only.
     */
    @Test
    void aCommitThatAbortsLeavesNoTraceInTheLearnerOrTheReaders() throws Exception {
        var catalog = TopologyFixture.catalog(1000);
        ModelProcessor processor = harness.processor(catalog);
        for (int i = 0; i < 20; i++) {
            processor.process(record(BackstreamTopologyTest.xorSample(i), i));
        }
        harness.store.flushCache(); // commit 1 completes
        byte[] committed = harness.underlying.get("xor");
        Mlp committedModel = harness.store.persisted("xor").orElseThrow().model();
        for (int i = 20; i < 30; i++) {
            processor.process(record(BackstreamTopologyTest.xorSample(i), i));
        }
        assertEquals(20, harness.committed.find("xor").orElseThrow().version(), "readers see commit 1 once the task steps on");
        harness.store.flushCache(); // commit 2 is prepared: the model at 30 updates is written, then the transaction aborts

        processor.close();
        harness.store.close();
        harness.store.init(harness.context.getStateStoreContext(), harness.store);
        harness.underlying.put("xor", committed); // restored from the changelog: commit 1
        harness.context.resetForwards();
        ModelProcessor revived = harness.processor(catalog);
        revived.process(record(BackstreamTopologyTest.xorSample(20), 20));

        var prediction = Json.MAPPER.readTree(harness.context.forwarded().get(harness.context.forwarded().size() - 1).record().value().json());
        assertEquals(20, prediction.get("modelVersion").asLong(), "the record after commit 1 is learned again by the model of commit 1");
        double[] features = new SampleParser().parse(BackstreamTopologyTest.xorSample(20)).features();
        assertEquals(committedModel.predict(features).output(0), prediction.get("output").get(0).asDouble());
        assertEquals(20, harness.committed.find("xor").map(CommittedModel::version).orElse(20L),
                "readers never saw the aborted commit's model");
    }

    @Test
    void theUnderlyingStoreIsPersistentSoThatTransactionalIdsSurviveARestart() {
        // Kafka Streams keeps its process id (part of the EOS transactional id) only for topologies with a persistent
        // store; without it a restarted instance cannot fence its crashed predecessor's open transaction.
        ModelStore store = ModelStore.builder(BackstreamTopology.STORE, java.util.Map.of(), MetricsSettings.DEFAULT, new CommittedModels()).build();
        assertTrue(store.persistent());
    }

    private static Record<byte[], RoutedSample> record(String line, long offset) {
        return record("xor", line, offset);
    }

    private static Record<byte[], RoutedSample> record(String model, String line, long offset) {
        RoutedSample routed = new RoutedSample(new SampleParser().parse(line), true, null, line.getBytes(StandardCharsets.UTF_8),
                new SourceRecord("backstream.samples", 0, offset, 1000 + offset));
        return new Record<>(model.getBytes(StandardCharsets.UTF_8), routed, 1000 + offset);
    }
}
