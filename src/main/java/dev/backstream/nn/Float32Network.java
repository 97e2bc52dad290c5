package dev.backstream.nn;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The learning step of a {@link Dtype#FLOAT32} {@link Mlp}: the same equations as the float64 model (see
 * {@code docs/math.md}), with weights, biases and optimizer state held as floats.
 *
 * <h2>What runs in float, what in double</h2>
 * Every operation over the parameters runs in float arithmetic: the forward mix {@code z_i = Σ_j W_ij a_j + b_i}
 * ({@link Kernels.Kernel#dot(float[], float[], int)}'s fixed order), the weight updates ({@link UpdateRule}'s float
 * methods) and backpropagation's {@code Wᵀ δ}. So do sigmoid and softmax ({@link Float32Math}: a float {@code exp}
 * within 1 ulp, vectorized for sigmoid layers), the activations that cost an exponential per unit. The other per-unit
 * values are computed in double from float inputs, with the float64 model's {@link Activation} and {@link Loss} code
 * (tanh, ReLU and linear activations, their derivatives, the output delta, the loss), and rounded to the nearest float
 * where they enter a product: the features, each hidden layer's activations and every delta (after clipping).
 *
 * <p>Plain SGD without l2 scales each unit's delta by the learning rate once, {@code s_i = λ δ_i}, and updates
 * {@code W_ij ← W_ij − s_i a_j}, {@code b_i ← b_i − s_i}: one multiplication per weight. Its update is deferred into the next forward pass and fused with it, as for float64
 * ({@link DeferredSgdUpdate}); the finite-step guard proves each step finite from bounds, as {@link FiniteStepGuard}
 * does, against the float range (with a margin) instead of the double one.
 *
 * <p>Deterministic: IEEE 754 float and double operations in a fixed order, no fused multiply-add, the same bits with
 * either {@link Kernels} implementation. Not thread-safe.
 */
final class Float32Network {
    /** Bounds above this are not trusted to prove a float step finite: far below the float maximum (~2^128). */
    private static final double SAFE_BOUND = 0x1p100;
    /**
     * Largest bound on a gradient component {@code |g| ≤ G + l2·max|θ|} for which every float intermediate is proved
     * finite: {@code g·g} in Adam, and Adam's {@code λ (m / (1 − β1^t))} with {@code m ≤ max(m, g)},
     * {@code 1 − β1^t ≥ 2^-24} and {@code λ ≤ 2^20} ({@link #requireFloatHyperparameters}).
     */
    private static final double SAFE_GRADIENT = 0x1p50;
    /** The largest learning rate a float32 model takes (see {@link #SAFE_GRADIENT}); any practical one is far below. */
    static final double MAX_LEARNING_RATE = 0x1p20;
    /** Rows shorter than this take {@link #mixShortRows}: one iteration of the kernels' float loops is 32 values. */
    private static final int SHORT_ROW = 32;

    private final Architecture architecture;
    private final OptimizerSpec spec;
    private final Kernels.Kernel kernel;
    private final int depth;
    private final Activation[] activation;
    private final FloatParameters params;
    private final FloatParameters[] state;
    private final UpdateRule rule;
    private long updates;
    private long optimizerSteps;

    /** Per-unit scratch in double ({@code z[m]}, {@code a[0..L]}, {@code delta[m]}), as in the float64 model. */
    private final double[][] z;
    private final double[][] a;
    private final double[][] delta;
    /** The float copies of {@code a[m]} (m < L) and {@code delta[m]} that the products use, and the float mixes. */
    private final float[][] af;
    private final float[][] zf;
    private final float[] outputF;
    private final float[][] df;
    private final float[][] belowF;
    private final double[] labelTarget;
    private final Outcome outcome;

    /** Plain SGD without l2: the pending step's inputs and deltas, applied by the next forward pass. */
    private final boolean defers;
    private final float rate;
    private final float[][] pendingInput;
    private final float[][] pendingDelta;
    /** The kernels' scratch space ({@link Kernels.Kernel#subtractScaledThenDotFour}). */
    private final float[] scratch = new float[32];
    private boolean pending;

