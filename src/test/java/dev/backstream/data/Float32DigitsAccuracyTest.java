package dev.backstream.data;

import dev.backstream.nn.Dtype;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A float32 model learns the bundled digits as well as the float64 reference: the same definition, read from JSON
 * once without and once with {@code "dtype": "float32"}, trained on the same samples in the same order, ends within
 * half a point of holdout accuracy.
 */
@DisplayName("Float32 against float64 on the digits data set")
class Float32DigitsAccuracyTest {

    private static final String DEFINITION = """
            {
              "format": "backstream.mlp/v1",
              "modelId": "digits",
              "seed": 1,
              "inputs": 64,%s
              "loss": "categorical_cross_entropy",
              "optimizer": {"type": "sgd", "learningRate": 0.1},
              "layers": [{"units": 32, "activation": "sigmoid"}, {"units": 10, "activation": "softmax"}]
            }""";

    @Test
    @DisplayName("the same definition trained as float32 and as float64 ends within half a point of holdout accuracy")
    void float32EndsWithinHalfAPointOfFloat64HoldoutAccuracy() {
        List<LabeledRow> rows = new ArrayList<>(Digits.load());
        assertEquals(1797, rows.size());
        Collections.shuffle(rows, new Random(1));
        List<LabeledRow> holdout = rows.subList(0, 360);
        List<LabeledRow> training = new ArrayList<>(rows.subList(360, rows.size()));
        List<LabeledRow> order = new ArrayList<>();
        Random shuffle = new Random(2);
        for (int epoch = 0; epoch < 5; epoch++) {
            Collections.shuffle(training, shuffle);
            order.addAll(training);
        }

        Mlp float64 = definition("");
        Mlp float32 = definition("\n  \"dtype\": \"float32\",");
        assertEquals(Dtype.FLOAT64, float64.architecture().dtype());
        assertEquals(Dtype.FLOAT32, float32.architecture().dtype());
        for (LabeledRow row : order) {
            float64.learn(row.features(), row.label());
            float32.learn(row.features(), row.label());
        }

        double accuracy64 = accuracy(float64, holdout);
        double accuracy32 = accuracy(float32, holdout);
        String both = "holdout accuracy float64 " + accuracy64 + ", float32 " + accuracy32;
        assertTrue(accuracy64 > 0.9, both);
        assertTrue(accuracy32 > 0.9, both);
        assertTrue(Math.abs(accuracy32 - accuracy64) <= 0.005, both);
        // the float32 model really computed in float (its parameters differ from the float64 ones), so the comparison
        // above is not trivially true
        assertFalse(Arrays.equals(float32.parameters(), float64.parameters()), "float32 learned exactly the float64 parameters");
    }

    private static Mlp definition(String dtypeField) {
        byte[] json = DEFINITION.formatted(dtypeField).getBytes(StandardCharsets.UTF_8);
        return SnapshotJson.read(json).model();
    }

    private static double accuracy(Mlp model, List<LabeledRow> holdout) {
        int correct = 0;
        for (LabeledRow row : holdout) {
            correct += model.predict(row.features()).predictedClass() == row.label() ? 1 : 0;
        }
        return correct / (double) holdout.size();
    }
}
