package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Control commands on the production topology: each applied exactly where it sits among the model's samples (the
 * final model equals the offline learner making the same changes at the same points), each rejection changing
 * nothing, and each outcome a model event.
 */
@DisplayName("Model commands")
class ModelCommandsTopologyTest {
    private static final String FRESH = """
            {"format": "backstream.mlp/v1", "modelId": "fresh", "inputs": 2, "loss": "binary_cross_entropy",
             "optimizer": {"type": "momentum", "learningRate": 0.3, "momentum": 0.9},
             "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 11}
            """;

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
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, overrides), TopologyFixture.catalog(10));
        return fixture;
    }

    private static String sample(String model, int i) {
        int a = (i >> 1) & 1;
        int b = i & 1;
        return new String(new Sample(model, new double[] {a, b}, a ^ b, null, model + i).toJson(), StandardCharsets.UTF_8);
    }

    private static Mlp definitionModel(String json) {
        return SnapshotJson.read(json.getBytes(StandardCharsets.UTF_8)).model();
    }

    @Test
    void aCreatedModelLearnsFromItsSamplesExactlyAsTheOfflineLearner() {
        TopologyFixture f = open(Map.of());
        JsonNode created = f.command(new ModelCommand.Create("c-1", "fresh", FRESH.getBytes(StandardCharsets.UTF_8)));
        assertEquals("created", created.get("event").asText());
        assertEquals("c-1", created.get("commandId").asText());
        assertEquals(0, created.get("versionAfter").asLong());
        Mlp offline = definitionModel(FRESH);
        SampleParser parser = new SampleParser();
        for (int i = 0; i < 40; i++) {
            f.send("fresh", sample("fresh", i));
            double expected = parser.parse(sample("fresh", i)).learnOn(offline).output(0);
            assertEquals(expected, json(f.predictions.readValue()).get("output").get(0).asDouble(), 0.0);
        }
        assertTrue(f.storedModel("fresh").bitIdentical(offline));
        JsonNode again = f.command(new ModelCommand.Create("c-2", "fresh", FRESH.getBytes(StandardCharsets.UTF_8)));
        assertEquals("rejected", again.get("event").asText());
        assertEquals(RejectReason.MODEL_EXISTS.name(), again.get("reason").asText());
        assertTrue(f.storedModel("fresh").bitIdentical(offline), "a rejected command changes nothing");
    }

    @Test
    void commandsApplyBetweenTheSamplesTheyAreSentBetween() {
        TopologyFixture f = open(Map.of());
        Mlp offline = f.catalog.find("xor").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        long dropped = 0;
        boolean paused = false;
        for (int i = 0; i < 120; i++) {
            if (i == 30) {
                assertEquals("updated", f.command(new ModelCommand.Update("u", "xor", 0.05, null)).get("event").asText());
                offline = offline.withOptimizer(offline.optimizer().withLearningRate(0.05));
            } else if (i == 50) {
                assertEquals("paused", f.command(new ModelCommand.Pause("p", "xor")).get("event").asText());
                paused = true;
            } else if (i == 60) {
                assertEquals("resumed", f.command(new ModelCommand.Resume("r", "xor")).get("event").asText());
                paused = false;
            } else if (i == 90) {
                JsonNode reset = f.command(new ModelCommand.Reset("s", "xor", 99L));
                assertEquals("reset", reset.get("event").asText());
                assertEquals(80, reset.get("versionBefore").asLong(), "30 + 20 updates before the pause, 30 after it");
                assertEquals(0, reset.get("versionAfter").asLong());
                offline = Mlp.initialize(offline.architecture(), offline.optimizer(), 99);
            }
            f.send("xor", sample("xor", i));
            JsonNode prediction = json(f.predictions.readValue());
            Sample s = parser.parse(sample("xor", i));
            double expected = paused ? s.scoreOn(offline).output(0) : s.learnOn(offline).output(0);
            dropped += paused ? 1 : 0;
            assertEquals(expected, prediction.get("output").get(0).asDouble(), 0.0, "sample " + i);
        }
        assertEquals(10, dropped);
        assertTrue(f.storedModel("xor").bitIdentical(offline), "the same changes at the same points as the offline learner");
        assertEquals(30, f.storedModel("xor").updates());
    }

    @Test
    void rollbackRestoresARetainedSnapshotBitForBitOptimizerStateIncluded() {
        TopologyFixture f = open(Map.of(BackstreamConfig.SNAPSHOT_HISTORY, "3"));
        Mlp offline = f.catalog.find("blobs").orElseThrow().newModel(); // Adam: moments and a step count
        Random random = new Random(3);
        SampleParser parser = new SampleParser();
        Mlp at40 = null;
        for (int i = 0; i < 55; i++) {
            String line = BackstreamTopologyTest.blobSample(random, i);
            f.send("blobs", line);
            parser.parse(line).learnOn(offline);
            if (offline.updates() == 40) {
                at40 = offline.copy();
            }
        }
        JsonNode rolledBack = f.command(new ModelCommand.Rollback("rb", "blobs", 40L, null));
        assertEquals("rolled_back", rolledBack.get("event").asText(), rolledBack.toString());
        assertEquals(55, rolledBack.get("versionBefore").asLong());
        assertEquals(40, rolledBack.get("versionAfter").asLong());
        assertTrue(f.storedModel("blobs").bitIdentical(at40), "parameters, moments and step count of update 40");
        List<JsonNode> snapshots = f.snapshots.readValuesToList().stream().map(v -> json(v)).toList();
        assertEquals(40, snapshots.get(snapshots.size() - 1).get("updates").asLong(), "a snapshot of the rolled-back state is published");

        JsonNode tooOld = f.command(new ModelCommand.Rollback("old", "blobs", 10L, null));
        assertEquals(RejectReason.SNAPSHOT_NOT_RETAINED.name(), tooOld.get("reason").asText());
        assertTrue(tooOld.get("message").asText().contains("[30, 40, 50]"), tooOld.get("message").asText());
        assertTrue(f.storedModel("blobs").bitIdentical(at40));
    }

    @Test
    void rollbackToAnInlineSnapshotOfTheSameArchitectureOnly() {
        TopologyFixture f = open(Map.of());
        for (int i = 0; i < 20; i++) {
            f.send("xor", sample("xor", i));
        }
        Mlp earlier = f.catalog.find("xor").orElseThrow().newModel();
        byte[] snapshot = SnapshotJson.toBytes(new Snapshot("xor", earlier));
        assertEquals("rolled_back", f.command(new ModelCommand.Rollback("in", "xor", null, snapshot)).get("event").asText());
        assertTrue(f.storedModel("xor").bitIdentical(earlier));
        byte[] other = SnapshotJson.toBytes(new Snapshot("x", definitionModel(FRESH)));
        JsonNode mismatch = f.command(new ModelCommand.Rollback("in2", "xor", null, other));
        assertEquals(RejectReason.ARCHITECTURE_MISMATCH.name(), mismatch.get("reason").asText());
        assertTrue(f.storedModel("xor").bitIdentical(earlier));
    }

    @Test
    void aDeletedModelIsGoneUntilCreatedAgainEvenIfDeclared() {
        TopologyFixture f = open(Map.of());
        for (int i = 0; i < 10; i++) {
            f.send("xor", sample("xor", i));
        }
        f.snapshots.readValuesToList();
        f.predictions.readValuesToList();
        JsonNode deleted = f.command(new ModelCommand.Delete("d", "xor"));
        assertEquals("deleted", deleted.get("event").asText());
        assertEquals(10, deleted.get("versionBefore").asLong());
        assertTrue(deleted.get("versionAfter") == null);
        assertNull(f.snapshots.readRecord().value(), "a tombstone on the compacted snapshots topic");
        assertNull(f.storedModel("xor"));
        f.send("xor", sample("xor", 10));
        assertTrue(f.predictions.isEmpty());
        assertEquals("UNKNOWN_MODEL", json(f.deadLetters.readValue()).get("reason").asText(), "the declaration does not bring it back");
        String xor = FRESH.replace("\"fresh\"", "\"xor\"");
        assertEquals("created", f.command(new ModelCommand.Create("c", "xor", xor.getBytes(StandardCharsets.UTF_8))).get("event").asText());
        f.send("xor", sample("xor", 11));
        assertEquals(0, json(f.predictions.readValue()).get("modelVersion").asLong(), "a new model, from its new definition");
    }

    @Test
    void everyInvalidCommandIsRejectedWithItsCodeAndChangesNothing() {
        TopologyFixture f = open(Map.of(BackstreamConfig.MAX_MODELS, "2"));
        f.send("xor", sample("xor", 0));
        f.send("blobs", BackstreamTopologyTest.blobSample(new Random(1), 0));
        Map<String, String> cases = Map.of(
                "{\"command\": \"create\", \"model\": \"fresh\", \"definition\": " + FRESH + "}", RejectReason.TOO_MANY_MODELS.name(),
                "{\"command\": \"explode\", \"model\": \"xor\", \"id\": \"e\"}", RejectReason.UNKNOWN_COMMAND.name(),
                "{\"command\": \"pause\", \"model\": \"nope\"}", RejectReason.UNKNOWN_MODEL.name(),
                "{\"command\": \"pause\"", RejectReason.MALFORMED_JSON.name(),
                "{\"command\": \"update\", \"model\": \"xor\", \"learningRate\": -1}", RejectReason.INVALID_FIELD.name(),
                "{\"command\": \"create\", \"model\": \"xor2\", \"definition\": {\"format\": \"backstream.mlp/v1\"}}", RejectReason.INVALID_DEFINITION.name(),
                "{\"command\": \"create\", \"model\": \"other\", \"definition\": " + FRESH + "}", RejectReason.INVALID_DEFINITION.name(),
                "{\"command\": \"rollback\", \"model\": \"xor\"}", RejectReason.MISSING_FIELD.name());
        Mlp xorBefore = f.storedModel("xor");
        for (Map.Entry<String, String> bad : cases.entrySet()) {
            f.control.pipeInput("xor".getBytes(StandardCharsets.UTF_8), bad.getKey().getBytes(StandardCharsets.UTF_8));
            JsonNode event = json(f.modelEvents.readValue());
            assertEquals("rejected", event.get("event").asText(), bad.getKey());
            assertEquals(bad.getValue(), event.get("reason").asText(), bad.getKey() + " -> " + event);
            assertTrue(event.get("message").asText().length() > 10, event.toString());
        }
        assertTrue(f.storedModel("xor").bitIdentical(xorBefore));
        assertNull(f.storedModel("fresh"));
        assertTrue(f.deadLetters.isEmpty(), "rejected commands are model events, not dead letters");
    }

    @Test
    void anUpdateTurnsDriftDetectionOnAndAnInvalidOneChangesNothing() {
        TopologyFixture f = open(Map.of());
        JsonNode invalid = f.command(new ModelCommand.Update("d0", "xor", null, null, "{\"detector\": \"adwin\", \"delta\": 2}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.INVALID_DEFINITION.name(), invalid.get("reason").asText(), invalid.toString());
        JsonNode on = f.command(new ModelCommand.Update("d1", "xor", null, null, "{\"detector\": \"adwin\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("updated", on.get("event").asText(), on.toString());
        int detectedAt = -1;
        for (int i = 0; i < 3000 && detectedAt < 0; i++) {
            int a = (i >> 1) & 1;
            int label = a ^ (i >= 1500 ? 1 : 0); // learned, then inverted
            f.send("xor", new String(new Sample("xor", new double[] {a, i & 1}, label, null, null).toJson(), StandardCharsets.UTF_8));
            if (!f.modelEvents.isEmpty()) {
                assertEquals("drift_detected", json(f.modelEvents.readValue()).get("event").asText());
                detectedAt = i;
            }
        }
        assertTrue(detectedAt >= 1500, "the detector the update turned on fires after the inversion, not before: " + detectedAt);
    }

    @Test
    void aCommandKeyedBySomethingElseIsRepartitionedToItsModelsTask() {
        TopologyFixture f = open(Map.of());
        f.control.pipeInput("operator".getBytes(StandardCharsets.UTF_8), new ModelCommand.Pause("k", "xor").toJson());
        JsonNode event = json(f.modelEvents.readValue());
        assertEquals("paused", event.get("event").asText());
        f.send("xor", sample("xor", 0));
        assertEquals(0, json(f.predictions.readValue()).get("modelVersion").asLong());
        assertEquals(0, f.storedModel("xor") == null ? 0 : f.storedModel("xor").updates(), "paused: not learned");
        Architecture architecture = f.catalog.find("xor").orElseThrow().architecture();
        assertArrayEquals(new int[] {2, 4, 1}, new int[] {architecture.inputs(), architecture.width(1), architecture.outputs()});
    }
}
