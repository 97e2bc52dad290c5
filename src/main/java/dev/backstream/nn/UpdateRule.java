package dev.backstream.nn;

/**
 * The per-parameter arithmetic of an {@link OptimizerSpec}, applied in place to one layer at a time.
 *
 * <p>Weights are stored one array per unit (see {@link Parameters}): for a fixed unit {@code i} the inner loop runs
 * over the inputs {@code j}, every array indexed by the same {@code j}, so the JIT vectorizes it. The loss gradient of a weight is {@code g_ij = δ_i · a_j} and of a bias {@code g_i = δ_i}, where the
 * caller has already applied gradient clipping to {@code δ}.
 *
 * <p>{@link #boundsAfterStep} supports the non-finite guard, {@link FiniteStepGuard}: from upper bounds on {@code |θ|}, on each
 * state vector and on {@code |g|}, it computes upper bounds after the step using the same rounded operations as the
 * update itself, so a finite result proves every updated value is finite (rounding is monotone).
 */
abstract class UpdateRule {

    /** The rule of {@code spec}; {@code kernel} runs plain SGD's row updates. */
    static UpdateRule of(OptimizerSpec spec, Kernels.Kernel kernel) {
        if (spec instanceof OptimizerSpec.Sgd sgd) {
            return new SgdRule(sgd, kernel);
        }
        if (spec instanceof OptimizerSpec.Momentum momentum) {
            return new MomentumRule(momentum);
        }
        if (spec instanceof OptimizerSpec.Adam adam) {
            return new AdamRule(adam);
        }
        throw new AssertionError(spec);
    }

    /** Prepares the scalars of step {@code t} (1 for the first step this optimizer applies). */
    void beginStep(long t) {
    }

    /**
     * Updates the weights and biases of layer {@code m}, given its inputs {@code a^{m−1}} and (clipped) deltas
     * {@code δ^m}; {@code state} holds the optimizer's state vectors, shaped like the parameters.
     */
    abstract void updateLayer(Parameters params, Parameters[] state, int m, double[] aPrev, double[] delta);

    /**
     * {@link #updateLayer(Parameters, Parameters[], int, double[], double[])} for a float32 model: the same formula,
     * every operation in float arithmetic with the hyperparameters rounded to float.
     */
    abstract void updateLayer(FloatParameters params, FloatParameters[] state, int m, float[] aPrev, float[] delta);

    /**
     * Writes into {@code after} upper bounds on {@code |θ|} (index 0) and on each state vector (indexes 1..) after one
     * step, given the same bounds before it and {@code gradientBound ≥ |g|}. Returns whether all are finite.
     */
    abstract boolean boundsAfterStep(double[] before, double gradientBound, double[] after);

    /** SGD: {@code θ ← θ − λ (g + l2·θ)}. */
    static final class SgdRule extends UpdateRule {
        private final double rate;
        private final double l2;
        private final Kernels.Kernel kernel;

        SgdRule(OptimizerSpec.Sgd spec, Kernels.Kernel kernel) {
            this.rate = spec.learningRate();
            this.l2 = spec.l2();
            this.kernel = kernel;
        }

        @Override
        void updateLayer(Parameters params, Parameters[] state, int m, double[] aPrev, double[] delta) {
            double[][] rows = params.weights[m];
            int nIn = aPrev.length;
            for (int i = 0; i < rows.length; i++) {
                double di = delta[i];
                double[] w = rows[i];
                if (l2 == 0.0) {
                    if (di == 0.0) {
                        continue; // g_ij = 0 for the whole row: W_i· is unchanged
                    }
                    kernel.subtractScaled(w, aPrev, di, rate, nIn); // W_ij ← W_ij − λ δ_i a_j
                } else {
                    for (int j = 0; j < nIn; j++) {
                        w[j] -= rate * (di * aPrev[j] + l2 * w[j]);
                    }
                }
            }
            double[] b = params.biases[m];
            for (int i = 0; i < b.length; i++) {
                b[i] -= rate * delta[i]; // b_i ← b_i − λ δ_i
            }
        }