    /** {@code bounds[0] ≥ max|θ|}, {@code bounds[k+1] ≥ max|state[k]|}. */
    private final double[] bounds;
    private final double[] nextBounds;
    private FloatParameters backupParams;
    private FloatParameters[] backupState;

    Float32Network(Architecture architecture, OptimizerSpec spec, Kernels.Kernel kernel, FloatParameters params,
                   FloatParameters[] state, long updates, long optimizerSteps) {
        this.architecture = architecture;
        this.spec = spec;
        this.kernel = kernel;
        this.depth = architecture.depth();
        this.activation = architecture.layers().stream().map(LayerSpec::activation).toArray(Activation[]::new);
        this.params = params;
        this.state = state;
        this.rule = UpdateRule.of(spec, kernel);
        this.updates = updates;
        this.optimizerSteps = optimizerSteps;
        this.z = Parameters.perUnit(architecture, 0);
        this.delta = Parameters.perUnit(architecture, 0);
        this.a = Parameters.perUnit(architecture, 1);
        this.a[0] = new double[architecture.inputs()];
        this.af = new float[depth][];
        this.zf = new float[depth][];
        this.outputF = new float[architecture.outputs()];
        this.df = new float[depth][];
        this.pendingInput = new float[depth][];
        this.pendingDelta = new float[depth][];
        for (int m = 0; m < depth; m++) {
            af[m] = new float[architecture.width(m)];
            zf[m] = new float[architecture.width(m + 1)];
            df[m] = new float[architecture.width(m + 1)];
            pendingInput[m] = new float[architecture.width(m)];
            pendingDelta[m] = new float[architecture.width(m + 1)];
        }
        this.belowF = new float[depth][];
        for (int m = 1; m < depth; m++) {
            belowF[m] = new float[architecture.width(m)];
        }
        this.labelTarget = new double[architecture.outputs()];
        this.outcome = new Outcome(architecture.outputs(), architecture.classes());
        requireFloatHyperparameters(spec);
        this.defers = DeferredSgdUpdate.appliesTo(spec);
        this.rate = (float) spec.learningRate();
        this.bounds = new double[1 + state.length];
        this.nextBounds = new double[1 + state.length];
        tightenBounds();
    }

    /**
     * Rejects hyperparameters whose float values would change the optimizer: a learning rate or Adam ε that rounds to 0
     * or beyond the float range, an l2 beyond it, a β or momentum that rounds to 1. With these excluded, the finite-step
     * guard's bounds, computed in double, also bound every float intermediate.
     *
     * @throws IllegalArgumentException naming the setting, its value and the float32 limit
     */
    static void requireFloatHyperparameters(OptimizerSpec spec) {
        requireFloat("learningRate", spec.learningRate(), true);
        if (spec.learningRate() > MAX_LEARNING_RATE) {
            throw new IllegalArgumentException("learningRate " + spec.learningRate() + " is above " + MAX_LEARNING_RATE
                    + ", the largest a float32 model takes");
        }
        requireFloat("l2", spec.l2(), false);
        if (spec instanceof OptimizerSpec.Momentum momentum) {
            requireBelowOne("momentum", momentum.momentum());
        } else if (spec instanceof OptimizerSpec.Adam adam) {
            requireBelowOne("beta1", adam.beta1());
            requireBelowOne("beta2", adam.beta2());
            requireFloat("epsilon", adam.epsilon(), true);
        }
    }

    private static void requireFloat(String name, double value, boolean positive) {
        float rounded = (float) value;
        if (!Float.isFinite(rounded) || (positive && rounded == 0f && value != 0)) {
            throw new IllegalArgumentException(name + " " + value + " is " + (Float.isFinite(rounded) ? "0" : "infinite")
                    + " as a float; a float32 model needs it within the float range (about 1.4e-45 to 3.4e38)");
        }
    }

    private static void requireBelowOne(String name, double value) {
        if ((float) value >= 1f) {
            throw new IllegalArgumentException(name + " " + value + " rounds to 1 as a float; a float32 model needs it at most "
                    + Math.nextDown(1f));
        }
    }

