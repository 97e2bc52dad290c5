package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.EventLabel;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raw events on the events topic: encoded by the model's feature spec with its preprocessing state and learned through
 * the samples' path when they carry their label; the model and its preprocessing state equal those of a plain loop
 * over the spec and the network, also across a restart; bad events become dead letters with stable codes.
 */
@DisplayName("Raw events with inline labels")
class EventsTopologyTest {
    static final String SPEC = """
            {"id": "id",
             "fields": [
               {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
               {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 8},
               {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"], "unknown": "reject"},
               {"path": "weekend", "type": "boolean", "missing": "zero"}
             ],
             "label": {"path": "delay", "type": "threshold", "above": 15}}
            """;
    static final FeatureSpec FEATURES = spec();
    private static final String[] ORIGINS = {"SFO", "JFK", "ORD", "ATL", "DEN"};

    private static FeatureSpec spec() {
        try {
            return FeatureSpec.parse(Json.MAPPER.readTree(SPEC), "test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ModelDefinition flights() {
        Architecture architecture = Architecture.of(FEATURES.width(), Loss.BINARY_CROSS_ENTROPY,
                new LayerSpec(6, Activation.TANH), new LayerSpec(1, Activation.SIGMOID));
        return new ModelDefinition("flights", Mlp.initialize(architecture, OptimizerSpec.sgd(0.1), 11), 1_000_000, "test")
                .withFeatures(FEATURES);
    }

    static ModelCatalog catalog() {
        return new ModelCatalog(List.of(flights(), TopologyFixture.catalog(1_000_000).find("xor").orElseThrow()));
    }

    /** Event {@code i} of a seeded stream: a distance (missing every 17th), an origin, a carrier, a weekend flag. */
    static String event(int i, boolean withLabel, boolean withModel) {
        Random random = new Random(1000 + i);
        StringBuilder json = new StringBuilder("{");
        if (withModel) {
            json.append("\"model\": \"flights\", ");
        }
        json.append("\"id\": \"e-").append(i).append('"');
        double distance = 200 + 2000 * random.nextDouble();
        if (i % 17 != 5) {
            json.append(", \"distance\": ").append(distance);
        }
        String origin = ORIGINS[random.nextInt(ORIGINS.length)];
        boolean ua = random.nextBoolean();
        boolean weekend = random.nextInt(7) >= 5;
        json.append(", \"origin\": \"").append(origin).append("\", \"carrier\": \"").append(ua ? "UA" : "AA").append('"')
                .append(", \"weekend\": ").append(weekend);
        if (withLabel) {
            // delayed when long and on UA, or at weekends from ORD, with some noise
            boolean delayed = (distance > 1200 && ua) || (weekend && origin.equals("ORD")) || random.nextInt(10) == 0;
            json.append(", \"delay\": ").append(delayed ? 20 + random.nextInt(60) : random.nextInt(15));
        }
        return json.append('}').toString();
    }

    /** The model and preprocessing state of a plain loop: encode, learn the network, learn the preprocessing. */
    record Offline(Mlp model, Preprocessing state) {
        static Offline learn(List<String> events) throws Exception {
            Mlp model = flights().newModel();
            Preprocessing state = FEATURES.newState();
            for (String text : events) {
                JsonNode event = Json.MAPPER.readTree(text);
                EncodedEvent encoded = FEATURES.encode(event, state);
                EventLabel label = FEATURES.label(event);
                model.learn(encoded.features(), label.classIndex());
                state.learn(encoded.observed());
            }
            return new Offline(model, state);
        }
    }

    /** An event record as the events router passes it to the learner. */
    static org.apache.kafka.streams.processor.api.Record<byte[], RoutedSample> routed(String json, long offset) {
        byte[] value = TopologyFixture.bytes(json);
        RoutedEvent event = EventRouter.read(RoutedEvent.Kind.EVENT, value, null);
        RoutedSample routed = RoutedSample.event(event, null, value, new dev.backstream.message.SourceRecord("backstream.events", 0, offset, 1000 + offset));
        return new org.apache.kafka.streams.processor.api.Record<>(TopologyFixture.bytes(event.model()), routed, 1000 + offset);
    }

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private TopologyFixture open(Map<String, String> overrides) {
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, overrides), catalog());
        return fixture;
    }

    @Nested
    @DisplayName("a stream of events with their labels")
    class InlineLabels {

