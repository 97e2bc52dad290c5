package dev.backstream.nn;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plain SGD defers each update into the next forward pass; whatever reads the model in between, and whatever the
 * caller does with its arrays afterwards, the model must be exactly the one an immediate update gives.
 */
class DeferredUpdateTest {
    static final Architecture SHAPE = Architecture.of(19, Loss.CATEGORICAL_CROSS_ENTROPY,
            new LayerSpec(9, Activation.SIGMOID), new LayerSpec(5, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));
    static final OptimizerSpec[] OPTIMIZERS = {OptimizerSpec.sgd(0.2), new OptimizerSpec.Sgd(0.5, 0, 0.4)};

    @Test
    void readingBetweenStepsChangesNothing() {
        for (OptimizerSpec optimizer : OPTIMIZERS) {
            Mlp quiet = Mlp.initialize(SHAPE, optimizer, 11);
            Mlp inspected = Mlp.initialize(SHAPE, optimizer, 11);
            Random stream = new Random(4);
            Random probes = new Random(5);
            for (int step = 0; step < 500; step++) {
                double[] x = stream.doubles(19, -2, 2).toArray();
                int label = stream.nextInt(3);
                assertEquals(quiet.learn(x, label).loss(), inspected.learn(x, label).loss());
                switch (step % 9) {
                    case 0 -> inspected.parameters();
                    case 1 -> inspected.predict(probes.doubles(19).toArray());
                    case 2 -> inspected.weight(0, step % 9, step % 19);
                    case 3 -> inspected.bias(2, 1);
                    case 4 -> assertTrue(inspected.copy().bitIdentical(inspected));
                    case 5 -> BinaryModelFormat.encode(inspected);
                    case 6 -> inspected.loss(probes.doubles(19).toArray(), new double[] {0, 1, 0});
                    case 7 -> inspected.gradient(probes.doubles(19).toArray(), new double[] {1, 0, 0}, new double[SHAPE.parameterCount()]);
                    default -> { }
                }
            }
            assertTrue(quiet.bitIdentical(inspected), optimizer.toString());
            assertArrayEquals(quiet.parameters(), inspected.parameters());
        }
    }

    @Test
    void theCallerMayReuseItsFeatureArrayAfterLearning() {
        Mlp kept = Mlp.initialize(SHAPE, OptimizerSpec.sgd(0.2), 3);
        Mlp reused = Mlp.initialize(SHAPE, OptimizerSpec.sgd(0.2), 3);
        Random stream = new Random(6);
        double[] buffer = new double[19];
        for (int step = 0; step < 200; step++) {
            double[] x = stream.doubles(19, -2, 2).toArray();
            System.arraycopy(x, 0, buffer, 0, 19);
            kept.learn(x, step % 3);
            reused.learn(buffer, step % 3);
            Arrays.fill(buffer, 1e6); // overwritten before the (deferred) update reaches the weights
        }
        assertTrue(kept.bitIdentical(reused));
    }

    @Test
    void anUpdateIsVisibleAsSoonAsLearnReturns() {
        Mlp model = Mlp.initialize(SHAPE, OptimizerSpec.sgd(0.2), 7);
        double[] before = model.parameters();
        double[] x = new Random(8).doubles(19).toArray();
        Outcome outcome = model.learn(x, 2);
        assertTrue(outcome.updateApplied());
        assertEquals(1, model.updates());
        assertFalse(Arrays.equals(before, model.parameters()));
        Mlp copy = model.copy();
        assertTrue(copy.bitIdentical(model));
        model.learn(x, 1);
        copy.learn(x, 1);
        assertTrue(copy.bitIdentical(model));
        assertTrue(BinaryModelFormat.decode(BinaryModelFormat.encode(model)).bitIdentical(model));
    }
}