    /** A fresh model: the float64 model's initial weights for {@code seed}, each rounded to the nearest float. */
    static Float32Network initialize(Architecture architecture, OptimizerSpec spec, long seed, Kernels.Kernel kernel) {
        Parameters initial = Initialization.glorotOrHe(architecture, seed);
        return new Float32Network(architecture, spec, kernel,
                FloatParameters.fromPublic(architecture, initial.toPublic(), "parameters", "parameter"),
                FloatParameters.state(architecture, spec, null), 0, 0);
    }

    /** Reads the parameters and state vectors written by {@link #put}; the caller has read the header. */
    static Float32Network decode(Architecture architecture, OptimizerSpec spec, ByteBuffer in, long updates, long optimizerSteps) {
        FloatParameters params = FloatParameters.zeros(architecture);
        params.get(in);
        FloatParameters[] state = new FloatParameters[spec.stateVectors()];
        for (int k = 0; k < state.length; k++) {
            state[k] = FloatParameters.zeros(architecture);
            state[k].get(in);
        }
        double[] stateMaxAbs = new double[state.length];
        for (int k = 0; k < state.length; k++) {
            stateMaxAbs[k] = state[k].maxAbs();
        }
        Mlp.requireFiniteDecoded(params.maxAbs(), stateMaxAbs);
        return new Float32Network(architecture, spec, Kernels.preferred(), params, state, updates, optimizerSteps);
    }

    Outcome predict(double[] x) {
        forward(x);
        outcome.set(a[depth], updates, Double.NaN, false, false);
        return outcome;
    }

    Outcome learn(double[] x, double[] y) {
        forward(x); // a[m+1] = σ_m(W_m a[m] + b_m), in float products
        double loss = architecture.loss().value(z[depth - 1], a[depth], y, a[depth].length);
        long versionBefore = updates;
        backward(y); // δ_m = ∂C/∂z_m, each rounded to float as it is computed
        if (spec.clipNorm() > 0) {
            GradientClipping.clip(spec.clipNorm(), a, delta); // g ← g · min(1, c / ‖g‖)
            for (int m = 0; m < depth; m++) {
                round(delta[m], df[m]); // the scaled deltas, rounded again
            }
        }
        boolean applied = step(); // θ ← θ − λ u_t(g), unless a value would become non-finite
        updates += applied ? 1 : 0;
        outcome.set(a[depth], versionBefore, loss, true, applied);
        return outcome;
    }

    Outcome learn(double[] x, int label) {
        return learn(x, architecture.targetOf(label, labelTarget));
    }

    double loss(double[] x, double[] y) {
        forward(x);
        return architecture.loss().value(z[depth - 1], a[depth], y, a[depth].length);
    }

    /** {@code a[m+1] = σ_m(z_m)}, {@code z_m = W_m a[m] + b_m}; completes a pending SGD update on the way. */
    private void forward(double[] x) {
        round(x, af[0], a[0]);
        for (int m = 0; m < depth; m++) {
            mix(m, af[m], zf[m]);
            activate(activation[m], kernel, zf[m], z[m], m + 1 < depth ? af[m + 1] : outputF, a[m + 1]);
        }
        pending = false;
    }

    /**
     * {@code a = σ(z)} from the float mix {@code zf}: sigmoid and softmax in float ({@link Float32Math}), the other
     * activations in double from the widened mix and rounded. Leaves the widened mix in {@code z}, the float output in
     * {@code outF} and its exact double value in {@code a}.
     */
    private static void activate(Activation activation, Kernels.Kernel kernel, float[] zf, double[] z, float[] outF, double[] a) {
        int n = zf.length;
        for (int i = 0; i < n; i++) {
            z[i] = zf[i];
        }
        switch (activation) {
            case SIGMOID -> kernel.sigmoid(zf, outF, n);
            case SOFTMAX -> Float32Math.softmax(zf, outF, n);
            default -> {
                activation.apply(z, a, n);
                round(a, outF, null);
            }
        }
        for (int i = 0; i < n; i++) {
            a[i] = outF[i];
        }
    }