        @Test
        void learnsTheModelAndPreprocessingOfAPlainLoopBitForBit() throws Exception {
            TopologyFixture f = open(Map.of());
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                events.add(event(i, true, true));
                f.events.pipeInput(TopologyFixture.bytes(i % 3 == 0 ? "flights" : null), TopologyFixture.bytes(events.get(i)));
            }
            Offline offline = Offline.learn(events);
            assertTrue(f.storedModel("flights").bitIdentical(offline.model()), "the model of the plain loop");
            assertTrue(f.storedPreprocessing("flights").bitIdentical(offline.state()), "the preprocessing state of the plain loop");
            assertTrue(f.deadLetters.isEmpty(), "no dead letters");
            List<JsonNode> predictions = f.predictions.readValuesToList().stream().map(v -> json(v)).toList();
            assertEquals(400, predictions.size());
            for (int i = 0; i < 400; i++) {
                assertEquals("e-" + i, predictions.get(i).get("id").asText(), "the prediction carries the event id");
                assertEquals(i, predictions.get(i).get("modelVersion").asLong(), "made before the update");
            }
        }

        @Test
        void eventsWithoutAModelGoToEventsModel() throws Exception {
            TopologyFixture f = open(Map.of("events.model", "flights"));
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                events.add(event(i, true, false));
                f.events.pipeInput(TopologyFixture.bytes(null), TopologyFixture.bytes(events.get(i)));
            }
            assertTrue(f.deadLetters.isEmpty());
            assertTrue(f.storedModel("flights").bitIdentical(Offline.learn(events).model()));
        }

        @Test
        void aRestartedTaskContinuesFromTheLastCommitBitIdentically() throws Exception {
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                events.add(event(i, true, true));
            }
            // crashed run: 170 events committed every 13, then 5 others processed but never committed (lost in the crash)
            ModelStoreHarness crashed = new ModelStoreHarness();
            ModelProcessor first = crashed.processor(catalog());
            for (int i = 0; i < 170; i++) {
                first.process(routed(events.get(i), i));
                if (i % 13 == 12) {
                    crashed.store.flushCache();
                }
            }
            crashed.store.flushCache();
            for (int i = 0; i < 5; i++) {
                first.process(routed(event(1000 + i, true, true), 170 + i));
            }
            first.close();
            crashed.restart();
            ModelProcessor second = crashed.processor(catalog());
            for (int i = 170; i < 300; i++) {
                second.process(routed(events.get(i), i));
            }
            crashed.store.flushCache();
            Offline offline = Offline.learn(events);
            assertTrue(crashed.store.persisted("flights").orElseThrow().model().bitIdentical(offline.model()), "the model of an uninterrupted run");
            assertTrue(crashed.store.persistedPreprocessing("flights", FEATURES).bitIdentical(offline.state()), "its preprocessing state too");
        }

        @Test
        void aResetCommandRestartsThePreprocessingStateWithTheModel() throws Exception {
            TopologyFixture f = open(Map.of());
            for (int i = 0; i < 30; i++) {
                f.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(event(i, true, true)));
            }
            assertEquals("reset", f.command(new ModelCommand.Reset("r", "flights", null)).get("event").asText());
            assertTrue(f.storedPreprocessing("flights").bitIdentical(FEATURES.newState()), "nothing learned");
            List<String> after = new ArrayList<>();
            for (int i = 30; i < 60; i++) {
                after.add(event(i, true, true));
                f.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(after.get(after.size() - 1)));
            }
            Offline offline = Offline.learn(after);
            assertTrue(f.storedModel("flights").bitIdentical(offline.model()));
            assertTrue(f.storedPreprocessing("flights").bitIdentical(offline.state()));
        }

        @Test
        void aResetFromANewSeedStartsWithoutTheWarmStartsStatistics() throws Exception {
            dev.backstream.features.Preprocessing warm = FEATURES.newState();
            warm.learn(new double[] {700.0});
            warm.learn(new double[] {1500.0});
            ModelDefinition warmStart = flights();
            warmStart = new ModelDefinition("flights", warmStart.newModel(), 1_000_000, "test", null, Map.of(), FEATURES, warm);
            fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), new ModelCatalog(List.of(warmStart)));
            TopologyFixture f = fixture;
            f.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(event(0, true, true)));
            assertEquals("reset", f.command(new ModelCommand.Reset("r1", "flights", null)).get("event").asText());
            assertTrue(f.storedPreprocessing("flights").bitIdentical(warm), "a reset starts again from the definition's statistics");
            assertEquals("reset", f.command(new ModelCommand.Reset("r2", "flights", 99L)).get("event").asText());
            assertTrue(f.storedPreprocessing("flights").bitIdentical(FEATURES.newState()),
                    "a model initialized from a new seed has learned nothing, its statistics neither");
        }

        /** The flights model, a snapshot retained every 10 updates, after 25 labeled events (added to {@code events}). */
        private TopologyFixture learnedWithSnapshotsEvery10(List<String> events) throws Exception {
            fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), new ModelCatalog(List.of(
                    flights().withSnapshotEveryUpdates(10))));
            for (int i = 0; i < 25; i++) {
                events.add(event(i, true, true));
                fixture.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(events.get(i)));
            }
            return fixture;
        }

        @Test
        void aRollbackRestoresThePreprocessingStateRetainedWithTheModel() throws Exception {
            List<String> events = new ArrayList<>();
            TopologyFixture f = learnedWithSnapshotsEvery10(events);
            JsonNode rolledBack = f.command(new ModelCommand.Rollback("rb", "flights", 20L, null));
            assertEquals("rolled_back", rolledBack.get("event").asText(), rolledBack.toString());
            Offline offline = Offline.learn(events.subList(0, 20));
            assertTrue(f.storedModel("flights").bitIdentical(offline.model()));
            assertTrue(f.storedPreprocessing("flights").bitIdentical(offline.state()), "the statistics of update 20");
        }

        @Test
        void snapshotsAreV2WithTheSpecAndThePreprocessingStateAndAnInlineRollbackRestoresThem() throws Exception {
            List<String> events = new ArrayList<>();
            TopologyFixture f = learnedWithSnapshotsEvery10(events);
            List<byte[]> snapshots = f.snapshots.readValuesToList();
            assertEquals(2, snapshots.size(), "at 10 and 20 updates");
            assertEquals(dev.backstream.snapshot.SnapshotJson.FORMAT_V2, json(snapshots.get(0)).get("format").asText());
            dev.backstream.snapshot.Snapshot at10 = dev.backstream.snapshot.SnapshotJson.read(snapshots.get(0));
            Offline offline = Offline.learn(events.subList(0, 10));
            assertTrue(at10.model().bitIdentical(offline.model()));
            assertEquals(FEATURES, at10.features());
            assertTrue(at10.preprocessing().bitIdentical(offline.state()), "the statistics the model had learned with");

            JsonNode rolledBack = f.command(new ModelCommand.Rollback("rb", "flights", null, snapshots.get(0)));
            assertEquals("rolled_back", rolledBack.get("event").asText(), rolledBack.toString());
            assertTrue(f.storedModel("flights").bitIdentical(offline.model()));
            assertTrue(f.storedPreprocessing("flights").bitIdentical(offline.state()), "restored from the v2 snapshot");
        }

        @Test
        void aModelCreatedWithAFeatureSpecLearnsEventsAndKeepsItsSpecWhenPaused() throws Exception {
            TopologyFixture f = open(Map.of());
            String definition = """
                    {"format": "backstream.mlp/v1", "modelId": "made", "loss": "binary_cross_entropy",
                     "optimizer": {"type": "sgd", "learningRate": 0.1},
                     "layers": [{"units": 6, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 11,
                     "features": %s}
                    """.formatted(SPEC);
            JsonNode created = f.command(new ModelCommand.Create("c", "made", TopologyFixture.bytes(definition)));
            assertEquals("created", created.get("event").asText(), created.toString());
            assertEquals("paused", f.command(new ModelCommand.Pause("p", "made")).get("event").asText());
            assertEquals("resumed", f.command(new ModelCommand.Resume("r", "made")).get("event").asText());
            for (int i = 0; i < 20; i++) {
                f.events.pipeInput(TopologyFixture.bytes("made"), TopologyFixture.bytes(event(i, true, true).replace("\"flights\"", "\"made\"")));
            }
            assertTrue(f.deadLetters.isEmpty(), () -> json(f.deadLetters.readValue()).toString());
            assertEquals(20, f.storedModel("made").updates());
        }

        @Test
        void theCommittedStateReadersSeeIsAV2SnapshotWithThePreprocessingState() throws Exception {
            TopologyFixture f = open(Map.of());
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                events.add(event(i, true, true));
                f.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(events.get(i)));
            }
            f.driver.advanceWallClockTime(java.time.Duration.ofMillis(100)); // the task's next step shows the last commit
            dev.backstream.snapshot.Snapshot shown = dev.backstream.snapshot.SnapshotJson.read(
                    f.shared.models().find("flights").orElseThrow().snapshotJson());
            Offline offline = Offline.learn(events);
            assertTrue(shown.model().bitIdentical(offline.model()));
            assertEquals(FEATURES, shown.features());
            assertTrue(shown.preprocessing().bitIdentical(offline.state()));
        }

        @Test
        void aDeleteCommandForgetsThePreprocessingState() throws Exception {
            TopologyFixture f = open(Map.of());
            for (int i = 0; i < 10; i++) {
                f.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(event(i, true, true)));
            }
            f.command(new ModelCommand.Delete("d", "flights"));
            assertNull(f.storedPreprocessing("flights"));
        }
    }

    @Nested
    @DisplayName("bad events")
    class BadEvents {

        private JsonNode deadLetterFor(TopologyFixture f, String event) {
            f.events.pipeInput(TopologyFixture.bytes("flights"), TopologyFixture.bytes(event));
            assertTrue(f.predictions.isEmpty(), "no prediction for " + event);
            return json(f.deadLetters.readValue());
        }

        @Test
        void becomeDeadLettersWithStableCodesAndTheModelIsUntouched() throws Exception {
            TopologyFixture f = open(Map.of());
            JsonNode missing = deadLetterFor(f, "{\"model\": \"flights\", \"id\": \"a\", \"distance\": 3, \"origin\": \"SFO\", \"delay\": 3}");
            assertEquals("MISSING_FIELD", missing.get("reason").asText());
            assertTrue(missing.get("message").asText().contains("carrier"), missing.toString());

            JsonNode invalid = deadLetterFor(f, "{\"model\": \"flights\", \"id\": \"b\", \"distance\": \"far\", \"origin\": \"SFO\","
                    + " \"carrier\": \"AA\", \"delay\": 3}");
            assertEquals("INVALID_FIELD", invalid.get("reason").asText());
            assertTrue(invalid.get("message").asText().contains("distance"), invalid.toString());

            JsonNode unknown = deadLetterFor(f, "{\"model\": \"flights\", \"id\": \"c\", \"distance\": 3, \"origin\": \"SFO\","
                    + " \"carrier\": \"DL\", \"delay\": 3}");
            assertEquals("UNKNOWN_CATEGORY", unknown.get("reason").asText());
            assertTrue(unknown.get("message").asText().contains("carrier"), unknown.toString());

            JsonNode badLabel = deadLetterFor(f, "{\"model\": \"flights\", \"id\": \"d\", \"distance\": 3, \"origin\": \"SFO\","
                    + " \"carrier\": \"AA\", \"delay\": \"late\"}");
            assertEquals("INVALID_FIELD", badLabel.get("reason").asText());

            JsonNode unpaired = deadLetterFor(f, "{\"model\": \"flights\", \"id\": \"\\ud800\", \"distance\": 3, \"origin\": \"SFO\","
                    + " \"carrier\": \"AA\", \"delay\": 3}");
            assertEquals("INVALID_FIELD", unpaired.get("reason").asText(), "an id UTF-8 cannot carry would share another's store key");

            JsonNode noSpec = deadLetterFor(f, "{\"model\": \"xor\", \"id\": \"e\", \"a\": 1}");
            assertEquals("NO_FEATURE_SPEC", noSpec.get("reason").asText());
            assertTrue(noSpec.get("message").asText().contains("xor"), noSpec.toString());

            assertEquals("UNKNOWN_MODEL", deadLetterFor(f, "{\"model\": \"nope\", \"id\": \"f\"}").get("reason").asText());
            assertEquals("MALFORMED_JSON", deadLetterFor(f, "{\"model\": \"flights\",").get("reason").asText());
            assertEquals("MALFORMED_JSON", deadLetterFor(f, "[1, 2]").get("reason").asText());
            assertEquals("MALFORMED_JSON", deadLetterFor(f, "{\"model\": \"flights\"} {}").get("reason").asText());
            assertEquals("MISSING_FIELD", deadLetterFor(f, "{\"id\": \"g\"}").get("reason").asText(), "no model, no events.model");
            assertEquals("INVALID_FIELD", deadLetterFor(f, "{\"model\": 7}").get("reason").asText());

            f.events.pipeInput(TopologyFixture.bytes("flights"), new byte[] {'{', '"', 'm', '"', ':', '"', (byte) 0xC3, '"', '}'});
            assertEquals("MALFORMED_JSON", json(f.deadLetters.readValue()).get("reason").asText(), "not UTF-8");

            Mlp stored = f.storedModel("flights");
            assertTrue(stored == null || stored.updates() == 0, "the model is untouched");
        }
    }
}
