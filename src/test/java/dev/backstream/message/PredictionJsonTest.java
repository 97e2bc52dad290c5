package dev.backstream.message;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
