package dev.backstream.message;

import dev.backstream.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

@DisplayName("Prediction JSON")
class PredictionJsonTest {

    @Test
    @DisplayName("has every present field, in the documented order, and omits absent ones")
    void fieldsInOrderAbsentOmitted() throws Exception {
        Prediction full = new Prediction("digits", 41, "row-7", new double[] {0.25, 0.75}, 1, 1, null, 0.287682072451781,
                "backstream.samples", 3, 1234L, null, 1_700_000_000_000L);
        JsonNode json = Json.MAPPER.readTree(full.toJson());
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("model", "modelVersion", "id", "output", "predictedClass", "label", "loss", "sourceTopic",
                "sourcePartition", "sourceOffset", "timestamp"), names);
        assertEquals("digits", json.get("model").asText());
        assertEquals(41, json.get("modelVersion").asLong());
        assertEquals(1234L, json.get("sourceOffset").asLong());

        Prediction score = new Prediction("xor", 0, null, new double[] {0.5}, null, null, new double[] {1.0}, null,
                null, null, null, 9L, null);
        JsonNode scored = Json.MAPPER.readTree(score.toJson());
        List<String> scoredNames = new ArrayList<>();
        scored.fieldNames().forEachRemaining(scoredNames::add);
        assertEquals(List.of("model", "modelVersion", "output", "target", "line"), scoredNames);
        assertFalse(scored.has("loss"));
    }

    @Test
    @DisplayName("writes every double so that it reads back bit for bit")
    void doublesRoundTripExactly() throws Exception {
        Random random = new Random(5);
        for (int i = 0; i < 2000; i++) {
            double[] output = {random.nextDouble(), Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL), Double.MIN_VALUE,
                    -0.0, 1e-300 * random.nextDouble()};
            double loss = -Math.log(random.nextDouble());
            Prediction prediction = new Prediction("m", i, null, output, null, 0, null, loss, null, null, null, null, null);
            JsonNode json = Json.MAPPER.readTree(prediction.toJson());
            for (int k = 0; k < output.length; k++) {
                assertEquals(Double.doubleToRawLongBits(output[k]), Double.doubleToRawLongBits(json.get("output").get(k).doubleValue()),
                        "output[" + k + "] = " + output[k]);
            }
            assertEquals(loss, json.get("loss").doubleValue());
        }
    }

    @Test
    @DisplayName("escapes strings exactly as a JSON parser reads them back")
    void stringsRoundTrip() throws Exception {
        List<String> strings = List.of("plain", "quote\" and \\ backslash", "tab\tnew\nline\rcr\u0001\u001f", "ünïcødé → ✓",
                "emoji 😀 after", "mixed \" é \u0002 😀 \\", "");
        for (String text : strings) {
            Prediction prediction = new Prediction(text.isEmpty() ? "m" : text, 1, text, new double[] {0.5}, 0, 0, null, 0.1,
                    text, 0, 0L, null, null);
            JsonNode json = Json.MAPPER.readTree(prediction.toJson());
            assertEquals(text, json.get("id").asText());
            assertEquals(text, json.get("sourceTopic").asText());
        }
    }

    @Test
    @DisplayName("writes a non-finite number as null: every number is a JSON number or null, never a string")
    void nonFiniteAsNull() throws Exception {
        Prediction prediction = new Prediction("m", 1, null, new double[] {Double.NaN, Double.NEGATIVE_INFINITY, 0.5}, null, 0, null,
                Double.POSITIVE_INFINITY, null, null, null, null, null);
        JsonNode json = Json.MAPPER.readTree(prediction.toJson());
        assertTrue(json.get("output").get(0).isNull(), json.toString());
        assertTrue(json.get("output").get(1).isNull(), json.toString());
        assertTrue(json.get("output").get(2).isNumber(), json.toString());
        assertTrue(json.get("loss").isNull(), json.toString());
    }

    @Test
    @DisplayName("is whole after a writer on the same thread was abandoned midway")
    void wholeAfterAnAbandonedWriter() throws Exception {
        new JsonWriter().field("model", "half"); // its caller failed before end()
        Prediction prediction = new Prediction("m", 1, null, new double[] {0.5}, null, null, null, null, null, null, null, null, null);
        assertEquals("{\"model\":\"m\",\"modelVersion\":1,\"output\":[0.5]}", new String(prediction.toJson(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("keeps its own copies of the arrays and compares them by value")
    void copiesArraysAndComparesByValue() {
        double[] output = {0.25, 0.75};
        double[] target = {1.0, 0.0};
        Prediction prediction = new Prediction("m", 1, "a", output, null, null, target, 0.5, null, null, null, null, null);
        output[0] = 9;
        target[0] = 9;
        prediction.output()[1] = 9;
        assertEquals(new Prediction("m", 1, "a", new double[] {0.25, 0.75}, null, null, new double[] {1.0, 0.0}, 0.5, null, null,
                null, null, null), prediction);
        assertEquals(new Prediction("m", 1, "a", new double[] {0.25, 0.75}, null, null, new double[] {1.0, 0.0}, 0.5, null, null,
                null, null, null).hashCode(), prediction.hashCode());
        assertFalse(prediction.equals(prediction.withLine(3)));
    }

    @Test
    @DisplayName("refuses an empty model, a negative version or class, both label and target, naming the value")
    void refusesInvalidFields() {
        IllegalArgumentException version = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Prediction("m", -1, null, new double[] {0}, null, null, null, null, null, null, null, null, null));
        assertEquals("modelVersion = -1; expected >= 0", version.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Prediction("", 0, null, new double[] {0}, null, null, null, null, null, null, null, null, null));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Prediction("m", 0, null, new double[] {0}, -1, null, null, null, null, null, null, null, null));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Prediction("m", 0, null, new double[] {0}, null, 1, new double[] {1}, null, null, null, null, null, null));
    }
}
