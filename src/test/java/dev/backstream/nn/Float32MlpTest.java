package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learner contract of a {@link Dtype#FLOAT32} {@link Mlp} where it differs from, or must be shown again for,
 * float64: what its read methods, copies, frozen copies and restores see; that every value it gives out is a float;
 * its finite-step guard against the float range; and that it computes the same math as the float64 model (gradients
 * exactly, one learning step within float rounding). {@link Float32DifferentialTest} proves the learning itself
 * against a plain reference; this class does not repeat it.
 */
@DisplayName("A float32 Mlp")
class Float32MlpTest {
    /** 40 inputs and 33 hidden units: the float kernels' 32-wide loops and their tails. */
    static final Architecture SHAPE = Architecture.of(40, Loss.CATEGORICAL_CROSS_ENTROPY, new LayerSpec(33, Activation.SIGMOID),
            new LayerSpec(9, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)).withDtype(Dtype.FLOAT32);
    static final Architecture SHAPE64 = SHAPE.withDtype(Dtype.FLOAT64);

    /** Plain SGD (its update deferred), SGD with l2 (applied at once), momentum, Nesterov with clipping, Adam. */
    static List<OptimizerSpec> optimizers() {
        return List.of(OptimizerSpec.sgd(0.2), new OptimizerSpec.Sgd(0.1, 1e-3, 0.5), new OptimizerSpec.Momentum(0.05, 0.9, false, 0, 0),
                new OptimizerSpec.Momentum(0.05, 0.9, true, 1e-4, 1.0), OptimizerSpec.Adam.withDefaults(0.01));
    }

    static double[] features(Random random) {
        return random.doubles(40, -1, 1).toArray();
    }

    /** A float32 model after 30 labeled samples: plain SGD leaves the last update pending. */
    static Mlp trained(OptimizerSpec optimizer) {
        Mlp model = Mlp.initialize(SHAPE, optimizer, 21);
        Random random = new Random(2);
        for (int i = 0; i < 30; i++) {
            model.learn(features(random), random.nextInt(3));
        }
        return model;
    }

    private static void assertAllFloats(double[] values, String what) {
        for (int k = 0; k < values.length; k++) {
            assertEquals(values[k], (double) (float) values[k], what + "[" + k + "] is a float");
        }
    }

    @Nested
    @DisplayName("read methods, copies and frozen copies")
    class ReadsAndCopies {
        @Test
        void aFrozenCopyPredictsBitForBitWhatTheModelPredictsEvenWithAnUpdatePending() {
            for (OptimizerSpec optimizer : optimizers()) {
                Mlp model = trained(optimizer);
                FrozenMlp frozen = model.freeze(); // before any predict: plain SGD's last update is still pending
                Random random = new Random(3);
                double[] x = features(random);
                double[] fromFrozen = frozen.predict(x).copyOutput();
                assertArrayEquals(model.predict(x).copyOutput(), fromFrozen, optimizer.toString());
                assertEquals(model.updates(), frozen.version());
                for (int i = 0; i < 5; i++) {
                    double[] probe = features(random);
                    assertArrayEquals(model.predict(probe).copyOutput(), frozen.predict(probe).copyOutput(), optimizer + ", probe " + i);
                }
                model.learn(x, 1);
                assertArrayEquals(fromFrozen, frozen.predict(x).copyOutput(), optimizer + ": later learning does not reach the frozen copy");
            }
        }

        @Test
        void weightsBiasesAndParametersSeeAPendingUpdateAsAPredictCompletesIt() {
            Mlp model = trained(OptimizerSpec.sgd(0.2));
            double[] beforeLastStep = model.parameters();
            Random random = new Random(4);
            model.learn(features(random), 2); // deferred: applied by the next forward pass
            double[] pending = model.parameters();
            double[] fromAccessors = new double[pending.length];
            int k = 0;
            for (int m = 0; m < SHAPE.depth(); m++) {
                for (int i = 0; i < SHAPE.width(m + 1); i++) {
                    for (int j = 0; j < SHAPE.width(m); j++) {
                        fromAccessors[k++] = model.weight(m, i, j);
                    }
                }
                for (int i = 0; i < SHAPE.width(m + 1); i++) {
                    fromAccessors[k++] = model.bias(m, i);
                }
            }
            assertFalse(java.util.Arrays.equals(beforeLastStep, pending), "the last step changed the parameters");

            model.predict(features(random)); // completes the update in storage

            double[] completed = model.parameters();
            assertArrayEquals(completed, pending, "parameters()");
            assertArrayEquals(completed, fromAccessors, "weight() and bias()");
        }

        @Test
        void everyValueItGivesOutIsAFloat() {
            for (OptimizerSpec optimizer : optimizers()) {
                Mlp model = trained(optimizer);
                assertAllFloats(model.parameters(), optimizer + " parameters");
                for (int k = 0; k < optimizer.stateVectors(); k++) {
                    double[] state = model.optimizerState(k);
                    assertAllFloats(state, optimizer + " state " + k);
                    assertTrue(java.util.Arrays.stream(state).anyMatch(v -> v != 0), optimizer + " state " + k + " is not trivially zero");
                }
                assertEquals(model.weight(1, 2, 3), (double) (float) model.weight(1, 2, 3));
                assertEquals(model.bias(0, 4), (double) (float) model.bias(0, 4));
            }
        }

        @Test
        void copiesAreBitIdenticalAndLearnOnIdentically() {
            for (OptimizerSpec optimizer : optimizers()) {
                Mlp model = trained(optimizer);
                Mlp copy = model.copy();
                Mlp other = model.withOptimizer(optimizer);
                Mlp unchanged = model.copy();
                assertTrue(copy.bitIdentical(model), optimizer + " copy");
                assertTrue(other.bitIdentical(model), optimizer + " withOptimizer");
                Random random = new Random(5);
                for (int i = 0; i < 20; i++) {
                    double[] x = features(random);
                    int label = random.nextInt(3);
                    double[] expected = model.learn(x, label).copyOutput();
                    assertArrayEquals(expected, copy.learn(x, label).copyOutput(), optimizer + " copy, step " + i);
                    assertArrayEquals(expected, other.learn(x, label).copyOutput(), optimizer + " withOptimizer, step " + i);
                }
                assertTrue(copy.bitIdentical(model), optimizer + " copy after learning");
                assertTrue(other.bitIdentical(model), optimizer + " withOptimizer after learning");
                assertFalse(unchanged.bitIdentical(model), optimizer + ": copies are independent of the model's learning");
                assertEquals(Dtype.FLOAT32, copy.architecture().dtype());
            }
        }

        @Test
        void isNeverBitIdenticalToAFloat64ModelWithTheSameValues() {
            for (OptimizerSpec optimizer : optimizers()) {
                Mlp model = trained(optimizer);
                double[][] state = new double[optimizer.stateVectors()][];
                for (int k = 0; k < state.length; k++) {
                    state[k] = model.optimizerState(k);
                }
                Mlp same = Mlp.restore(SHAPE, optimizer, model.updates(), model.parameters(), state, model.optimizerSteps());
                Mlp wide = Mlp.restore(SHAPE64, optimizer, model.updates(), model.parameters(), state, model.optimizerSteps());
                assertTrue(same.bitIdentical(model), optimizer + ": the same values as float32 are bit-identical");
                assertArrayEquals(model.parameters(), wide.parameters(), "the float64 model holds exactly these values");
                assertFalse(model.bitIdentical(wide), optimizer + ": float32 vs float64");
                assertFalse(wide.bitIdentical(model), optimizer + ": float64 vs float32");
            }
        }
    }

    @Nested
    @DisplayName("restoring from doubles")
    class Restore {
        @Test
        void roundsEachValueToTheNearestFloat() {
            Random random = new Random(6);
            double[] values = random.doubles(SHAPE.parameterCount(), -3, 3).toArray();
            double[][] state = {random.doubles(SHAPE.parameterCount(), -1, 1).toArray()};
            OptimizerSpec momentum = new OptimizerSpec.Momentum(0.05, 0.9, false, 0, 0);
            Mlp model = Mlp.restore(SHAPE, momentum, 7, values, state, 7);
            double[] parameters = model.parameters();
            double[] velocity = model.optimizerState(0);
            int rounded = 0;
            for (int k = 0; k < values.length; k++) {
                assertEquals((double) (float) values[k], parameters[k], "parameter " + k);
                assertEquals((double) (float) state[0][k], velocity[k], "velocity " + k);
                rounded += parameters[k] != values[k] ? 1 : 0;
            }
            assertTrue(rounded > values.length / 2, "random doubles are rarely floats: " + rounded + " rounded");
            assertEquals(7, model.updates());
            assertEquals(7, model.optimizerSteps());
        }

        @Test
        void rejectsAValueBeyondTheFloatRangeNamingLayerAndIndex() {
            double[] values = trained(OptimizerSpec.sgd(0.1)).parameters();
            int layer1Bias2 = 33 * 40 + 33 + 9 * 33 + 2; // layer 0's weights and biases, layer 1's weights, then biases[2]
            double[] tooLarge = values.clone();
            tooLarge[layer1Bias2] = 1e39;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Mlp.restore(SHAPE, OptimizerSpec.sgd(0.1), 0, tooLarge, null, 0));
            assertTrue(e.getMessage().contains("layer 1 biases[2]") && e.getMessage().contains("1.0E39")
                    && e.getMessage().contains("float32"), e.getMessage());

            double[] tooNegative = values.clone();
            tooNegative[40 + 5] = -1e39; // layer 0, unit 1, input 5
            e = assertThrows(IllegalArgumentException.class, () -> Mlp.restore(SHAPE, OptimizerSpec.sgd(0.1), 0, tooNegative, null, 0));
            assertTrue(e.getMessage().contains("layer 0 weights[1][5]"), e.getMessage());

            double[][] velocity = {values.clone()};
            velocity[0][layer1Bias2] = 1e39;
            e = assertThrows(IllegalArgumentException.class,
                    () -> Mlp.restore(SHAPE, new OptimizerSpec.Momentum(0.1, 0.9, false, 0, 0), 0, values, velocity, 1));
            assertTrue(e.getMessage().contains("optimizer state 0 layer 1 biases[2]"), e.getMessage());

            assertTrue(Mlp.restore(SHAPE64, OptimizerSpec.sgd(0.1), 0, tooLarge, null, 0).parameters()[layer1Bias2] == 1e39,
                    "the same value is fine for float64");
            double[] largestFloat = values.clone();
            largestFloat[layer1Bias2] = Float.MAX_VALUE;
            assertEquals(Float.MAX_VALUE, Mlp.restore(SHAPE, OptimizerSpec.sgd(0.1), 0, largestFloat, null, 0).bias(1, 2));
        }
    }

    @Nested
    @DisplayName("the finite-step guard")
    class FiniteStepGuard {
        /** A regression model: squared error on a linear output lets a target make the gradient as large as we like. */
        final Architecture regression = Architecture.of(40, Loss.SQUARED_ERROR, new LayerSpec(33, Activation.TANH),
                new LayerSpec(3, Activation.LINEAR)).withDtype(Dtype.FLOAT32);

        @Test
        void aStepBeyondTheFloatRangeLeavesTheModelExactlyAsItWas() {
            for (OptimizerSpec optimizer : List.of(OptimizerSpec.sgd(1e6), new OptimizerSpec.Momentum(1e6, 0.9, false, 0, 0),
                    OptimizerSpec.Adam.withDefaults(1e6))) {
                Mlp sane = Mlp.initialize(regression, optimizer.withLearningRate(0.01), 3);
                Random random = new Random(8);
                for (int i = 0; i < 5; i++) {
                    sane.learn(features(random), new double[] {0.5, -0.5, 0.1}); // some optimizer state
                }
                Mlp model = sane.withOptimizer(optimizer);
                Mlp before = model.copy();
                double[] x = features(random);
                double[] huge = {1e35, -1e35, 1e35}; // deltas a float holds; their steps (Adam: their squares) it does not

                Outcome outcome = model.learn(x, huge);

                assertTrue(outcome.learned(), optimizer.type());
                assertFalse(outcome.updateApplied(), optimizer.type() + ": the step would overflow a float");
                assertTrue(model.bitIdentical(before), optimizer.type() + ": nothing changed");
                assertEquals(before.updates(), model.updates());
                assertTrue(Mlp.restore(regression.withDtype(Dtype.FLOAT64), optimizer, 0, before.parameters(), null, 0)
                        .learn(x, huge).updateApplied(), optimizer.type() + ": the guard is against the float range, the double one allows it");
                assertTrue(model.withOptimizer(optimizer.withLearningRate(0.01)).learn(x, new double[] {0.1, 0.2, 0.3}).updateApplied(),
                        optimizer.type() + ": the model learns on at a sane rate");
            }
        }
    }

    @Nested
    @DisplayName("the float range")
    class FloatRange {
        @Test
        void hyperparametersAFloatCannotHoldAreRefusedNamingTheSetting() {
            List<OptimizerSpec> refused = List.of(OptimizerSpec.sgd(1e39), OptimizerSpec.sgd(1e-50), OptimizerSpec.sgd(0x1p21),
                    new OptimizerSpec.Sgd(0.1, 1e39, 0), new OptimizerSpec.Momentum(0.1, 0.999999999, false, 0, 0),
                    new OptimizerSpec.Adam(0.01, 0.9, 0.9999999999, 1e-8, 0, 0), new OptimizerSpec.Adam(0.01, 0.9, 0.999, 1e-50, 0, 0));
            List<String> named = List.of("learningRate", "learningRate", "learningRate", "l2", "momentum", "beta2", "epsilon");
            for (int k = 0; k < refused.size(); k++) {
                OptimizerSpec optimizer = refused.get(k);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mlp.initialize(SHAPE, optimizer, 1),
                        optimizer.toString());
                assertTrue(e.getMessage().startsWith(named.get(k) + " "), e.getMessage());
                Mlp.initialize(SHAPE64, optimizer, 1); // float64 takes every one of them
            }
        }

        @Test
        void aFeatureBeyondTheFloatRangeIsRejectedBeforeAnythingIsComputed() {
            Mlp model = trained(OptimizerSpec.sgd(0.2));
            Mlp before = model.copy();
            double[] x = features(new Random(4));
            x[7] = -1e39;

            InvalidSampleException e = assertThrows(InvalidSampleException.class, () -> model.learn(x, 1));

            assertEquals(InvalidSampleException.Problem.NON_FINITE_VALUE, e.problem());
            assertTrue(e.getMessage().startsWith("features[7] is -1.0E39; expected a finite number within the float32 range"), e.getMessage());
            assertTrue(model.bitIdentical(before));
            Mlp.restore(SHAPE64, OptimizerSpec.sgd(0.2), 0, before.parameters(), null, 0).learn(x, 1); // a float64 model takes it
        }

        /** Cases whose bounds a naive guard would accept while a float intermediate overflows (l2·θ, Adam's g·g). */
        @Test
        void stepsWhoseFloatIntermediatesWouldOverflowNeverLeaveANonFiniteValue() {
            Architecture one = Architecture.of(2, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR)).withDtype(Dtype.FLOAT32);
            List<OptimizerSpec> optimizers = List.of(new OptimizerSpec.Sgd(1e-9, 1e10, 0),
                    new OptimizerSpec.Adam(1e-3, 0.9, 0.9999999, 1e-8, 1, 0));
            List<double[]> weights = List.of(new double[] {1e29, 0, 0}, new double[] {2.6e19, 0, 0});
            for (int k = 0; k < optimizers.size(); k++) {
                Mlp model = Mlp.restore(one, optimizers.get(k), 0, weights.get(k), null, 0);

                model.learn(new double[] {0, 0}, new double[] {0});

                for (double value : model.parameters()) {
                    assertTrue(Double.isFinite(value), optimizers.get(k) + ": " + java.util.Arrays.toString(model.parameters()));
                }
                for (int s = 0; s < model.optimizer().stateVectors(); s++) {
                    for (double value : model.optimizerState(s)) {
                        assertTrue(Double.isFinite(value), optimizers.get(k) + " state " + s);
                    }
                }
                assertEquals(model.updates(), BinaryModelFormat.decode(BinaryModelFormat.encode(model)).updates(), "stays decodable");
            }
        }
    }

    @Nested
    @DisplayName("the same math as float64")
    class SameMath {
        final Architecture small = Architecture.of(4, Loss.CATEGORICAL_CROSS_ENTROPY, new LayerSpec(5, Activation.SIGMOID),
                new LayerSpec(3, Activation.TANH), new LayerSpec(4, Activation.SOFTMAX)).withDtype(Dtype.FLOAT32);

        /** With Adam, and with plain SGD's last update pending: the gradient is taken at the parameters parameters() shows. */
        @Test
        void itsGradientIsTheFloat64ModelsWithTheSameParametersWhichFiniteDifferencesConfirm() {
            for (OptimizerSpec optimizer : List.of(OptimizerSpec.Adam.withDefaults(0.05), OptimizerSpec.sgd(0.5))) {
                Mlp model = Mlp.initialize(small, optimizer, 5);
                Random random = new Random(9);
                for (int i = 0; i < 20; i++) {
                    model.learn(random.doubles(4, -1, 1).toArray(), random.nextInt(4));
                }
                double[] theta = model.parameters();
                Mlp wide = Mlp.restore(small.withDtype(Dtype.FLOAT64), OptimizerSpec.sgd(0.1), 0, theta, null, 0);
                double[] x = random.doubles(4, -1, 1).toArray();
                double[] y = {0, 0, 1, 0};
                double[] gradient = new double[theta.length];
                double[] wideGradient = new double[theta.length];
                model.gradient(x, y, gradient);
                wide.gradient(x, y, wideGradient);
                assertArrayEquals(wideGradient, gradient, optimizer + ": the float32 model's gradient is computed in float64");

                double h = 1e-5;
                double norm = 0;
                for (int k = 0; k < theta.length; k++) {
                    double[] plus = theta.clone();
                    double[] minus = theta.clone();
                    plus[k] += h;
                    minus[k] -= h;
                    double numeric = (Mlp.restore(wide.architecture(), OptimizerSpec.sgd(0.1), 0, plus, null, 0).loss(x, y)
                            - Mlp.restore(wide.architecture(), OptimizerSpec.sgd(0.1), 0, minus, null, 0).loss(x, y)) / (2 * h);
                    assertEquals(numeric, gradient[k], 1e-6 * Math.abs(numeric) + 1e-9, optimizer + ", parameter " + k);
                    norm += gradient[k] * gradient[k];
                }
                assertTrue(norm > 1e-6, "the gradient is not trivially zero");
            }
        }

        @Test
        void oneSgdStepMovesEveryParameterAsTheFloat64StepDoesWithinFloatRounding() {
            for (OptimizerSpec optimizer : List.of(OptimizerSpec.sgd(0.5), new OptimizerSpec.Sgd(0.5, 1e-3, 0))) {
                Mlp model = trained(optimizer);
                double[] before = model.parameters(); // floats, so both models start from the same values
                Mlp wide = Mlp.restore(SHAPE64, optimizer, model.updates(), before, null, 0);
                Random random = new Random(10);
                double[] x = new double[40];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) random.nextDouble(-1, 1); // float features: the float model reads them unrounded too
                }

                model.learn(x, 1);
                wide.learn(x, 1);

                double[] expected = wide.parameters();
                double[] actual = model.parameters();
                double largestMove = 0;
                for (int k = 0; k < expected.length; k++) {
                    assertEquals(expected[k], actual[k], 1e-5 * Math.abs(expected[k]) + 1e-7, optimizer + ", parameter " + k);
                    largestMove = Math.max(largestMove, Math.abs(expected[k] - before[k]));
                }
                assertTrue(largestMove > 1e-2, optimizer + ": the step moved the parameters by " + largestMove);
            }
        }
    }
}
