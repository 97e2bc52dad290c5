package dev.backstream.stream;

import dev.backstream.json.Json;
import dev.backstream.message.SampleParser;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Mlp;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code models.evict.idle.ms}: a model no record asked for during that long, with nothing uncommitted and nothing to
 * publish, leaves memory; its next record decodes it from the store, and everything after is bit for bit what a run
 * that kept it in memory produces. A task's start decodes only the models that owe a publication, yet shows every model
 * to readers. Each test is a run with eviction beside one without, fed the same records at the same wall-clock times.
 */
@DisplayName("Idle models (models.evict.idle.ms)")
class IdleModelsTest {
    /** Idle for 40 s: the eviction punctuation runs every 10 s (a quarter), apart from every other punctuation here. */
    private static final long IDLE_MS = 40_000;
    private static final long EVICTION_EVERY = 10_000;
    private static final long METRICS_EVERY = 5_000;
    private static final long SNAPSHOTS_EVERY = 7_000;
    /** A window of 150 entries, sealed in chunks of 64: an evicted model's window is read back from its chunks. */
    private static final MetricsSettings SETTINGS = new MetricsSettings(150, 0.99, METRICS_EVERY);
    private static final ModelManagement EVICTING = ModelManagement.DEFAULT.withEvictIdleMs(IDLE_MS);

    /** xor (plain SGD), blobs (Adam: its moment vectors must come back too) and champ with an Adam and a momentum challenger. */
    private static ModelCatalog catalog() throws Exception {
        ModelCatalog fixture = TopologyFixture.catalog(1000);
        ModelDefinition champ = ModelCatalog.loadDefinition(ChallengerTopologyTest.WITH_CHALLENGERS.getBytes(StandardCharsets.UTF_8),
                null, "test", 1000);
        return new ModelCatalog(List.of(fixture.find("xor").orElseThrow(), fixture.find("blobs").orElseThrow(), champ));
    }

    /** One task fed records at wall-clock times, with or without eviction. */
    private static final class Run {
        final ModelStoreHarness harness = new ModelStoreHarness(SETTINGS);
        final ModelCatalog catalog;
        ModelProcessor processor;
        /** The wall-clock time of the next step (tests that step through time). */
        long now = 1_000;
        private long offset;

        Run(ModelCatalog catalog, long metricsEvery, long snapshotsEvery, ModelManagement management) {
            this(catalog, metricsEvery, snapshotsEvery, management, EventSettings.defaults());
        }

        Run(ModelCatalog catalog, long metricsEvery, long snapshotsEvery, ModelManagement management, EventSettings events) {
            this.catalog = catalog;
            harness.eventSettings = events;
            harness.context.setCurrentSystemTimeMs(0); // the task starts at wall-clock time 0
            processor = harness.processor(catalog, metricsEvery, snapshotsEvery, management);
        }

        /** Processes {@code line} for {@code model} at wall-clock time {@code now}: learned. */
        void sample(String model, String line, long now) {
            process(model, line, true, now);
        }

        /** Processes {@code line} for {@code model} at wall-clock time {@code now} as a score request: scored, not learned. */
        void request(String model, String line, long now) {
            process(model, line, false, now);
        }

        private void process(String model, String line, boolean learn, long now) {
            harness.context.setCurrentSystemTimeMs(now);
            RoutedSample routed = new RoutedSample(new SampleParser().parse(line), learn, null, line.getBytes(StandardCharsets.UTF_8),
                    new SourceRecord("backstream.samples", 0, offset, 1000 + offset));
            processor.process(new Record<>(model.getBytes(StandardCharsets.UTF_8), routed, 1000 + offset));
            offset++;
        }

        /** Samples {@code from} to {@code to} (exclusive) of each of the three models, interleaved, at {@code now}. */
        void rounds(int from, int to, long now) {
            for (int i = from; i < to; i++) {
                sample("xor", BackstreamTopologyTest.xorSample(i), now);
                sample("blobs", BackstreamTopologyTest.blobSample(new Random(i), i), now);
                sample("champ", ChallengerTopologyTest.sample(i), now);
            }
        }

