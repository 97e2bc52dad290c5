package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One SGD step of a 2-2-1 sigmoid network, computed by hand here with scalar formulas straight from the corrected
 * tutorial (errata 1, 2 and 5 of docs/math.md), and compared with the learner.
 */
@DisplayName("A 2-2-1 sigmoid network after one SGD step")
class HandComputedStepTest {

    // W¹ (2×2), b¹, W² (1×2), b² in the public layout: W_ij = unit i, input j.
    private static final double[] PARAMS = {0.15, -0.25, 0.35, 0.45, 0.05, -0.10, 0.55, -0.65, 0.20};
    private static final double[] X = {0.8, -0.3};
    private static final double RATE = 0.7;

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void matchesTheHandComputedBinaryCrossEntropyStep() {
        double y = 1.0;
        Mlp model = twoTwoOne(Loss.BINARY_CROSS_ENTROPY);

        // Forward: z¹ = W¹x + b¹, a¹ = σ(z¹), z² = W²a¹ + b², a² = σ(z²).
        double z11 = 0.15 * 0.8 + -0.25 * -0.3 + 0.05;
        double z12 = 0.35 * 0.8 + 0.45 * -0.3 + -0.10;
        double a11 = sigmoid(z11);
        double a12 = sigmoid(z12);
        double z2 = 0.55 * a11 + -0.65 * a12 + 0.20;
        double a2 = sigmoid(z2);
        double loss = -(y * Math.log(a2) + (1 - y) * Math.log(1 - a2));

        // Backward: δ² = a² − y (fused sigmoid + cross-entropy), δ¹ = (W²ᵀ δ²) ∘ a¹(1 − a¹).
        double d2 = a2 - y;
        double d11 = 0.55 * d2 * a11 * (1 - a11);
        double d12 = -0.65 * d2 * a12 * (1 - a12);

        Outcome outcome = model.learn(X, new double[] {y});

        assertEquals(a2, outcome.output(0), 1e-15, "prediction before the update");
        assertEquals(loss, outcome.loss(), 1e-14, "loss before the update");
        assertEquals(0, outcome.modelVersion());
        assertEquals(1, model.updates());
        assertTrue(outcome.updateApplied());
        double[] expected = {
                0.15 - RATE * d11 * 0.8, -0.25 - RATE * d11 * -0.3,
                0.35 - RATE * d12 * 0.8, 0.45 - RATE * d12 * -0.3,
                0.05 - RATE * d11, -0.10 - RATE * d12,
                0.55 - RATE * d2 * a11, -0.65 - RATE * d2 * a12,
                0.20 - RATE * d2};
        assertArrayClose(expected, model.parameters(), 1e-15);
    }

    @Test
    void matchesTheHandComputedSquaredErrorStep() {
        double y = 0.25;
        Mlp model = twoTwoOne(Loss.SQUARED_ERROR);

        double z11 = 0.15 * 0.8 + -0.25 * -0.3 + 0.05;
        double z12 = 0.35 * 0.8 + 0.45 * -0.3 + -0.10;
        double a11 = sigmoid(z11);
        double a12 = sigmoid(z12);
        double a2 = sigmoid(0.55 * a11 + -0.65 * a12 + 0.20);

        // ∂C/∂a = a − y (erratum 2 of docs/math.md), times σ'(z²) = a²(1 − a²).
        double d2 = (a2 - y) * a2 * (1 - a2);
        double d11 = 0.55 * d2 * a11 * (1 - a11);
        double d12 = -0.65 * d2 * a12 * (1 - a12);

        Outcome outcome = model.learn(X, new double[] {y});

        assertEquals(0.5 * (y - a2) * (y - a2), outcome.loss(), 1e-16);
        double[] expected = {
                0.15 - RATE * d11 * 0.8, -0.25 - RATE * d11 * -0.3,
                0.35 - RATE * d12 * 0.8, 0.45 - RATE * d12 * -0.3,
                0.05 - RATE * d11, -0.10 - RATE * d12,
                0.55 - RATE * d2 * a11, -0.65 - RATE * d2 * a12,
                0.20 - RATE * d2};
        assertArrayClose(expected, model.parameters(), 1e-15);
        assertTrue(model.loss(X, new double[] {y}) < outcome.loss(), "one step down the gradient lowers the loss");
    }

    private static Mlp twoTwoOne(Loss loss) {
        Architecture architecture = Architecture.of(2, loss,
                new LayerSpec(2, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
        return Mlp.restore(architecture, OptimizerSpec.sgd(RATE), 0, PARAMS, null, 0);
    }

    static void assertArrayClose(double[] expected, double[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, "length");
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], tolerance, "index " + k);
        }
    }
}
