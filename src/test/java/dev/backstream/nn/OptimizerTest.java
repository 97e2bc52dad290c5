package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static dev.backstream.nn.HandComputedStepTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each optimizer against steps computed by hand from the loss gradient (itself checked by {@link GradientCheckTest}):
 * three consecutive steps, so that state carried between steps is exercised.
 */
@DisplayName("Optimizers")
class OptimizerTest {

    private static final Architecture ARCHITECTURE = Architecture.of(3, Loss.SQUARED_ERROR,
            new LayerSpec(4, Activation.TANH), new LayerSpec(2, Activation.LINEAR));
    private static final double[][] XS = {{0.5, -1.0, 0.25}, {-0.3, 0.8, 1.5}, {1.2, 0.1, -0.7}};
    private static final double[][] YS = {{1.0, -0.5}, {0.2, 0.3}, {-1.0, 2.0}};

    /** Weight (as opposed to bias) positions in the public layout, for L2, which decays weights only. */
    private static boolean[] weightMask() {
        boolean[] mask = new boolean[ARCHITECTURE.parameterCount()];
        int offset = 0;
        for (int m = 1; m <= ARCHITECTURE.depth(); m++) {
            int weights = ARCHITECTURE.width(m) * ARCHITECTURE.width(m - 1);
            for (int k = 0; k < weights; k++) {
                mask[offset + k] = true;
            }
            offset += weights + ARCHITECTURE.width(m);
        }
        return mask;
    }

    private static double[] gradientAt(double[] theta, int step) {
        Mlp probe = Mlp.restore(ARCHITECTURE, OptimizerSpec.sgd(1), 0, theta, null, 0);
        double[] g = new double[theta.length];
        probe.gradient(XS[step], YS[step], g);
        return g;
    }

    private static Mlp fresh(OptimizerSpec optimizer) {
        return Mlp.initialize(ARCHITECTURE, optimizer, 2024);
    }

    @Nested
    @DisplayName("momentum")
    class MomentumSteps {
        @Test
        void classicalMomentumAccumulatesVelocity() {
            double rate = 0.05;
            double mu = 0.9;
            Mlp model = fresh(new OptimizerSpec.Momentum(rate, mu, false, 0, 0));
            double[] theta = model.parameters();
            double[] v = new double[theta.length];
            for (int t = 0; t < 3; t++) {
                double[] g = gradientAt(theta, t);
                for (int k = 0; k < theta.length; k++) {
                    v[k] = mu * v[k] + g[k];
                    theta[k] -= rate * v[k];
                }
                model.learn(XS[t], YS[t]);
                assertArrayClose(theta, model.parameters(), 1e-14);
            }
            assertArrayClose(v, model.optimizerState(0), 1e-13);
        }

        @Test
        void nesterovLooksAheadAlongTheVelocity() {
            double rate = 0.05;
            double mu = 0.8;
            Mlp model = fresh(new OptimizerSpec.Momentum(rate, mu, true, 0, 0));
            double[] theta = model.parameters();
            double[] v = new double[theta.length];
            for (int t = 0; t < 3; t++) {
                double[] g = gradientAt(theta, t);
                for (int k = 0; k < theta.length; k++) {
                    v[k] = mu * v[k] + g[k];
                    theta[k] -= rate * (g[k] + mu * v[k]);
                }
                model.learn(XS[t], YS[t]);
                assertArrayClose(theta, model.parameters(), 1e-14);
            }
        }
    }

    @Nested
    @DisplayName("Adam")
    class AdamSteps {
        @Test
        void adamUsesBiasCorrectedMoments() {
            double rate = 0.01;
            double b1 = 0.9;
            double b2 = 0.999;
            double eps = 1e-8;
            Mlp model = fresh(new OptimizerSpec.Adam(rate, b1, b2, eps, 0, 0));
            double[] theta = model.parameters();
            double[] m = new double[theta.length];
            double[] v = new double[theta.length];
            for (int t = 1; t <= 3; t++) {
                double[] g = gradientAt(theta, t - 1);
                for (int k = 0; k < theta.length; k++) {
                    m[k] = b1 * m[k] + (1 - b1) * g[k];
                    v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
                    double mHat = m[k] / (1 - Math.pow(b1, t));
                    double vHat = v[k] / (1 - Math.pow(b2, t));
                    theta[k] -= rate * mHat / (Math.sqrt(vHat) + eps);
                }
                model.learn(XS[t - 1], YS[t - 1]);
                assertArrayClose(theta, model.parameters(), 1e-14);
            }
            assertEquals(3, model.optimizerSteps());
            assertArrayClose(m, model.optimizerState(0), 1e-15);
            assertArrayClose(v, model.optimizerState(1), 1e-15);
        }

