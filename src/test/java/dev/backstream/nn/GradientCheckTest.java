package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The analytic gradient of every parameter of every layer agrees with central finite differences, for every valid
 * output pairing and every hidden activation: the judge of the math, not the tutorial's text.
 */
@DisplayName("Backpropagation agrees with finite differences")
class GradientCheckTest {

    private static final double H = 1e-5;

    static Stream<Arguments> pairings() {
        List<Arguments> cases = new ArrayList<>();
        Object[][] outputs = {
                {Loss.SQUARED_ERROR, Activation.LINEAR, 3},
                {Loss.SQUARED_ERROR, Activation.SIGMOID, 3},
                {Loss.SQUARED_ERROR, Activation.TANH, 3},
                {Loss.SQUARED_ERROR, Activation.RELU, 3},
                {Loss.BINARY_CROSS_ENTROPY, Activation.SIGMOID, 1},
                {Loss.BINARY_CROSS_ENTROPY, Activation.SIGMOID, 3},
                {Loss.CATEGORICAL_CROSS_ENTROPY, Activation.SOFTMAX, 4},
        };
        for (Object[] output : outputs) {
            for (Activation hidden : List.of(Activation.SIGMOID, Activation.TANH, Activation.RELU, Activation.LINEAR)) {
                cases.add(Arguments.of(output[0], output[1], output[2], hidden));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} with {3} hidden layers and {2} {1} output(s)")
    @MethodSource("pairings")
    void analyticGradientMatchesCentralDifferences(Loss loss, Activation output, int outputs, Activation hidden) {
        Architecture architecture = Architecture.of(4, loss,
                new LayerSpec(5, hidden), new LayerSpec(3, hidden), new LayerSpec(outputs, output));
        // seeded from the names, not hashCode(): a record hash over enums is an identity hash, different in every JVM run
        Random random = new Random(architecture.toString().hashCode());
        double[] x = random.doubles(4, -1, 1).toArray();
        double[] y = target(loss, outputs, random);
        Mlp model = Mlp.initialize(architecture, OptimizerSpec.sgd(0.1), 11);
        double[] theta = model.parameters();
        // Move biases off zero so that every parameter matters and ReLU units sit away from their kink.
        for (int k = 0; k < theta.length; k++) {
            theta[k] += 0.1 * random.nextGaussian();
        }
        model = Mlp.restore(architecture, model.optimizer(), 0, theta, null, 0);

        double[] analytic = new double[theta.length];
        model.gradient(x, y, analytic);
        double[] numeric = new double[theta.length];
        for (int k = 0; k < theta.length; k++) {
            numeric[k] = (lossAt(architecture, theta, k, +H, x, y) - lossAt(architecture, theta, k, -H, x, y)) / (2 * H);
        }

        double differenceNorm = 0;
        double sumOfNorms = 0;
        for (int k = 0; k < theta.length; k++) {
            differenceNorm += (analytic[k] - numeric[k]) * (analytic[k] - numeric[k]);
            sumOfNorms += analytic[k] * analytic[k] + numeric[k] * numeric[k];
            assertEquals(numeric[k], analytic[k], 1e-6 * Math.abs(numeric[k]) + 1e-9, "parameter " + k);
        }
        double relativeError = Math.sqrt(differenceNorm) / Math.sqrt(sumOfNorms);
        assertTrue(sumOfNorms > 1e-6, "the gradient is not trivially zero");
        assertTrue(relativeError < 1e-6, "relative error " + relativeError);
    }

    @ParameterizedTest(name = "{0} with {3} hidden layers and {2} {1} output(s)")
    @MethodSource("pairings")
    void plainSgdMovesEachParameterByExactlyMinusRateTimesGradient(Loss loss, Activation output, int outputs, Activation hidden) {
        Architecture architecture = Architecture.of(4, loss, new LayerSpec(5, hidden), new LayerSpec(outputs, output));
        Random random = new Random(7);
        double[] x = random.doubles(4, -1, 1).toArray();
        double[] y = target(loss, outputs, random);
        double rate = 0.3;
        Mlp model = Mlp.initialize(architecture, OptimizerSpec.sgd(rate), 3);
        double[] before = model.parameters();
        double[] gradient = new double[before.length];
        model.gradient(x, y, gradient);

        model.learn(x, y);

        double[] expected = new double[before.length];
        for (int k = 0; k < before.length; k++) {
            expected[k] = before[k] - rate * gradient[k]; // W ← W − λ ∂C/∂W, bit for bit
        }
        assertArrayEquals(expected, model.parameters());
    }

    private static double lossAt(Architecture architecture, double[] theta, int k, double step, double[] x, double[] y) {
        double[] shifted = theta.clone();
        shifted[k] += step;
        return Mlp.restore(architecture, OptimizerSpec.sgd(0.1), 0, shifted, null, 0).loss(x, y);
    }

    private static double[] target(Loss loss, int outputs, Random random) {
        double[] y = new double[outputs];
        switch (loss) {
            case SQUARED_ERROR -> {
                for (int i = 0; i < outputs; i++) {
                    y[i] = random.nextDouble() * 2 - 0.5;
                }
            }
            case BINARY_CROSS_ENTROPY -> {
                for (int i = 0; i < outputs; i++) {
                    y[i] = random.nextDouble();
                }
            }
            case CATEGORICAL_CROSS_ENTROPY -> y[random.nextInt(outputs)] = 1.0;
        }
        return y;
    }
}
