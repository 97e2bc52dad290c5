package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.message.Sample;
import dev.backstream.model.ModelCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model whose definition declares drift detection: a concept that flips (every label inverted) is detected
 * after the flip and not before, reported as a model event with what the detector saw, and the reset action makes
 * the model start again from its definition.
 */
@DisplayName("Drift detection in the learner")
class DriftTopologyTest {
    private static final int FLIP = 2000;

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private TopologyFixture open(String drift) throws Exception {
        Path models = Files.createDirectories(stateDir.resolve("models"));
        Files.writeString(models.resolve("flip.json"), """
                {"format": "backstream.mlp/v1", "modelId": "flip", "inputs": 2, "loss": "binary_cross_entropy",
                 "optimizer": {"type": "sgd", "learningRate": 0.5},
                 "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 1,
                 "drift": %s}
                """.formatted(drift));
        ModelCatalog catalog = ModelCatalog.load(models, 100_000);
        fixture = new TopologyFixture(TopologyFixture.config(stateDir.resolve("state"), Map.of()), catalog);
        return fixture;
    }

    private static String sample(int i) {
        int a = (i >> 1) & 1;
        int b = i & 1;
        int label = a ^ (i >= FLIP ? 1 : 0); // a concept learned within a few hundred samples, then inverted
        return new String(new Sample("flip", new double[] {a, b}, label, null, String.valueOf(i)).toJson(), StandardCharsets.UTF_8);
    }

    @Test
    void anInvertedConceptIsDetectedAfterTheFlipAndTheResetActionRestartsTheModel() throws Exception {
        TopologyFixture f = open("{\"detector\": \"adwin\", \"action\": \"reset\"}");
        int detectedAt = -1;
        for (int i = 0; i < FLIP + 1000; i++) {
            f.send("flip", sample(i));
            if (!f.modelEvents.isEmpty()) {
                assertEquals(-1, detectedAt, "one detection");
                JsonNode event = json(f.modelEvents.readValue());
                assertEquals("drift_detected", event.get("event").asText());
                assertEquals("adwin", event.get("details").get("detector").asText());
                assertEquals("reset", event.get("details").get("action").asText());
                assertTrue(event.get("details").get("meanAfter").asDouble() > event.get("details").get("meanBefore").asDouble(),
                        "the error went up: " + event);
                assertEquals(0, event.get("versionAfter").asLong(), "reset to the definition");
                assertEquals(i, event.get("sourceOffset").asLong(), "reported with the sample that revealed it");
                detectedAt = i;
            }
        }
        assertTrue(detectedAt >= FLIP, "no alarm before the flip; detected at " + detectedAt);
        assertTrue(detectedAt < FLIP + 200, "detected within 200 samples of the flip; at " + detectedAt);
        List<JsonNode> predictions = f.predictions.readValuesToList().stream().map(v -> json(v)).toList();
        assertEquals(0, predictions.get(detectedAt + 1).get("modelVersion").asLong(), "the next sample meets the restarted model");
    }

    @Test
    void withoutAnActionTheModelKeepsLearningAndTheEventSaysSo() throws Exception {
        TopologyFixture f = open("{\"detector\": \"page-hinkley\", \"threshold\": 5, \"action\": \"none\"}");
        for (int i = 0; i < FLIP + 1000; i++) {
            f.send("flip", sample(i));
        }
        List<JsonNode> events = f.modelEvents.readValuesToList().stream().map(v -> json(v)).toList();
        assertTrue(!events.isEmpty(), "Page-Hinkley sees the error rise");
        JsonNode first = events.get(0);
        assertTrue(first.get("sourceOffset").asLong() >= FLIP, "no alarm before the flip: " + first);
        assertEquals(first.get("versionBefore"), first.get("versionAfter"), "no action: the model is unchanged");
        assertEquals(FLIP + 1000, f.storedModel("flip").updates());
    }

    @Test
    void anInvalidDriftDeclarationIsRefusedWhenTheModelsAreLoaded() {
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> open("{\"detector\": \"adwin\", \"delta\": 2}"));
        assertTrue(refused.getMessage().contains("drift") && refused.getMessage().contains("delta"), refused.getMessage());
    }
}