    /**
     * {@code z_i = Σ_j W_ij in_j + b_i} in float; with an update pending, each row is first updated
     * ({@code W_ij ← W_ij − λ δ_i a_j}, {@code b_i ← b_i − λ δ_i}) in the same pass.
     */
    private void mix(int m, float[] in, float[] zm) {
        float[][] rows = params.weights[m];
        float[] b = params.biases[m];
        int nIn = in.length;
        if (nIn < SHORT_ROW) {
            mixShortRows(rows, b, in, zm, m);
            return;
        }
        if (!pending) {
            for (int i = 0; i < zm.length; i++) {
                zm[i] = kernel.dot(rows[i], in, nIn) + b[i];
            }
            return;
        }
        float[] p = pendingInput[m];
        float[] d = pendingDelta[m];
        int i = 0;
        for (; i + 3 < zm.length; i += 4) { // four rows per kernel call (it shares the loads of p and in between pairs of rows)
            float s0 = rate * d[i]; // λ δ_i, once per row
            float s1 = rate * d[i + 1];
            float s2 = rate * d[i + 2];
            float s3 = rate * d[i + 3];
            if (s0 != 0f && s1 != 0f && s2 != 0f && s3 != 0f) {
                kernel.subtractScaledThenDotFour(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], p, s0, s1, s2, s3, in, nIn, zm, i, scratch);
            } else {
                zm[i] = stepThenDot(rows[i], p, s0, in);
                zm[i + 1] = stepThenDot(rows[i + 1], p, s1, in);
                zm[i + 2] = stepThenDot(rows[i + 2], p, s2, in);
                zm[i + 3] = stepThenDot(rows[i + 3], p, s3, in);
            }
        }
        for (; i < zm.length; i++) {
            zm[i] = stepThenDot(rows[i], p, rate * d[i], in);
        }
        for (int k = 0; k < zm.length; k++) {
            b[k] -= rate * d[k];
            zm[k] += b[k];
        }
    }

    /** One row's update by {@code s = λ δ_i} then its dot product; a zero step leaves the row's bits untouched. */
    private float stepThenDot(float[] w, float[] p, float s, float[] in) {
        return s != 0f ? kernel.subtractScaledThenDot(w, p, s, in, in.length) : kernel.dot(w, in, in.length);
    }

    /**
     * {@link #mix} for rows shorter than one pass of the kernels' loop, in plain loops here: the kernels' own arithmetic
     * for such rows (the dot product's 32 partial sums are all empty, so it is the sequential sum), without a call per
     * row, which the compiler directive keeps out of line and which costs more than a short row's work. Four rows per
     * pass over the inputs: each row's sum is a chain of dependent additions, and four independent chains in one loop
     * overlap (measured for S2's 32 rows of 8 inputs: 143 ns instead of 290 ns; eight rows per pass, 175 ns).
     */
    private void mixShortRows(float[][] rows, float[] b, float[] in, float[] zm, int m) {
        float[] p = pendingInput[m];
        float[] d = pendingDelta[m];
        int nIn = in.length;
        int i = 0;
        if (!pending) { // nothing to write: the same sums, without storing the rows back
            for (; i + 3 < zm.length; i += 4) {
                float[] w0 = rows[i];
                float[] w1 = rows[i + 1];
                float[] w2 = rows[i + 2];
                float[] w3 = rows[i + 3];
                float dot0 = 0f;
                float dot1 = 0f;
                float dot2 = 0f;
                float dot3 = 0f;
                for (int j = 0; j < nIn; j++) {
                    float xj = in[j];
                    dot0 += w0[j] * xj;
                    dot1 += w1[j] * xj;
                    dot2 += w2[j] * xj;
                    dot3 += w3[j] * xj;
                }
                zm[i] = dot0 + b[i];
                zm[i + 1] = dot1 + b[i + 1];
                zm[i + 2] = dot2 + b[i + 2];
                zm[i + 3] = dot3 + b[i + 3];
            }
            for (; i < zm.length; i++) {
                float[] w = rows[i];
                float dot = 0f;
                for (int j = 0; j < nIn; j++) {
                    dot += w[j] * in[j];
                }
                zm[i] = dot + b[i];
            }
            return;
        }
        for (; i + 3 < zm.length; i += 4) {
            float[] w0 = rows[i];
            float[] w1 = rows[i + 1];
            float[] w2 = rows[i + 2];
            float[] w3 = rows[i + 3];
            float s0 = rate * d[i]; // a zero step leaves the row's bits untouched
            float s1 = rate * d[i + 1];
            float s2 = rate * d[i + 2];
            float s3 = rate * d[i + 3];
            float dot0 = 0f;
            float dot1 = 0f;
            float dot2 = 0f;
            float dot3 = 0f;
            for (int j = 0; j < nIn; j++) {
                float pj = p[j];
                float xj = in[j];
                float u0 = s0 != 0f ? w0[j] - s0 * pj : w0[j];
                float u1 = s1 != 0f ? w1[j] - s1 * pj : w1[j];
                float u2 = s2 != 0f ? w2[j] - s2 * pj : w2[j];
                float u3 = s3 != 0f ? w3[j] - s3 * pj : w3[j];
                w0[j] = u0;
                w1[j] = u1;
                w2[j] = u2;
                w3[j] = u3;
                dot0 += u0 * xj;
                dot1 += u1 * xj;
                dot2 += u2 * xj;
                dot3 += u3 * xj;
            }
            zm[i] = dot0;
            zm[i + 1] = dot1;
            zm[i + 2] = dot2;
            zm[i + 3] = dot3;
        }
        for (; i < zm.length; i++) {
            float[] w = rows[i];
            float s = rate * d[i];
            if (s != 0f) {
                for (int j = 0; j < nIn; j++) {
                    w[j] -= s * p[j];
                }
            }
            float dot = 0f;
            for (int j = 0; j < nIn; j++) {
                dot += w[j] * in[j];
            }
            zm[i] = dot;
        }
        for (int k = 0; k < zm.length; k++) {
            b[k] -= rate * d[k];
            zm[k] += b[k];
        }
    }

    /**
     * {@code δ_L}, then {@code δ_{m−1} = (W_mᵀ δ_m) ∘ σ'_{m−1}(z_{m−1})} with the products in float; each
     * {@code δ_m} is rounded to float (in {@code df[m]}, and in place) as soon as it is computed.
     */
    private void backward(double[] y) {
        int last = depth - 1;
        architecture.loss().outputDelta(activation[last], z[last], a[depth], y, delta[last], delta[last].length);
        round(delta[last], df[last]);
        for (int m = last; m > 0; m--) {
            float[] below = belowF[m];
            Arrays.fill(below, 0f);
            float[][] rows = params.weights[m];
            float[] dm1 = df[m];
            int i = 0;
            if (below.length >= SHORT_ROW) { // four rows per kernel call when all four have a δ_i ≠ 0 (the same sums)
                for (; i + 3 < rows.length; i += 4) {
                    if (dm1[i] != 0f && dm1[i + 1] != 0f && dm1[i + 2] != 0f && dm1[i + 3] != 0f) {
                        kernel.addScaledFour(below, rows[i], rows[i + 1], rows[i + 2], rows[i + 3], dm1[i], dm1[i + 1], dm1[i + 2],
                                dm1[i + 3], below.length);
                    } else {
                        for (int k = i; k < i + 4; k++) {
                            if (dm1[k] != 0f) {
                                kernel.addScaled(below, rows[k], dm1[k], below.length);
                            }
                        }
                    }
                }
            }
            for (; i < rows.length; i++) {
                if (dm1[i] != 0f) {
                    kernel.addScaled(below, rows[i], dm1[i], below.length); // (Wᵀ δ)_j = Σ_i W_ij δ_i, row by row
                }
            }
            double[] dm = delta[m - 1];
            for (int j = 0; j < dm.length; j++) {
                dm[j] = below[j];
            }
            activation[m - 1].multiplyByDerivative(dm, z[m - 1], a[m], dm.length);
            round(dm, df[m - 1]);
        }
    }

    /** The optimizer step on {@code af}, {@code df}, proved finite (deferred or applied) or applied and checked. */
    private boolean step() {
        double gradientBound = 0.0; // G ≥ |g| for every weight and bias
        for (int m = 0; m < depth; m++) {
            gradientBound = Math.max(gradientBound, FloatParameters.maxAbs(df[m]) * Math.max(FloatParameters.maxAbs(af[m]), 1.0));
        }
        if (!Double.isFinite(gradientBound)) {
            return false;
        }
        rule.beginStep(optimizerSteps + 1);
        if (!provedFinite(gradientBound)) {
            tightenBounds();
            if (!provedFinite(gradientBound)) {
                return stepCheckingEveryValue();
            }
        }
        if (defers) {
            for (int m = 0; m < depth; m++) {
                System.arraycopy(af[m], 0, pendingInput[m], 0, af[m].length);
                System.arraycopy(df[m], 0, pendingDelta[m], 0, df[m].length);
            }
            pending = true;
        } else {
            applyToAllLayers();
        }
        System.arraycopy(nextBounds, 0, bounds, 0, bounds.length);
        optimizerSteps += state.length > 0 ? 1 : 0;
        return true;
    }

    /**
     * Whether the bounds after the step stay within {@link #SAFE_BOUND}: the rule computes them in double from the
     * exact hyperparameters; the float step's every intermediate is within a factor {@code (1 + 2^-23)^k} of them, so
     * with the margin up to {@code 2^128} each float result is proved finite.
     */
    private boolean provedFinite(double gradientBound) {
        if (!(gradientBound + spec.l2() * bounds[0] <= SAFE_GRADIENT) || !rule.boundsAfterStep(bounds, gradientBound, nextBounds)) {
            return false;
        }
        for (double bound : nextBounds) {
            if (!(bound <= SAFE_BOUND)) {
                return false;
            }
        }
        return true;
    }

    private void applyToAllLayers() {
        for (int m = 0; m < depth; m++) {
            rule.updateLayer(params, state, m, af[m], df[m]);
        }
    }

    private boolean stepCheckingEveryValue() {
        if (backupParams == null) {
            backupParams = params.copy();
            backupState = new FloatParameters[state.length];
            for (int k = 0; k < state.length; k++) {
                backupState[k] = state[k].copy();
            }
        }
        backupParams.copyFrom(params); // tightenBounds() has applied any pending update
        for (int k = 0; k < state.length; k++) {
            backupState[k].copyFrom(state[k]);
        }
        applyToAllLayers();
        tightenBounds();
        for (double bound : bounds) {
            if (!Double.isFinite(bound)) {
                params.copyFrom(backupParams);
                for (int k = 0; k < state.length; k++) {
                    state[k].copyFrom(backupState[k]);
                }
                tightenBounds();
                return false;
            }
        }
        optimizerSteps += state.length > 0 ? 1 : 0;
        return true;
    }

    /** Recomputes the bounds as the exact maxima, after applying a pending update (they must bound its result). */
    private void tightenBounds() {
        applyPending(params);
        pending = false;
        bounds[0] = params.maxAbs();
        for (int k = 0; k < state.length; k++) {
            bounds[k + 1] = state[k].maxAbs();
        }
    }

    /** Applies the pending update, if any, to {@code target} (the parameters or a copy), with the fused pass's bits. */
    private FloatParameters applyPending(FloatParameters target) {
        if (pending) {
            for (int m = 0; m < depth; m++) {
                float[] p = pendingInput[m];
                float[] d = pendingDelta[m];
                for (int i = 0; i < d.length; i++) {
                    float s = rate * d[i];
                    if (s != 0f) {
                        kernel.subtractScaled(target.weights[m][i], p, s, p.length);
                    }
                    target.biases[m][i] -= s;
                }
            }
        }
        return target;
    }

    /** The parameters as of the last completed step: the stored ones, or a copy with the pending update applied. */
    private FloatParameters visibleParameters() {
        return pending ? applyPending(params.copy()) : params;
    }

    /** A deep copy that trains on with {@code optimizer} (of the same type), with nothing pending. */
    Float32Network withOptimizer(OptimizerSpec optimizer) {
        FloatParameters[] stateCopy = new FloatParameters[state.length];
        for (int k = 0; k < state.length; k++) {
            stateCopy[k] = state[k].copy();
        }
        return new Float32Network(architecture, optimizer, kernel, applyPending(params.copy()), stateCopy, updates, optimizerSteps);
    }

    /** A thread-safe scorer over a copy of the current parameters. */
    FrozenMlp freeze() {
        FloatParameters frozen = applyPending(params.copy());
        return new FrozenMlp(architecture, updates, features -> output(architecture, kernel, frozen, features));
    }

    /** The float64 model with exactly these parameters and state (widening is exact), e.g. for gradient checks. */
    Mlp widened() {
        Architecture wide = architecture.withDtype(Dtype.FLOAT64);
        Parameters[] wideState = new Parameters[state.length];
        for (int k = 0; k < state.length; k++) {
            wideState[k] = state[k].widened(architecture);
        }
        return new Mlp(wide, spec, kernel, visibleParameters().widened(architecture), wideState, updates, optimizerSteps);
    }

    /**
     * What {@link #predict} computes with {@code params} and nothing pending, in buffers of its own: the forward pass
     * of a frozen float32 model.
     */
    static double[] output(Architecture architecture, Kernels.Kernel kernel, FloatParameters params, double[] x) {
        float[] in = new float[x.length];
        round(x, in, null);
        double[] out = null;
        for (int m = 0; m < architecture.depth(); m++) {
            float[][] rows = params.weights[m];
            float[] b = params.biases[m];
            float[] zm = new float[rows.length];
            for (int i = 0; i < zm.length; i++) {
                zm[i] = kernel.dot(rows[i], in, in.length) + b[i];
            }
            out = new double[zm.length];
            float[] outF = new float[zm.length];
            activate(architecture.layers().get(m).activation(), kernel, zm, new double[zm.length], outF, out);
            in = outF;
        }
        return out;
    }

    /** {@code into[j] = (float) values[j]}, and {@code values[j]} set to that float's exact double value. */
    private static void round(double[] values, float[] into) {
        round(values, into, values);
    }

    /** {@code into[j] = (float) values[j]}; {@code exact[j]} (when given) set to that float's exact double value. */
    private static void round(double[] values, float[] into, double[] exact) {
        for (int j = 0; j < into.length; j++) {
            into[j] = (float) values[j];
            if (exact != null) {
                exact[j] = into[j];
            }
        }
    }

    long updates() {
        return updates;
    }

    long optimizerSteps() {
        return optimizerSteps;
    }

    OptimizerSpec optimizer() {
        return spec;
    }

    double weight(int layer, int unit, int input) {
        float w = params.weights[layer][unit][input];
        float s = rate * pendingDelta[layer][unit];
        return pending && s != 0f ? w - s * pendingInput[layer][input] : w;
    }

    double bias(int layer, int unit) {
        float b = params.biases[layer][unit];
        return pending ? b - rate * pendingDelta[layer][unit] : b;
    }

    double[] parameters() {
        return visibleParameters().toPublic();
    }

    double[] optimizerState(int k) {
        return state[k].toPublic();
    }

    boolean bitIdentical(Float32Network other) {
        if (!architecture.equals(other.architecture) || updates != other.updates || !spec.equals(other.spec)
                || optimizerSteps != other.optimizerSteps || !visibleParameters().bitEquals(other.visibleParameters())) {
            return false;
        }
        for (int k = 0; k < state.length; k++) {
            if (!state[k].bitEquals(other.state[k])) {
                return false;
            }
        }
        return true;
    }

    /** Writes the parameters as of the last completed step, then each state vector, as 4-byte floats. */
    void put(ByteBuffer out) {
        visibleParameters().put(out);
        for (FloatParameters vector : state) {
            vector.put(out);
        }
    }
}