        @Test
        void theFirstAdamStepMovesEveryParameterWithANonZeroGradientByAboutTheLearningRate() {
            double rate = 0.001;
            Mlp model = fresh(OptimizerSpec.Adam.withDefaults(rate));
            double[] before = model.parameters();
            double[] g = gradientAt(before, 0);
            model.learn(XS[0], YS[0]);
            double[] after = model.parameters();
            for (int k = 0; k < before.length; k++) {
                if (Math.abs(g[k]) > 1e-6) {
                    assertEquals(-Math.signum(g[k]) * rate, after[k] - before[k], 1e-6, "parameter " + k);
                }
            }
        }
    }

    @Nested
    @DisplayName("regularization")
    class Regularization {
        @Test
        void l2DecaysWeightsButNotBiases() {
            double rate = 0.1;
            double l2 = 0.01;
            Mlp model = fresh(new OptimizerSpec.Sgd(rate, l2, 0));
            boolean[] isWeight = weightMask();
            double[] theta = model.parameters();
            for (int t = 0; t < 3; t++) {
                double[] g = gradientAt(theta, t);
                for (int k = 0; k < theta.length; k++) {
                    theta[k] -= rate * (g[k] + (isWeight[k] ? l2 * theta[k] : 0));
                }
                model.learn(XS[t], YS[t]);
                assertArrayClose(theta, model.parameters(), 1e-14);
            }
        }

        @Test
        void clippingRescalesTheWholeGradientToTheMaximumNorm() {
            double rate = 0.1;
            double clipNorm = 0.05;
            Mlp model = fresh(new OptimizerSpec.Sgd(rate, 0, clipNorm));
            double[] theta = model.parameters();
            for (int t = 0; t < 3; t++) {
                double[] g = gradientAt(theta, t);
                double norm = 0;
                for (double gk : g) {
                    norm += gk * gk;
                }
                norm = Math.sqrt(norm);
                assertTrue(norm > clipNorm, "the test gradient must exceed the clip norm, found " + norm);
                for (int k = 0; k < theta.length; k++) {
                    theta[k] -= rate * g[k] * (clipNorm / norm);
                }
                model.learn(XS[t], YS[t]);
                assertArrayClose(theta, model.parameters(), 1e-14);
            }
        }

        @Test
        void clippingLeavesGradientsBelowTheNormUnchanged() {
            Mlp clipped = fresh(new OptimizerSpec.Sgd(0.1, 0, 1e6));
            Mlp plain = fresh(OptimizerSpec.sgd(0.1));
            for (int t = 0; t < 3; t++) {
                clipped.learn(XS[t], YS[t]);
                plain.learn(XS[t], YS[t]);
            }
            assertArrayEquals(plain.parameters(), clipped.parameters());
        }
    }

    @Nested
    @DisplayName("hyper-parameter validation")
    class Validation {
        @Test
        void rejectsNonPositiveOrNonFiniteLearningRates() {
            for (double bad : new double[] {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(bad));
                assertTrue(e.getMessage().contains("learningRate") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
            }
        }

        @Test
        void rejectsMomentumAndBetasOutsideTheUnitInterval() {
            assertThrows(IllegalArgumentException.class, () -> new OptimizerSpec.Momentum(0.1, 1.0, false, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new OptimizerSpec.Adam(0.1, 0.9, -0.1, 1e-8, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new OptimizerSpec.Adam(0.1, 0.9, 0.999, 0, 0, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OptimizerSpec.Sgd(0.1, -1, 0));
            assertTrue(e.getMessage().contains("l2"), e.getMessage());
        }
    }
}