        /** Applies {@code command} at wall-clock time {@code now}. */
        void command(dev.backstream.message.ModelCommand command, long now) {
            harness.context.setCurrentSystemTimeMs(now);
            byte[] key = command.model().getBytes(StandardCharsets.UTF_8);
            RoutedSample routed = RoutedSample.command(command, key, command.toJson(),
                    new SourceRecord("backstream.control", 0, offset, 1000 + offset));
            processor.process(new Record<>(key, routed, 1000 + offset));
            offset++;
        }

        void commit() {
            harness.store.flushCache();
        }

        void punctuate(long every, long now) {
            harness.punctuate(every, now);
        }

        Set<String> live() {
            return harness.store.liveModels().stream().map(ModelStore.LiveModel::id).collect(Collectors.toSet());
        }

        /** Everything forwarded since the last call, as text, in order. */
        List<String> takeForwarded() {
            List<String> out = harness.context.forwarded().stream()
                    .map(r -> r.record().value().kind() + " " + (r.record().value().json() == null ? "tombstone " + new String(r.record().key(), StandardCharsets.UTF_8)
                            : new String(r.record().value().json(), StandardCharsets.UTF_8))).toList();
            harness.context.resetForwards();
            return out;
        }

        /** Every key of the underlying store and its bytes. */
        Map<String, byte[]> stored() {
            Map<String, byte[]> all = new TreeMap<>();
            try (var it = harness.underlying.all()) {
                it.forEachRemaining(kv -> all.put(kv.key, kv.value));
            }
            return all;
        }
    }

