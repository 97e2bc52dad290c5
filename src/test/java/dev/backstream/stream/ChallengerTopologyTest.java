package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Challenger models on the production topology: they learn the champion's samples exactly as offline models built
 * from their definitions, publish their predictions beside the champion's (which stay as they were), and a promotion,
 * by command or by the {@code challenger} drift action, changes which model answers score requests.
 */
@DisplayName("Challenger models")
class ChallengerTopologyTest {
    /** The champion's own fields; {@link #definition} adds its challengers and drift detection. */
    private static final String CHAMPION = """
            "format": "backstream.mlp/v1", "modelId": "champ", "inputs": 2, "loss": "binary_cross_entropy",
             "optimizer": {"type": "sgd", "learningRate": 0.5},
             "layers": [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": 7""";
    private static final String WIDE = """
            "optimizer": {"type": "adam", "learningRate": 0.01},
             "layers": [{"units": 16, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 5""";
    private static final String DEEP = """
            "optimizer": {"type": "momentum", "learningRate": 0.3, "momentum": 0.9},
             "layers": [{"units": 4, "activation": "tanh"}, {"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
             "seed": 9""";
    static final String WITH_CHALLENGERS = definition(CHAMPION, List.of("wide", WIDE, "deep", DEEP), null);

    @TempDir
    Path dir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** A definition: the champion's fields, its challengers (name, body, name, body, ...) and a drift object or null. */
    static String definition(String champion, List<String> challengers, String drift) {
        StringBuilder json = new StringBuilder("{").append(champion);
        if (!challengers.isEmpty()) {
            json.append(", \"challengers\": [");
            for (int i = 0; i < challengers.size(); i += 2) {
                json.append(i > 0 ? ", " : "").append("{\"name\": \"").append(challengers.get(i)).append("\", ").append(challengers.get(i + 1)).append("}");
            }
            json.append("]");
        }
        if (drift != null) {
            json.append(", \"drift\": ").append(drift);
        }
        return json.append("}").toString();
    }

    /** The model an offline learner starts from for a challenger body: a definition of its own with the champion's inputs and loss. */
    static Mlp offline(String modelId, String body) {
        String standalone = "{\"format\": \"backstream.mlp/v1\", \"modelId\": \"" + modelId
                + "\", \"inputs\": 2, \"loss\": \"binary_cross_entropy\", " + body + "}";
        return SnapshotJson.read(standalone.getBytes(StandardCharsets.UTF_8)).model();
    }

    static Mlp offlineChampion() {
        return offline("champ", CHAMPION.substring(CHAMPION.indexOf("\"optimizer\"")));
    }

    static Mlp offlineWide() {
        return offline("champ:wide", WIDE);
    }

    static Mlp offlineDeep() {
        return offline("champ:deep", DEEP);
    }

    private TopologyFixture open(String definition, Map<String, String> overrides, String stateName) throws Exception {
        Path models = Files.createDirectories(dir.resolve(stateName + "-models"));
        Files.writeString(models.resolve("champ.json"), definition);
        ModelCatalog catalog = ModelCatalog.load(models, 100_000);
        fixture = new TopologyFixture(TopologyFixture.config(dir.resolve(stateName), overrides), catalog);
        return fixture;
    }

    static String sample(int i) {
        int a = (i >> 1) & 1;
        int b = i & 1;
        return new String(new Sample("champ", new double[] {a, b}, a ^ b, null, "s" + i).toJson(), StandardCharsets.UTF_8);
    }

    private static ModelStore store(TopologyFixture f) {
        return (ModelStore) f.driver.getStateStore(BackstreamTopology.STORE);
    }

    @Test
    void challengersLearnTheSameSamplesAsOfflineModelsAndTheChampionsPredictionsAreUnchanged() throws Exception {
        TopologyFixture f = open(WITH_CHALLENGERS, Map.of(), "with");
        Mlp wide = offline("champ:wide", WIDE);
        Mlp deep = offline("champ:deep", DEEP);
        SampleParser parser = new SampleParser();
        List<byte[]> championPredictions = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            f.send("champ", sample(i));
            Sample s = parser.parse(sample(i));
            championPredictions.add(f.predictions.readValue());
            JsonNode first = json(f.predictions.readValue());
            JsonNode second = json(f.predictions.readValue());
            assertEquals("champ:wide", first.get("model").asText());
            assertEquals("challenger", first.get("role").asText());
            assertEquals("champ", first.get("champion").asText());
            assertEquals(i, first.get("modelVersion").asLong(), "the challenger's own updates");
            assertEquals(s.learnOn(wide).output(0), first.get("output").get(0).asDouble(), 0.0, "sample " + i);
            assertTrue(first.get("loss").isNumber(), "test-then-train: the loss of the prediction before the update");
            assertEquals("champ:deep", second.get("model").asText());
            assertEquals("champ", second.get("champion").asText());
            assertEquals(s.learnOn(deep).output(0), second.get("output").get(0).asDouble(), 0.0, "sample " + i);
        }
        assertTrue(f.predictions.isEmpty());
        assertTrue(store(f).persistedChallenger("champ", "wide").orElseThrow().model().bitIdentical(wide));
        assertTrue(store(f).persistedChallenger("champ", "deep").orElseThrow().model().bitIdentical(deep));
        f.close();
        fixture = null;

