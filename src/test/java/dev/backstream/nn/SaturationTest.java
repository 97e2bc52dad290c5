package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saturated outputs keep finite losses and gradients: the fused deltas never divide by a(1 − a) (erratum 5 of docs/math.md). */
@DisplayName("Saturated outputs")
class SaturationTest {

    @Test
    void aSaturatedSoftmaxHasAFiniteLossAndStillLearns() {
        Architecture architecture = Architecture.of(1, Loss.CATEGORICAL_CROSS_ENTROPY, new LayerSpec(2, Activation.SOFTMAX));
        Mlp model = Mlp.restore(architecture, OptimizerSpec.sgd(0.1), 0, new double[] {1000, -1000, 0, 0}, null, 0);
        Outcome outcome = model.learn(new double[] {1}, 1);
        assertEquals(0.0, outcome.output(1), "the true class's probability underflows");
        assertEquals(2000.0, outcome.loss(), 1e-9, "−log softmax(z)_1 = logΣexp(z) − z_1");
        assertTrue(outcome.updateApplied());
        assertEquals(1000 - 0.1, model.weight(0, 0, 0), 1e-12, "δ = a − y = (1, −1) moves the weights");
    }

    @Test
    void aSaturatedSigmoidHasAFiniteLossAndUnitDelta() {
        Architecture architecture = Architecture.of(1, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(1, Activation.SIGMOID));
        Mlp model = Mlp.restore(architecture, OptimizerSpec.sgd(0.5), 0, new double[] {800, 0}, null, 0);
        Outcome outcome = model.learn(new double[] {1}, 0);
        assertEquals(1.0, outcome.output(0));
        assertEquals(800.0, outcome.loss(), 1e-9);
        assertEquals(800 - 0.5, model.weight(0, 0, 0), 1e-12);
        assertEquals(-0.5, model.bias(0, 0), 1e-12);
    }
}