        @Override
        void updateLayer(FloatParameters params, FloatParameters[] state, int m, float[] aPrev, float[] delta) {
            float rate = (float) this.rate;
            float l2 = (float) this.l2;
            float[][] rows = params.weights[m];
            int nIn = aPrev.length;
            for (int i = 0; i < rows.length; i++) {
                float di = delta[i];
                float[] w = rows[i];
                if (l2 == 0f) {
                    float s = rate * di; // λ δ_i, once per row
                    if (s != 0f) {
                        kernel.subtractScaled(w, aPrev, s, nIn); // W_ij ← W_ij − (λ δ_i) a_j
                    }
                } else {
                    for (int j = 0; j < nIn; j++) {
                        w[j] -= rate * (di * aPrev[j] + l2 * w[j]);
                    }
                }
            }
            float[] b = params.biases[m];
            for (int i = 0; i < b.length; i++) {
                b[i] -= rate * delta[i];
            }
        }

        @Override
        boolean boundsAfterStep(double[] before, double gradientBound, double[] after) {
            double g = gradientBound + l2 * before[0];
            after[0] = before[0] + rate * g;
            return Double.isFinite(after[0]);
        }
    }

    /** Momentum: {@code v ← μ v + g}; {@code θ ← θ − λ v}, or {@code θ ← θ − λ (g + μ v)} for Nesterov. */
    static final class MomentumRule extends UpdateRule {
        private final double rate;
        private final double mu;
        private final boolean nesterov;
        private final double l2;

        MomentumRule(OptimizerSpec.Momentum spec) {
            this.rate = spec.learningRate();
            this.mu = spec.momentum();
            this.nesterov = spec.nesterov();
            this.l2 = spec.l2();
        }

        @Override
        void updateLayer(Parameters params, Parameters[] state, int m, double[] aPrev, double[] delta) {
            double[][] rows = params.weights[m];
            double[][] velocities = state[0].weights[m];
            int nIn = aPrev.length;
            int nOut = delta.length;
            for (int i = 0; i < nOut; i++) {
                double di = delta[i];
                double[] w = rows[i];
                double[] v = velocities[i];
                if (nesterov) {
                    for (int j = 0; j < nIn; j++) {
                        double g = di * aPrev[j] + l2 * w[j];
                        v[j] = mu * v[j] + g;
                        w[j] -= rate * (g + mu * v[j]);
                    }
                } else {
                    for (int j = 0; j < nIn; j++) {
                        v[j] = mu * v[j] + (di * aPrev[j] + l2 * w[j]);
                        w[j] -= rate * v[j];
                    }
                }
            }
            double[] b = params.biases[m];
            double[] v = state[0].biases[m];
            for (int i = 0; i < nOut; i++) {
                double g = delta[i];
                v[i] = mu * v[i] + g;
                b[i] -= nesterov ? rate * (g + mu * v[i]) : rate * v[i];
            }
        }

        @Override
        void updateLayer(FloatParameters params, FloatParameters[] state, int m, float[] aPrev, float[] delta) {
            float rate = (float) this.rate;
            float mu = (float) this.mu;
            float l2 = (float) this.l2;
            float[][] rows = params.weights[m];
            float[][] velocities = state[0].weights[m];
            int nIn = aPrev.length;
            int nOut = delta.length;
            for (int i = 0; i < nOut; i++) {
                float di = delta[i];
                float[] w = rows[i];
                float[] v = velocities[i];
                for (int j = 0; j < nIn; j++) {
                    float g = di * aPrev[j] + l2 * w[j];
                    v[j] = mu * v[j] + g;
                    w[j] -= nesterov ? rate * (g + mu * v[j]) : rate * v[j];
                }
            }
            float[] b = params.biases[m];
            float[] v = state[0].biases[m];
            for (int i = 0; i < nOut; i++) {
                float g = delta[i];
                v[i] = mu * v[i] + g;
                b[i] -= nesterov ? rate * (g + mu * v[i]) : rate * v[i];
            }
        }

        @Override
        boolean boundsAfterStep(double[] before, double gradientBound, double[] after) {
            double g = gradientBound + l2 * before[0];
            double v = mu * before[1] + g;
            after[1] = v;
            after[0] = before[0] + (nesterov ? rate * (g + mu * v) : rate * v);
            return Double.isFinite(after[0]) && Double.isFinite(after[1]);
        }
    }

    /** Adam with bias correction; {@code t} is the number of steps this optimizer has applied, this one included. */
    static final class AdamRule extends UpdateRule {
        private final double rate;
        private final double beta1;
        private final double beta2;
        private final double oneMinusBeta1;
        private final double oneMinusBeta2;
        private final double epsilon;
        private final double l2;
        private double correction1;
        private double correction2;