        TopologyFixture alone = open("{" + CHAMPION + "}", Map.of(), "alone");
        for (int i = 0; i < 60; i++) {
            alone.send("champ", sample(i));
            assertEquals(new String(alone.predictions.readValue(), StandardCharsets.UTF_8),
                    new String(championPredictions.get(i), StandardCharsets.UTF_8), "the champion's prediction, byte for byte, sample " + i);
            assertTrue(alone.predictions.isEmpty());
        }
        assertFalse(new String(championPredictions.get(0), StandardCharsets.UTF_8).contains("role"), "no new field on a champion's prediction");
    }

    @Test
    void aPromotionChangesWhichModelAnswersScoreRequests() throws Exception {
        TopologyFixture f = open(WITH_CHALLENGERS, Map.of(), "promote");
        Mlp champion = offlineChampion();
        Mlp wide = offlineWide();
        Mlp deep = offlineDeep();
        SampleParser parser = new SampleParser();
        for (int i = 0; i < 40; i++) {
            f.send("champ", sample(i));
            Sample s = parser.parse(sample(i));
            s.learnOn(champion);
            s.learnOn(wide);
            s.learnOn(deep);
        }
        f.predictions.readValuesToList();
        f.snapshots.readValuesToList();
        double[] features = {1, 0};
        String request = new String(new Sample("champ", features, null, null, "req").toJson(), StandardCharsets.UTF_8);
        f.score("champ", request);
        JsonNode before = json(f.predictions.readValue());
        assertEquals(champion.predict(features).output(0), before.get("output").get(0).asDouble(), 0.0, "the champion answers");
        assertNull(before.get("role"));
        assertTrue(f.predictions.isEmpty(), "score requests are answered by the champion only");

        JsonNode promoted = f.command(new ModelCommand.Promote("p-1", "champ", "wide"));
        assertEquals("promoted", promoted.get("event").asText(), promoted.toString());
        assertEquals("p-1", promoted.get("commandId").asText());
        assertEquals("promote", promoted.get("command").asText());
        assertEquals(40, promoted.get("versionBefore").asLong());
        assertEquals(40, promoted.get("versionAfter").asLong());
        assertEquals("wide", promoted.get("details").get("challenger").asText());
        assertTrue(promoted.get("details").get("championLoss").isNumber() && promoted.get("details").get("challengerLoss").isNumber(),
                promoted.toString());
        JsonNode snapshot = json(f.snapshots.readValue());
        assertEquals("champ", snapshot.get("modelId").asText());
        assertEquals("adam", snapshot.get("optimizer").get("type").asText(), "a snapshot of the new champion");

        f.score("champ", request);
        JsonNode after = json(f.predictions.readValue());
        assertEquals("champ", after.get("model").asText());
        assertNull(after.get("role"));
        assertEquals(wide.predict(features).output(0), after.get("output").get(0).asDouble(), 0.0, "the promoted model answers");

        f.send("champ", sample(40));
        Sample s = parser.parse(sample(40));
        JsonNode newChampion = json(f.predictions.readValue());
        JsonNode formerChampion = json(f.predictions.readValue());
        JsonNode stillDeep = json(f.predictions.readValue());
        assertEquals(s.learnOn(wide).output(0), newChampion.get("output").get(0).asDouble(), 0.0);
        assertEquals("champ:wide", formerChampion.get("model").asText(), "the former champion is challenger 'wide' now");
        assertEquals(s.learnOn(champion).output(0), formerChampion.get("output").get(0).asDouble(), 0.0);
        assertEquals(s.learnOn(deep).output(0), stillDeep.get("output").get(0).asDouble(), 0.0);
        assertTrue(f.storedModel("champ").bitIdentical(wide));
        assertTrue(store(f).persistedChallenger("champ", "wide").orElseThrow().model().bitIdentical(champion));
    }

    @Test
    void promotingAChallengerTheModelDoesNotHaveIsRejectedAndChangesNothing() throws Exception {
        TopologyFixture f = open(WITH_CHALLENGERS, Map.of(), "unknown");
        for (int i = 0; i < 10; i++) {
            f.send("champ", sample(i));
        }
        Mlp before = f.storedModel("champ");
        JsonNode rejected = f.command(new ModelCommand.Promote("p", "champ", "narrow"));
        assertEquals("rejected", rejected.get("event").asText());
        assertEquals(RejectReason.UNKNOWN_CHALLENGER.name(), rejected.get("reason").asText());
        assertTrue(rejected.get("message").asText().contains("narrow") && rejected.get("message").asText().contains("[wide, deep]"),
                rejected.toString());
        assertTrue(f.storedModel("champ").bitIdentical(before));
        JsonNode noModel = f.command(new ModelCommand.Promote("p", "nope", "wide"));
        assertEquals(RejectReason.UNKNOWN_MODEL.name(), noModel.get("reason").asText());
        assertTrue(f.deadLetters.isEmpty(), "rejected commands are model events, not dead letters");
        assertFalse(RejectReason.UNKNOWN_CHALLENGER.deadLetter());
    }

    @Test
    void theChallengersMetricsArePublishedBesideTheChampions() throws Exception {
        TopologyFixture f = open(WITH_CHALLENGERS, Map.of(BackstreamConfig.METRICS_INTERVAL_MS, "1000"), "metrics");
        for (int i = 0; i < 20; i++) {
            f.send("champ", sample(i));
        }
        f.driver.advanceWallClockTime(java.time.Duration.ofMillis(1000));
        Map<String, JsonNode> byModel = new java.util.HashMap<>();
        f.metrics.readValuesToList().forEach(value -> byModel.put(json(value).get("model").asText(), json(value)));
        assertEquals(java.util.Set.of("champ", "champ:wide", "champ:deep"), byModel.keySet());
        assertEquals(20, byModel.get("champ:wide").get("windowCount").asInt());
        assertEquals(byModel.get("champ").get("kind"), byModel.get("champ:deep").get("kind"), "the same format");
    }

    @org.junit.jupiter.api.Nested
    @DisplayName("the challenger drift action, on a concept inverted half-way")
    class DriftAction {
        private static final int FLIP = 2000;
        /** Learns slowly: after the flip its error stays high for long. */
        private static final String SLOW = """
                "format": "backstream.mlp/v1", "modelId": "champ", "inputs": 2, "loss": "binary_cross_entropy",
                 "optimizer": {"type": "sgd", "learningRate": 0.02},
                 "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 1""";
        /** Learns fast: it learns the inverted concept within a few dozen samples. */
        private static final String FAST = """
                "optimizer": {"type": "sgd", "learningRate": 1.0},
                 "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 2""";

        private String flipSample(int i) {
            int a = (i >> 1) & 1;
            int b = i & 1;
            int label = a ^ (i >= FLIP ? 1 : 0);
            return new String(new Sample("champ", new double[] {a, b}, label, null, "s" + i).toJson(), StandardCharsets.UTF_8);
        }

        private List<JsonNode> run(String promotion) throws Exception {
            TopologyFixture f = open(definition(SLOW, List.of("fast", FAST),
                    "{\"detector\": \"adwin\", \"action\": \"challenger\", \"promotion\": " + promotion + "}"),
                    Map.of(BackstreamConfig.METRICS_WINDOW, "100"), "drift");
            List<JsonNode> events = new ArrayList<>();
            for (int i = 0; i < FLIP + 600; i++) {
                f.send("champ", flipSample(i));
                f.modelEvents.readValuesToList().forEach(v -> events.add(json(v)));
            }
            return events;
        }

        @Test
        void promotesAChallengerThatLearnsTheNewConceptBetter() throws Exception {
            List<JsonNode> events = run("{\"margin\": 0.05, \"samples\": 100}");
            assertTrue(events.size() >= 2, events.toString());
            JsonNode detected = events.get(0);
            JsonNode promoted = events.get(1);
            assertEquals("drift_detected", detected.get("event").asText());
            assertTrue(detected.get("sourceOffset").asLong() >= FLIP, "not before the flip: " + detected);
            assertTrue(detected.get("details").get("promoted").asBoolean(), detected.toString());
            assertEquals("promoted", promoted.get("event").asText());
            assertEquals("drift", promoted.get("details").get("cause").asText());
            assertEquals("fast", promoted.get("details").get("challenger").asText());
            assertTrue(promoted.get("details").get("challengerLoss").asDouble() < 0.95 * promoted.get("details").get("championLoss").asDouble(),
                    promoted.toString());
            assertEquals(detected.get("sourceOffset"), promoted.get("sourceOffset"));
            List<byte[]> snapshots = fixture.snapshots.readValuesToList();
            JsonNode snapshot = json(snapshots.get(snapshots.size() - 1));
            assertEquals(1.0, snapshot.get("optimizer").get("learningRate").asDouble(), "a snapshot of the new model, the fast learner");
            assertEquals(1.0, fixture.storedModel("champ").optimizer().learningRate());
        }

        @Test
        void doesNotPromoteWhenTheMarginIsNotMet() throws Exception {
            // the fast learner's loss falls to about 0.3 % of the slow one's, some way after the flip; 0.1 % is not met
            List<JsonNode> events = run("{\"margin\": 0.999, \"samples\": 100}");
            assertFalse(events.isEmpty(), "the drift is detected");
            for (JsonNode event : events) {
                assertEquals("drift_detected", event.get("event").asText(), event.toString());
                assertFalse(event.get("details").get("promoted").asBoolean());
                assertTrue(event.get("details").get("why").asText().contains("100 samples"), event.toString());
            }
            assertEquals(FLIP + 600, fixture.storedModel("champ").updates());
            assertEquals(0.02, fixture.storedModel("champ").optimizer().learningRate(), "the slow learner is still the model");
        }
    }
}
