package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learner contract, run against every optimizer. */
@DisplayName("The learner contract")
class MlpContractTest {

    static final Architecture CLASSIFIER = Architecture.of(6, Loss.CATEGORICAL_CROSS_ENTROPY,
            new LayerSpec(8, Activation.SIGMOID), new LayerSpec(5, Activation.RELU), new LayerSpec(3, Activation.SOFTMAX));

    static List<OptimizerSpec> optimizers() {
        return List.of(OptimizerSpec.sgd(0.1), new OptimizerSpec.Sgd(0.1, 1e-3, 0.5),
                new OptimizerSpec.Momentum(0.05, 0.9, false, 0, 0), new OptimizerSpec.Momentum(0.05, 0.9, true, 1e-4, 1.0),
                OptimizerSpec.Adam.withDefaults(0.01), new OptimizerSpec.Adam(0.01, 0.8, 0.99, 1e-6, 1e-3, 2.0));
    }

    static double[] features(Random random) {
        return random.doubles(6, -1, 1).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void learningDoesNotMutateItsInputs(OptimizerSpec optimizer) {
        Mlp model = Mlp.initialize(CLASSIFIER, optimizer, 1);
        double[] x = {0.1, -0.2, 0.3, -0.4, 0.5, -0.6};
        double[] y = {0, 1, 0};
        double[] xCopy = x.clone();
        double[] yCopy = y.clone();
        model.learn(x, y);
        model.learn(x, 2);
        model.predict(x);
        assertArrayEquals(xCopy, x);
        assertArrayEquals(yCopy, y);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void equalSeedsStayBitIdenticalOverTenThousandSteps(OptimizerSpec optimizer) {
        Mlp first = Mlp.initialize(CLASSIFIER, optimizer, 42);
        Mlp second = Mlp.initialize(CLASSIFIER, optimizer, 42);
        Random stream = new Random(5);
        for (int step = 0; step < 10_000; step++) {
            double[] x = features(stream);
            int label = stream.nextInt(3);
            first.learn(x, label);
            second.learn(x, label);
        }
        assertTrue(first.bitIdentical(second));
        assertEquals(10_000, first.updates());
        assertFalse(first.bitIdentical(Mlp.initialize(CLASSIFIER, optimizer, 42)), "learning changed the model");
    }

    @Test
    void differentSeedsGiveDifferentInitialWeights() {
        assertFalse(Mlp.initialize(CLASSIFIER, OptimizerSpec.sgd(0.1), 1)
                .bitIdentical(Mlp.initialize(CLASSIFIER, OptimizerSpec.sgd(0.1), 2)));
    }

    @Test
    void initialWeightsFollowGlorotForSigmoidAndHeForRelu() {
        Mlp model = Mlp.initialize(CLASSIFIER, OptimizerSpec.sgd(0.1), 9);
        double glorot = Math.sqrt(6.0 / (6 + 8));
        double he = Math.sqrt(6.0 / 8);
        double largestFirst = 0;
        double largestSecond = 0;
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 6; j++) {
                largestFirst = Math.max(largestFirst, Math.abs(model.weight(0, i, j)));
            }
            assertEquals(0.0, model.bias(0, i));
        }
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 8; j++) {
                largestSecond = Math.max(largestSecond, Math.abs(model.weight(1, i, j)));
            }
        }
        assertTrue(largestFirst <= glorot && largestFirst > 0.6 * glorot, "glorot layer max " + largestFirst);
        assertTrue(largestSecond <= he && largestSecond > glorot, "he layer max " + largestSecond);
    }

    @Nested
    @DisplayName("a fresh model")
    class AFreshModel {
        final Mlp model = Mlp.initialize(CLASSIFIER, OptimizerSpec.Adam.withDefaults(0.01), 3);

        @Test
        void predictingNeverChangesTheModel() {
            Mlp before = model.copy();
            Random random = new Random(1);
            for (int i = 0; i < 100; i++) {
                model.predict(features(random));
            }
            assertTrue(model.bitIdentical(before));
            assertEquals(0, model.updates());
        }

        @Test
        void learningReturnsThePredictionMadeBeforeTheUpdate() {
            double[] x = features(new Random(2));
            double[] before = model.predict(x).copyOutput();
            Outcome outcome = model.learn(x, 1);
            assertArrayEquals(before, outcome.copyOutput());
            assertEquals(0, outcome.modelVersion());
            assertTrue(outcome.learned());
            double[] after = model.predict(x).copyOutput();
            assertTrue(after[1] > before[1], "the step raised the probability of the true class");
        }

        @Test
        void outputsAreAProbabilityDistributionAndNameTheirClass() {
            Outcome outcome = model.predict(features(new Random(3)));
            double sum = 0;
            int best = 0;
            for (int i = 0; i < outcome.outputs(); i++) {
                sum += outcome.output(i);
                best = outcome.output(i) > outcome.output(best) ? i : best;
            }
            assertEquals(1.0, sum, 1e-12);
            assertEquals(best, outcome.predictedClass());
            assertTrue(Double.isNaN(outcome.loss()), "plain predictions have no loss");
        }
    }

    @Nested
    @DisplayName("after some samples")
    class AfterSomeSamples {
        final Mlp model = Mlp.initialize(CLASSIFIER, new OptimizerSpec.Momentum(0.05, 0.9, true, 0, 0), 4);

        AfterSomeSamples() {
            Random random = new Random(6);
            for (int i = 0; i < 50; i++) {
                model.learn(features(random), random.nextInt(3));
            }
        }

        @Test
        void modelVersionCountsTheUpdatesAppliedBeforeThePrediction() {
            assertEquals(50, model.updates());
            Outcome outcome = model.learn(features(new Random(7)), 0);
            assertEquals(50, outcome.modelVersion());
            assertEquals(51, model.updates());
        }

        @Test
        void aCopyIsIndependent() {
            Mlp copy = model.copy();
            assertTrue(copy.bitIdentical(model));
            copy.learn(features(new Random(8)), 1);
            assertFalse(copy.bitIdentical(model));
            assertEquals(50, model.updates());
        }

        @Test
        void restoringFromPublicParametersAndStateContinuesBitIdentically() {
            Mlp restored = Mlp.restore(CLASSIFIER, model.optimizer(), model.updates(), model.parameters(),
                    new double[][] {model.optimizerState(0)}, model.optimizerSteps());
            assertTrue(restored.bitIdentical(model));
            Random stream = new Random(9);
            for (int i = 0; i < 100; i++) {
                double[] x = features(stream);
                int label = stream.nextInt(3);
                assertArrayEquals(model.learn(x, label).copyOutput(), restored.learn(x, label).copyOutput());
            }
            assertTrue(restored.bitIdentical(model));
        }
    }

    @Nested
    @DisplayName("invalid samples are rejected with evidence and leave the model untouched")
    class InvalidSamples {
        final Mlp model = Mlp.initialize(CLASSIFIER, OptimizerSpec.sgd(0.1), 5);
        final Mlp pristine = model.copy();

        private void assertRejected(InvalidSampleException.Problem problem, String evidence, Runnable call) {
            InvalidSampleException e = assertThrows(InvalidSampleException.class, call::run);
            assertEquals(problem, e.problem());
            assertTrue(e.getMessage().contains(evidence), "message '" + e.getMessage() + "' should contain '" + evidence + "'");
            assertTrue(model.bitIdentical(pristine), "the model changed");
        }

        @Test
        void wrongFeatureCount() {
            assertRejected(InvalidSampleException.Problem.WRONG_FEATURE_COUNT, "expected 6 values, found 5",
                    () -> model.learn(new double[5], 0));
            assertRejected(InvalidSampleException.Problem.WRONG_FEATURE_COUNT, "expected 6 values, found 7",
                    () -> model.predict(new double[7]));
        }

        @Test
        void nonFiniteFeatureNamesItsIndex() {
            double[] x = {0, 0, 0, Double.NaN, 0, 0};
            assertRejected(InvalidSampleException.Problem.NON_FINITE_VALUE, "features[3] is NaN", () -> model.learn(x, 0));
            double[] y = {0, Double.POSITIVE_INFINITY, 0};
            assertRejected(InvalidSampleException.Problem.NON_FINITE_VALUE, "target[1] is Infinity", () -> model.learn(new double[6], y));
        }

        @Test
        void wrongTargetCount() {
            assertRejected(InvalidSampleException.Problem.WRONG_TARGET_COUNT, "expected 3 values, found 2",
                    () -> model.learn(new double[6], new double[2]));
        }

        @Test
        void labelOutOfRange() {
            assertRejected(InvalidSampleException.Problem.LABEL_OUT_OF_RANGE, "label 3 is out of range: expected 0..2",
                    () -> model.learn(new double[6], 3));
            assertRejected(InvalidSampleException.Problem.LABEL_OUT_OF_RANGE, "label -1", () -> model.learn(new double[6], -1));
        }

        @Test
        void targetsMustBeADistributionForCategoricalCrossEntropy() {
            assertRejected(InvalidSampleException.Problem.TARGET_OUT_OF_RANGE, "target[0] is 1.5",
                    () -> model.learn(new double[6], new double[] {1.5, -0.5, 0}));
            assertRejected(InvalidSampleException.Problem.TARGET_OUT_OF_RANGE, "sums to 0.5",
                    () -> model.learn(new double[6], new double[] {0.5, 0, 0}));
        }

        @Test
        void labelsNeedAClassifier() {
            Mlp regressor = Mlp.initialize(Architecture.of(2, Loss.SQUARED_ERROR, new LayerSpec(2, Activation.LINEAR)),
                    OptimizerSpec.sgd(0.1), 1);
            InvalidSampleException e = assertThrows(InvalidSampleException.class, () -> regressor.learn(new double[2], 1));
            assertEquals(InvalidSampleException.Problem.LABEL_NOT_SUPPORTED, e.problem());
            assertTrue(e.getMessage().contains("2 linear output(s)"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("an update that would make a parameter non-finite")
    class DivergentUpdates {
        final Architecture regression = Architecture.of(1, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR));

        @Test
        void isNotAppliedAndLeavesTheModelBitIdentical() {
            for (OptimizerSpec optimizer : List.of(OptimizerSpec.sgd(1e10), new OptimizerSpec.Momentum(1e10, 0.9, true, 0, 0),
                    new OptimizerSpec.Adam(1e300, 0.9, 0.999, 1e-300, 0, 0))) {
                Mlp model = Mlp.restore(regression, optimizer, 7, new double[] {1.0, 0.0}, null, 0);
                Mlp before = model.copy();
                Outcome outcome = model.learn(new double[] {1e150}, new double[] {0.0});
                assertFalse(outcome.updateApplied(), optimizer.type());
                assertEquals(1e150, outcome.output(0), "the prediction is still reported");
                assertTrue(model.bitIdentical(before), optimizer.type() + ": model changed");
                assertEquals(7, model.updates());
                model.learn(new double[] {1.0}, new double[] {1.0});
                assertEquals(8, model.updates(), optimizer.type() + ": the next good sample is learned");
            }
        }

        @Test
        void isDistinguishedFromAStepWhoseBoundOverflowsButWhoseValuesStayFinite() {
            // W = 1e308 and the bias step is -1e308: the cheap bound |W| + step overflows, the actual values do not.
            Mlp model = Mlp.restore(regression, OptimizerSpec.sgd(1.0), 0, new double[] {1e308, 0.0}, null, 0);
            double x = 1e-300;
            double y = -1e308;
            double z = 1e308 * x;
            double delta = z - y;
            Outcome outcome = model.learn(new double[] {x}, new double[] {y});
            assertTrue(outcome.updateApplied());
            assertArrayEquals(new double[] {1e308 - 1.0 * (delta * x), 0.0 - 1.0 * delta}, model.parameters());
        }
    }
}
