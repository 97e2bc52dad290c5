package dev.backstream.nn;

import dev.backstream.data.Digits;
import dev.backstream.data.LabeledRow;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded learning tests with accuracy thresholds, one sample per step. */
@DisplayName("Learning one sample per step")
class LearningTest {

    private static final double[][] XOR_X = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    private static final int[] XOR_Y = {0, 1, 1, 0};

    @Test
    void learnsXorWithTheTutorialsTwoTwoOneNetwork() {
        Architecture architecture = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY,
                new LayerSpec(2, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
        // 2-2-1 has a well-known local minimum on XOR that about half of all initializations fall into whatever the
        // step size; seed 3 is one that escapes it. The test below checks robustness with more hidden units.
        Mlp model = Mlp.initialize(architecture, OptimizerSpec.sgd(1.0), 3);
        assertTrue(correct(model) < 4, "an untrained model does not already solve XOR");
        for (int step = 0; step < 20_000; step++) {
            model.learn(XOR_X[step % 4], XOR_Y[step % 4]);
        }
        assertEquals(4, correct(model));
    }

    @Test
    void learnsXorFourOutOfFourFromEverySeedWithFourHiddenUnits() {
        Architecture architecture = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY,
                new LayerSpec(4, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
        for (long seed = 1; seed <= 10; seed++) {
            Mlp model = Mlp.initialize(architecture, OptimizerSpec.sgd(0.5), seed);
            for (int step = 0; step < 10_000; step++) {
                model.learn(XOR_X[step % 4], XOR_Y[step % 4]);
            }
            assertEquals(4, correct(model), "seed " + seed);
        }
    }

    @Test
    void reachesNinetyFivePercentHoldoutAccuracyOnDigits() {
        List<LabeledRow> rows = new ArrayList<>(Digits.load());
        assertEquals(1797, rows.size());
        Collections.shuffle(rows, new Random(1));
        List<LabeledRow> holdout = rows.subList(0, 360);
        List<LabeledRow> training = new ArrayList<>(rows.subList(360, rows.size()));
        Architecture architecture = Architecture.of(Digits.FEATURES, Loss.CATEGORICAL_CROSS_ENTROPY,
                new LayerSpec(32, Activation.SIGMOID), new LayerSpec(Digits.CLASSES, Activation.SOFTMAX));
        Mlp model = Mlp.initialize(architecture, OptimizerSpec.sgd(0.1), 1);
        Random shuffle = new Random(2);
        for (int epoch = 0; epoch < 10; epoch++) {
            Collections.shuffle(training, shuffle);
            for (LabeledRow row : training) {
                model.learn(row.features(), row.label());
            }
        }
        int correct = 0;
        for (LabeledRow row : holdout) {
            correct += model.predict(row.features()).predictedClass() == row.label() ? 1 : 0;
        }
        double accuracy = correct / (double) holdout.size();
        assertTrue(accuracy >= 0.95, "holdout accuracy " + accuracy);
    }

    @Test
    void fitsANoisyLinearRegressionWithAdam() {
        Architecture architecture = Architecture.of(3, Loss.SQUARED_ERROR,
                new LayerSpec(8, Activation.TANH), new LayerSpec(1, Activation.LINEAR));
        Mlp model = Mlp.initialize(architecture, OptimizerSpec.Adam.withDefaults(0.01), 3);
        Random random = new Random(4);
        double recentLoss = 0;
        for (int step = 0; step < 20_000; step++) {
            double[] x = random.doubles(3, -1, 1).toArray();
            double y = 2 * x[0] - x[1] + 0.5 * x[2] + 0.05 * random.nextGaussian();
            double loss = model.learn(x, new double[] {y}).loss();
            if (step >= 19_000) {
                recentLoss += loss / 1000;
            }
        }
        // The noise alone costs ½·0.05² = 0.00125 per sample; predicting the mean would cost about 0.9.
        assertTrue(recentLoss < 0.01, "prequential loss over the last 1000 samples " + recentLoss);
    }

    private static int correct(Mlp model) {
        int correct = 0;
        for (int i = 0; i < 4; i++) {
            correct += model.predict(XOR_X[i]).predictedClass() == XOR_Y[i] ? 1 : 0;
        }
        return correct;
    }
}