    @Test
    void anIdleModelLeavesMemoryAndItsNextRecordsGiveWhatARunKeepingItWouldGiveBitForBit() throws Exception {
        ModelCatalog catalog = catalog();
        Run evicting = new Run(catalog, METRICS_EVERY, 0, EVICTING);
        Run keeping = new Run(catalog, METRICS_EVERY, 0, ModelManagement.DEFAULT);
        for (Run run : List.of(evicting, keeping)) {
            run.rounds(0, 200, 1_000); // windows of 150 wrap, in chunks; challengers' windows too
            run.punctuate(METRICS_EVERY, 5_000); // nothing left to publish...
            run.commit(); // ...nor to commit
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
        }
        assertEquals(Set.of(), evicting.live(), "all three were idle for 40 s");
        assertEquals(Set.of("xor", "blobs", "champ"), keeping.live());
        evicting.takeForwarded();
        keeping.takeForwarded();

        for (Run run : List.of(evicting, keeping)) {
            run.rounds(200, 300, 1_000 + IDLE_MS + 1);
            run.punctuate(METRICS_EVERY, 50_000);
            run.commit();
        }
        assertEquals(Set.of("xor", "blobs", "champ"), evicting.live(), "decoded again by their next records");
        List<String> after = evicting.takeForwarded();
        assertEquals(keeping.takeForwarded(), after, "the same predictions (challengers' included) and metrics, in the same order");
        assertTrue(after.stream().anyMatch(line -> line.startsWith("METRICS") && line.contains("champ:wide")));
        for (String id : List.of("xor", "blobs", "champ")) {
            Mlp expected = keeping.harness.store.persisted(id).orElseThrow().model();
            assertEquals(300, expected.updates(), id);
            assertTrue(evicting.harness.store.persisted(id).orElseThrow().model().bitIdentical(expected), id);
        }
        Map<String, byte[]> expected = keeping.stored();
        Map<String, byte[]> actual = evicting.stored();
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            assertArrayEquals(expected.get(key), actual.get(key), "stored " + key.replace('\0', '/')
                    + ": model, optimizer state, metrics window and chunks, challengers");
        }
    }

    @Test
    void aDriftDetectorEvictedWithItsModelDetectsTheSameDriftAsOneKeptInMemory() throws Exception {
        // ADWIN's buckets are read back from the store at each reload: any state the encoding misses would move or lose
        // the detection (Page-Hinkley with its defaults detects nothing on this stream, so it would prove nothing here)
        for (String detector : List.of("adwin")) {
            ModelCatalog catalog = new ModelCatalog(List.of(ModelCatalog.loadDefinition("""
                    {"format": "backstream.mlp/v1", "modelId": "flip", "inputs": 2, "loss": "binary_cross_entropy",
                     "optimizer": {"type": "sgd", "learningRate": 0.5},
                     "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 1,
                     "drift": {"detector": "%s", "action": "reset"}}
                    """.formatted(detector).getBytes(StandardCharsets.UTF_8), null, "test", 100_000)));
            Run evicting = new Run(catalog, 0, 0, EVICTING);
            Run keeping = new Run(catalog, 0, 0, ModelManagement.DEFAULT);
            long now = 1_000;
            for (int block = 0; block < 30; block++) {
                for (Run run : List.of(evicting, keeping)) {
                    for (int i = block * 100; i < (block + 1) * 100; i++) {
                        int a = (i >> 1) & 1;
                        int label = a ^ (i >= 1_500 ? 1 : 0); // learned, then inverted at 1,500
                        run.sample("flip", new String(new dev.backstream.message.Sample("flip", new double[] {a, i & 1}, label, null,
                                String.valueOf(i)).toJson(), StandardCharsets.UTF_8), now);
                    }
                    run.commit();
                    run.punctuate(EVICTION_EVERY, now + IDLE_MS);
                }
                assertEquals(Set.of(), evicting.live(), "evicted after every block of 100");
                now += IDLE_MS + 1;
            }
            List<String> expected = keeping.takeForwarded();
            assertTrue(expected.stream().anyMatch(line -> line.startsWith("MODEL_EVENT") && line.contains("drift_detected")), detector);
            assertEquals(expected, evicting.takeForwarded(), detector);
            assertArrayEquals(keeping.harness.underlying.get(ModelStore.driftKey("flip")), evicting.harness.underlying.get(ModelStore.driftKey("flip")),
                    detector);
        }
    }

    @Test
    void aModelThatNeverLearnedOwesNoSnapshotAfterItsReloadAsInMemory() {
        // A declared model scored but never trained is stored with no source record; kept in memory it owes no snapshot
        // (nothing learned since its start). Decoded again, it must not owe one either, or the evicting run publishes a
        // snapshot the other never does.
        ModelCatalog catalog = TopologyFixture.catalog(1000);
        Run evicting = new Run(catalog, 0, SNAPSHOTS_EVERY, EVICTING);
        Run keeping = new Run(catalog, 0, SNAPSHOTS_EVERY, ModelManagement.DEFAULT);
        for (Run run : List.of(evicting, keeping)) {
            run.request("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
        }
        assertEquals(Set.of(), evicting.live());
        for (Run run : List.of(evicting, keeping)) {
            run.request("xor", BackstreamTopologyTest.xorSample(1), 1_000 + IDLE_MS + 1);
            run.punctuate(SNAPSHOTS_EVERY, 1_000 + IDLE_MS + 2);
            run.commit();
        }
        List<String> expected = keeping.takeForwarded();
        assertTrue(expected.stream().noneMatch(line -> line.startsWith("SNAPSHOT")), expected.toString());
        assertEquals(expected, evicting.takeForwarded());
        assertArrayEquals(keeping.harness.underlying.get("xor"), evicting.harness.underlying.get("xor"));
    }

    @Test
    void commandsOnAnEvictedModelDoWhatTheyDoOnAModelInMemory() {
        // a snapshot retained every 50 updates, so that a rollback has one to go back to; each step starts from a
        // model evicted after the last commit, so each command decodes it from the store first
        ModelCatalog catalog = TopologyFixture.catalog(50);
        Run evicting = new Run(catalog, 0, 0, EVICTING);
        Run keeping = new Run(catalog, 0, 0, ModelManagement.DEFAULT);
        List<java.util.function.Consumer<Run>> steps = List.of(
                run -> {
                    for (int i = 0; i < 200; i++) {
                        run.sample("xor", BackstreamTopologyTest.xorSample(i), run.now);
                    }
                },
                run -> run.command(new dev.backstream.message.ModelCommand.Rollback("c1", "xor", 100L, null), run.now),
                run -> run.sample("xor", BackstreamTopologyTest.xorSample(300), run.now),
                run -> run.command(new dev.backstream.message.ModelCommand.Update("c2", "xor", 0.1, null, null), run.now),
                run -> run.sample("xor", BackstreamTopologyTest.xorSample(301), run.now),
                run -> run.command(new dev.backstream.message.ModelCommand.Pause("c3", "xor"), run.now),
                run -> run.sample("xor", BackstreamTopologyTest.xorSample(302), run.now),
                run -> run.command(new dev.backstream.message.ModelCommand.Reset("c4", "xor", 5L), run.now),
                run -> run.sample("xor", BackstreamTopologyTest.xorSample(303), run.now),
                run -> run.command(new dev.backstream.message.ModelCommand.Delete("c5", "xor"), run.now),
                run -> run.sample("xor", BackstreamTopologyTest.xorSample(304), run.now)); // UNKNOWN_MODEL now
        for (var step : steps) {
            for (Run run : List.of(evicting, keeping)) {
                step.accept(run);
                run.commit();
                run.punctuate(EVICTION_EVERY, run.now + IDLE_MS);
                run.now += IDLE_MS + 1;
                run.harness.store.publishCommitted(); // the task's next step: readers see the commit
            }
            assertEquals(Set.of(), evicting.live());
        }
        List<String> expected = keeping.takeForwarded();
        assertTrue(expected.stream().anyMatch(line -> line.contains("rolled_back")), "the rollback found its snapshot");
        assertTrue(expected.stream().anyMatch(line -> line.contains("UNKNOWN_MODEL")), "deleted");
        assertEquals(expected, evicting.takeForwarded());
        Map<String, byte[]> stored = keeping.stored();
        assertEquals(stored.keySet(), evicting.stored().keySet(), "a tombstone, nothing else of the model");
        assertTrue(evicting.harness.committed.find("xor").isEmpty(), "readers no longer see it");
    }

    @Nested
    @DisplayName("a model idle for longer than models.evict.idle.ms stays in memory")
    class Stays {
        private final ModelCatalog catalog = TopologyFixture.catalog(1000);

        @Test
        void whileItHasAChangeNotYetCommitted() {
            Run run = new Run(catalog, 0, 0, EVICTING);
            run.sample("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
            // dropping it would lose the update: the store holds the model of the last commit
            assertEquals(Set.of("xor"), run.live(), "uncommitted");
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS + EVICTION_EVERY);
            assertEquals(Set.of(), run.live(), "committed");
        }

        @Test
        void whileItsMetricsAreNotPublished() {
            Run run = new Run(catalog, METRICS_EVERY, 0, EVICTING);
            run.sample("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
            // the metrics punctuation visits the models in memory: an evicted model's metrics would never be published
            assertEquals(Set.of("xor"), run.live(), "metrics owed");
            run.punctuate(METRICS_EVERY, 1_000 + IDLE_MS + 1);
            run.commit(); // publishing marked the metrics published: a change to commit
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS + EVICTION_EVERY);
            assertEquals(Set.of(), run.live(), "published and committed");
        }

        @Test
        void whileItOwesASnapshot() {
            Run run = new Run(catalog, 0, SNAPSHOTS_EVERY, EVICTING);
            run.sample("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
            assertEquals(Set.of("xor"), run.live(), "a snapshot of update 1 owed");
            run.punctuate(SNAPSHOTS_EVERY, 1_000 + IDLE_MS + 1);
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS + EVICTION_EVERY);
            assertEquals(Set.of(), run.live(), "snapshot published and committed");
        }

        @Test
        void ifARecordAskedForItWithinTheIdleTime() {
            Run run = new Run(catalog, 0, 0, EVICTING);
            run.sample("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.sample("blobs", BackstreamTopologyTest.blobSample(new Random(0), 0), 1_000);
            run.sample("blobs", BackstreamTopologyTest.blobSample(new Random(1), 1), 1_000 + IDLE_MS - 1);
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
            assertEquals(Set.of("blobs"), run.live(), "xor idle for 40 s, blobs for 1 ms");
        }
    }

    @Nested
    @DisplayName("a task's start")
    class TaskStart {
        private final ModelCatalog catalog = TopologyFixture.catalog(1000);

        @Test
        void decodesOnlyTheModelsOwingAPublicationYetShowsEveryModelToReadersAtItsVersion() {
            Run run = new Run(catalog, METRICS_EVERY, 0, EVICTING);
            List<String> xor = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                xor.add(BackstreamTopologyTest.xorSample(i));
                run.sample("xor", xor.get(i), 1_000);
                run.sample("blobs", BackstreamTopologyTest.blobSample(new Random(i), i), 1_000);
            }
            run.punctuate(METRICS_EVERY, 5_000);
            run.sample("blobs", BackstreamTopologyTest.blobSample(new Random(30), 30), 6_000); // its metrics changed since
            run.commit();
            run.processor.close();
            run.harness.restart();
            run.harness.context.setCurrentSystemTimeMs(7_000);
            run.processor = run.harness.processor(catalog, METRICS_EVERY, 0, EVICTING);

            assertEquals(Set.of("blobs"), run.live(), "xor owes nothing: it waits in the store for its next record");
            assertEquals(30, run.harness.committed.find("xor").orElseThrow().version(), "read from the stored header");
            assertEquals(31, run.harness.committed.find("blobs").orElseThrow().version());
            run.punctuate(METRICS_EVERY, 10_000);
            assertEquals(List.of("blobs"), run.harness.context.forwarded().stream()
                    .filter(r -> r.record().value().kind() == Output.Kind.METRICS)
                    .map(r -> new String(r.record().key(), StandardCharsets.UTF_8)).toList(), "the metrics the last owner owed");

            xor.add(BackstreamTopologyTest.xorSample(30));
            run.sample("xor", xor.get(30), 11_000);
            run.commit();
            Mlp expected = catalog.find("xor").orElseThrow().newModel();
            SampleParser parser = new SampleParser();
            xor.forEach(line -> parser.parse(line).learnOn(expected));
            assertTrue(run.harness.store.persisted("xor").orElseThrow().model().bitIdentical(expected), "resumed from update 30");
        }

        @Test
        void leavesAModelThatNeverLearnedInTheStore() {
            // scored only: stored with no source record, so it owes no snapshot however its update counts compare
            Run run = new Run(catalog, 0, SNAPSHOTS_EVERY, EVICTING);
            run.request("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.commit();
            run.processor.close();
            run.harness.restart();
            run.processor = run.harness.processor(catalog, 0, SNAPSHOTS_EVERY, EVICTING);
            assertEquals(Set.of(), run.live());
            assertEquals(0, run.harness.committed.find("xor").orElseThrow().version());
        }

        @Test
        void decodesAModelOwingASnapshot() {
            Run run = new Run(catalog, 0, SNAPSHOTS_EVERY, EVICTING);
            run.sample("xor", BackstreamTopologyTest.xorSample(0), 1_000);
            run.sample("blobs", BackstreamTopologyTest.blobSample(new Random(0), 0), 1_000);
            run.punctuate(SNAPSHOTS_EVERY, 7_000);
            run.sample("blobs", BackstreamTopologyTest.blobSample(new Random(1), 1), 8_000); // a snapshot of update 2 owed
            run.commit();
            run.processor.close();
            run.harness.restart();
            run.processor = run.harness.processor(catalog, 0, SNAPSHOTS_EVERY, EVICTING);
            assertEquals(Set.of("blobs"), run.live());
            run.punctuate(SNAPSHOTS_EVERY, 14_000);
            assertEquals(List.of("blobs"), run.harness.context.forwarded().stream()
                    .filter(r -> r.record().value().kind() == Output.Kind.SNAPSHOT)
                    .map(r -> new String(r.record().key(), StandardCharsets.UTF_8)).toList());
        }
    }

    @Test
    void eventsKeptForTheirLabelsJoinThemAfterTheModelWasEvictedAsWithoutEviction() {
        List<DelayedLabelsTopologyTest.Input> inputs = DelayedLabelsTopologyTest.shuffledSchedule(120, 13);
        int cut = inputs.size() / 2;
        ModelCatalog catalog = EventsTopologyTest.catalog();
        Run evicting = new Run(catalog, 0, 0, EVICTING);
        Run keeping = new Run(catalog, 0, 0, ModelManagement.DEFAULT);
        for (Run run : List.of(evicting, keeping)) {
            for (int k = 0; k < cut; k++) {
                event(run, inputs.get(k), k, 1_000);
            }
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
        }
        assertEquals(Set.of(), evicting.live());
        assertTrue(new PendingEvents(evicting.harness.pending, EventSettings.defaults()).counts("flights").pending() > 0,
                "events wait for their labels while the model is out of memory");
        for (Run run : List.of(evicting, keeping)) {
            for (int k = cut; k < inputs.size(); k++) {
                event(run, inputs.get(k), k, 1_000 + IDLE_MS + 1);
            }
            run.commit();
        }
        assertEquals(keeping.takeForwarded(), evicting.takeForwarded());
        StoredModel expected = keeping.harness.store.persisted("flights").orElseThrow();
        assertTrue(evicting.harness.store.persisted("flights").orElseThrow().model().bitIdentical(expected.model()));
        assertTrue(evicting.harness.store.persistedPreprocessing("flights", EventsTopologyTest.FEATURES)
                .bitIdentical(keeping.harness.store.persistedPreprocessing("flights", EventsTopologyTest.FEATURES)));
        assertEquals(120, new PendingEvents(evicting.harness.pending, EventSettings.defaults()).counts("flights").joined());
    }

    @Test
    void anEventEvictedFromThePendingOnesByAKeptLabelIsCountedInTheStoredMetricsAsWithoutEviction() {
        // two pending events at most: a label kept for an event not yet come evicts the oldest pending event, which
        // changes the model's label counts (its metrics) and nothing else; that change must survive the model's eviction
        EventSettings two = new EventSettings(null, 3_600_000L, 2);
        ModelCatalog catalog = EventsTopologyTest.catalog();
        Run evicting = new Run(catalog, 0, 0, EVICTING, two);
        Run keeping = new Run(catalog, 0, 0, ModelManagement.DEFAULT, two);
        for (Run run : List.of(evicting, keeping)) {
            event(run, new DelayedLabelsTopologyTest.Input(false, 0, 0), 0, 1_000);
            event(run, new DelayedLabelsTopologyTest.Input(false, 1, 1), 1, 1_000);
            run.commit();
            event(run, new DelayedLabelsTopologyTest.Input(true, 9, 2), 2, 1_000); // kept; event 0 evicted
            run.commit();
            run.punctuate(EVICTION_EVERY, 1_000 + IDLE_MS);
            event(run, new DelayedLabelsTopologyTest.Input(true, 1, 3), 3, 1_000 + IDLE_MS + 1); // learned: a change to commit
            run.commit();
        }
        assertEquals(1, new PendingEvents(evicting.harness.pending, two).counts("flights").evicted());
        assertArrayEquals(keeping.harness.underlying.get("flights"), evicting.harness.underlying.get("flights"),
                "the stored model and metrics, their change count included");
    }

    /** Processes an event or label record of the flights model at wall-clock time {@code now}. */
    private static void event(Run run, DelayedLabelsTopologyTest.Input input, long offset, long now) {
        run.harness.context.setCurrentSystemTimeMs(now);
        byte[] value = input.json().getBytes(StandardCharsets.UTF_8);
        RoutedEvent.Kind kind = input.label() ? RoutedEvent.Kind.LABEL : RoutedEvent.Kind.EVENT;
        RoutedSample routed = RoutedSample.event(EventRouter.read(kind, value, null), null, value,
                new SourceRecord(input.label() ? "backstream.labels" : "backstream.events", 0, offset, input.time()));
        run.processor.process(new Record<>("flights".getBytes(StandardCharsets.UTF_8), routed, input.time()));
    }
}