        AdamRule(OptimizerSpec.Adam spec) {
            this.rate = spec.learningRate();
            this.beta1 = spec.beta1();
            this.beta2 = spec.beta2();
            this.oneMinusBeta1 = 1.0 - beta1;
            this.oneMinusBeta2 = 1.0 - beta2;
            this.epsilon = spec.epsilon();
            this.l2 = spec.l2();
        }

        @Override
        void beginStep(long t) {
            // A function of t alone (not a running product), so a warm start from a snapshot continues bit for bit.
            correction1 = 1.0 - StrictMath.pow(beta1, t);
            correction2 = 1.0 - StrictMath.pow(beta2, t);
        }

        @Override
        void updateLayer(Parameters params, Parameters[] state, int layer, double[] aPrev, double[] delta) {
            double[][] rows = params.weights[layer];
            double[][] firstMoments = state[0].weights[layer];
            double[][] secondMoments = state[1].weights[layer];
            int nIn = aPrev.length;
            int nOut = delta.length;
            for (int i = 0; i < nOut; i++) {
                double di = delta[i];
                double[] w = rows[i];
                double[] m = firstMoments[i];
                double[] v = secondMoments[i];
                for (int j = 0; j < nIn; j++) {
                    double g = di * aPrev[j] + l2 * w[j];
                    m[j] = beta1 * m[j] + oneMinusBeta1 * g;
                    v[j] = beta2 * v[j] + oneMinusBeta2 * (g * g);
                    w[j] -= rate * (m[j] / correction1) / (Math.sqrt(v[j] / correction2) + epsilon);
                }
            }
            double[] b = params.biases[layer];
            double[] m = state[0].biases[layer];
            double[] v = state[1].biases[layer];
            for (int i = 0; i < nOut; i++) {
                double g = delta[i];
                m[i] = beta1 * m[i] + oneMinusBeta1 * g;
                v[i] = beta2 * v[i] + oneMinusBeta2 * (g * g);
                b[i] -= rate * (m[i] / correction1) / (Math.sqrt(v[i] / correction2) + epsilon);
            }
        }

        @Override
        void updateLayer(FloatParameters params, FloatParameters[] state, int layer, float[] aPrev, float[] delta) {
            float rate = (float) this.rate;
            float beta1 = (float) this.beta1;
            float beta2 = (float) this.beta2;
            float oneMinusBeta1 = (float) this.oneMinusBeta1;
            float oneMinusBeta2 = (float) this.oneMinusBeta2;
            float epsilon = (float) this.epsilon;
            float l2 = (float) this.l2;
            float correction1 = (float) this.correction1;
            float correction2 = (float) this.correction2;
            float[][] rows = params.weights[layer];
            float[][] firstMoments = state[0].weights[layer];
            float[][] secondMoments = state[1].weights[layer];
            int nIn = aPrev.length;
            int nOut = delta.length;
            for (int i = 0; i < nOut; i++) {
                float di = delta[i];
                float[] w = rows[i];
                float[] m = firstMoments[i];
                float[] v = secondMoments[i];
                for (int j = 0; j < nIn; j++) {
                    float g = di * aPrev[j] + l2 * w[j];
                    m[j] = beta1 * m[j] + oneMinusBeta1 * g;
                    v[j] = beta2 * v[j] + oneMinusBeta2 * (g * g);
                    // the square root of a float, taken in double and rounded once, is the correctly rounded float one
                    w[j] -= rate * (m[j] / correction1) / ((float) Math.sqrt(v[j] / correction2) + epsilon);
                }
            }
            float[] b = params.biases[layer];
            float[] m = state[0].biases[layer];
            float[] v = state[1].biases[layer];
            for (int i = 0; i < nOut; i++) {
                float g = delta[i];
                m[i] = beta1 * m[i] + oneMinusBeta1 * g;
                v[i] = beta2 * v[i] + oneMinusBeta2 * (g * g);
                b[i] -= rate * (m[i] / correction1) / ((float) Math.sqrt(v[i] / correction2) + epsilon);
            }
        }

        @Override
        boolean boundsAfterStep(double[] before, double gradientBound, double[] after) {
            double g = gradientBound + l2 * before[0];
            double m = beta1 * before[1] + oneMinusBeta1 * g;
            double v = beta2 * before[2] + oneMinusBeta2 * (g * g);
            after[1] = m;
            after[2] = v;
            // √(v̂) + ε ≥ ε, so each step is at most λ (m / (1 − β1^t)) / ε.
            after[0] = before[0] + rate * (m / correction1) / epsilon;
            return Double.isFinite(after[0]) && Double.isFinite(m) && Double.isFinite(v);
        }
    }
}
