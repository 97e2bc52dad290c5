package dev.backstream.nn;

import java.nio.ByteBuffer;

/**
 * Plain SGD's update, {@code W_m ← W_m − λ δ_m a_mᵀ} and {@code b_m ← b_m − λ δ_m}, deferred into the next forward
 * pass and fused with it: a speed-up, not a change of the math.
 *
 * <p>Why: on wide layers a learning step is bound by memory traffic. Applied at once, the update streams each weight
 * matrix a second time; deferred, the next forward pass updates each row just before its dot product reads it
 * ({@link Kernels.Kernel#subtractScaledThenDot}), so the matrix is streamed once per step. Measured with JMH when
 * introduced (commits 49c8bbb, 1686aef): S4 (784-128-10) 18.9k → 27.8k steps/s.
 *
 * <p>Contract: once {@link #defer} has taken a step's deltas and layer inputs, the update is <em>pending</em>. Every
 * parameter then ends up with exactly the bits an immediate update gives, whichever way it is completed: by the next
 * forward pass ({@link #applyThenMix} for every layer, then {@link #completed()}), or by {@link #applyNow}. While it is
 * pending, {@link #weight}, {@link #bias}, {@link #appliedTo} and {@link #putApplied} read the parameters as they
 * will be without writing anything. Only for plain SGD without l2 ({@link #appliesTo}); the caller has already
 * proved the update finite and clipped the deltas.
 */
final class DeferredSgdUpdate {
    /** Rows shorter than one pass of the kernels' loop are mixed here ({@link #shortDot}). */
    private static final int SHORT_ROW = 16;
    private final double rate;
    private final Kernels.Kernel kernel;
    /** {@code pendingInput[m]}: the input {@code a_m} of layer {@code m} in the pending step (index 0: a copy of x). */
    private final double[][] pendingInput;
    /** {@code pendingDelta[m]}: the (clipped) deltas {@code δ_m} of layer {@code m} in the pending step. */
    private final double[][] pendingDelta;
    private boolean pending;
    /** The kernels' scratch space ({@link Kernels.Kernel#subtractScaledThenDotFour}). */
    private final double[] scratch = new double[32];

    DeferredSgdUpdate(Architecture architecture, double rate, Kernels.Kernel kernel) {
        this.rate = rate;
        this.kernel = kernel;
        int depth = architecture.depth();
        this.pendingInput = new double[depth][];
        this.pendingDelta = new double[depth][];
        for (int m = 0; m < depth; m++) {
            pendingInput[m] = new double[architecture.width(m)];
            pendingDelta[m] = new double[architecture.width(m + 1)];
        }
    }

    /** Whether {@code optimizer}'s update is exactly the one this class defers: plain SGD without weight decay. */
    static boolean appliesTo(OptimizerSpec optimizer) {
        return optimizer instanceof OptimizerSpec.Sgd && optimizer.l2() == 0.0;
    }

    boolean pending() {
        return pending;
    }

    /**
     * Makes the update with inputs {@code a[0..L)} and deltas {@code delta[0..L)} pending. Copies the features
     * {@code a[0]} (the caller may reuse its array) and, to copy nothing else, swaps the buffers of the hidden
     * activations {@code a[1..L)} and of the deltas with its own: the caller's arrays then hold other buffers of the
     * same sizes, with stale contents.
     */
    void defer(double[][] a, double[][] delta) {
        System.arraycopy(a[0], 0, pendingInput[0], 0, pendingInput[0].length);
        for (int m = 0; m < pendingDelta.length; m++) {
            if (m > 0) {
                double[] input = a[m];
                a[m] = pendingInput[m];
                pendingInput[m] = input;
            }
            double[] dm = delta[m];
            delta[m] = pendingDelta[m];
            pendingDelta[m] = dm;
        }
        pending = true;
    }

    /**
     * The mix {@code z_m = W_m in + b_m} of layer {@code m}: {@link #applyThenMix} while an update is pending, else
     * {@code z_i = Σ_j W_ij in_j + b_i} straight from {@code params}.
     */
    void mix(int m, Parameters params, double[] in, double[] zm) {
        if (pending) {
            applyThenMix(m, params, in, zm); // W_m ← W_m − λ δ'_m a'_mᵀ, fused with the mix, row by row
            return;
        }
        double[][] rows = params.weights[m];
        double[] b = params.biases[m];
        for (int i = 0; i < zm.length; i++) {
            zm[i] = (in.length < SHORT_ROW ? shortDot(rows[i], in) : kernel.dot(rows[i], in, in.length)) + b[i];
        }
    }

    /**
     * The kernels' dot product of a row shorter than one pass of their loop (sixteen values), computed here: their
     * sixteen partial sums are all empty, so it is the sequential sum. Saves a call per row that the compiler directive
     * keeps out of line and that costs more than a short row's work (S2's 8 inputs).
     */
    private static double shortDot(double[] w, double[] in) {
        double sum = 0;
        for (int j = 0; j < in.length; j++) {
            sum += w[j] * in[j];
        }
        return sum;
    }

    private double stepThenDot(double[] w, double[] p, double c, double[] in, int n) {
        return c != 0.0 ? kernel.subtractScaledThenDot(w, p, c, rate, in, n) : kernel.dot(w, in, n);
    }

    /**
     * Applies the pending update to layer {@code m}, then computes its mix {@code z_m = W_m in + b_m}: per row the
     * arithmetic of {@link UpdateRule.SgdRule} then {@link Kernels.Kernel#dot}, in one pass over the row.
     */
    private void applyThenMix(int m, Parameters params, double[] in, double[] zm) {
        double[][] rows = params.weights[m];
        double[] b = params.biases[m];
        double[] p = pendingInput[m];
        double[] d = pendingDelta[m];
        int nIn = p.length;
        if (nIn < SHORT_ROW) {
            // Four rows per pass over the inputs: four independent chains of additions overlap (see Float32Network's
            // mixShortRows). Per row, the kernels' element-wise update and the sequential sum of shortDot.
            int i = 0;
            for (; i + 3 < d.length; i += 4) {
                double[] w0 = rows[i];
                double[] w1 = rows[i + 1];
                double[] w2 = rows[i + 2];
                double[] w3 = rows[i + 3];
                double c0 = d[i];
                double c1 = d[i + 1];
                double c2 = d[i + 2];
                double c3 = d[i + 3];
                double dot0 = 0;
                double dot1 = 0;
                double dot2 = 0;
                double dot3 = 0;
                for (int j = 0; j < nIn; j++) {
                    double pj = p[j];
                    double xj = in[j];
                    double u0 = c0 != 0.0 ? w0[j] - rate * (c0 * pj) : w0[j]; // a row with δ_i = 0 is unchanged
                    double u1 = c1 != 0.0 ? w1[j] - rate * (c1 * pj) : w1[j];
                    double u2 = c2 != 0.0 ? w2[j] - rate * (c2 * pj) : w2[j];
                    double u3 = c3 != 0.0 ? w3[j] - rate * (c3 * pj) : w3[j];
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
            for (; i < d.length; i++) {
                double[] w = rows[i];
                double c = d[i];
                if (c != 0.0) {
                    for (int j = 0; j < nIn; j++) {
                        w[j] -= rate * (c * p[j]); // the kernels' element-wise update
                    }
                }
                zm[i] = shortDot(w, in);
            }
        } else {
            // W_ij ← W_ij − λ δ_i a_j, then z_i = Σ_j W_ij in_j; a row with δ_i = 0 is unchanged, as in SgdRule.
            // Four rows per kernel call when all four have a step (it shares the loads of p and in between pairs of rows).
            int i = 0;
            for (; i + 3 < d.length; i += 4) {
                if (d[i] != 0.0 && d[i + 1] != 0.0 && d[i + 2] != 0.0 && d[i + 3] != 0.0) {
                    kernel.subtractScaledThenDotFour(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], p,
                            d[i], d[i + 1], d[i + 2], d[i + 3], rate, in, nIn, zm, i, scratch);
                } else {
                    for (int k = i; k < i + 4; k++) {
                        zm[k] = stepThenDot(rows[k], p, d[k], in, nIn);
                    }
                }
            }
            for (; i < d.length; i++) {
                zm[i] = stepThenDot(rows[i], p, d[i], in, nIn);
            }
        }
        for (int i = 0; i < d.length; i++) {
            b[i] -= rate * d[i]; // b_i ← b_i − λ δ_i
            zm[i] += b[i]; // z_i = Σ_j W_ij in_j + b_i
        }
    }

    /** Marks the update applied, once {@link #applyThenMix} has run for every layer; after any other forward pass, a no-op. */
    void completed() {
        pending = false;
    }

    /** Applies a pending update to {@code params} now (a state change of the model's storage, never of its value). */
    void applyNow(Parameters params) {
        if (pending) {
            appliedTo(params);
            pending = false;
        }
    }

    /**
     * Applies the pending update, if any, to {@code target} (a copy of the parameters) and returns it; the update stays
     * pending for the parameters it was deferred on.
     */
    Parameters appliedTo(Parameters target) {
        if (pending) {
            for (int m = 0; m < pendingDelta.length; m++) {
                double[][] rows = target.weights[m];
                double[] b = target.biases[m];
                double[] p = pendingInput[m];
                double[] d = pendingDelta[m];
                for (int i = 0; i < d.length; i++) {
                    if (d[i] != 0.0) {
                        kernel.subtractScaled(rows[i], p, d[i], rate, p.length); // W_ij ← W_ij − λ δ_i a_j
                    }
                }
                for (int i = 0; i < d.length; i++) {
                    b[i] -= rate * d[i]; // b_i ← b_i − λ δ_i
                }
            }
        }
        return target;
    }

    /** {@code W_ij} of layer {@code m} as it is once the pending update is applied; writes nothing. */
    double weight(Parameters params, int m, int i, int j) {
        double w = params.weights[m][i][j];
        double d = pendingDelta[m][i];
        return pending && d != 0.0 ? w - rate * (d * pendingInput[m][j]) : w; // the kernels' w_j − λ (c · a_j)
    }

    /** {@code b_i} of layer {@code m} as it is once the pending update is applied; writes nothing. */
    double bias(Parameters params, int m, int i) {
        double b = params.biases[m][i];
        return pending ? b - rate * pendingDelta[m][i] : b;
    }

    /**
     * {@link Parameters#put} of the parameters as they are once the pending update is applied, without applying it:
     * each changed row is updated in a scratch row, so encoding a model costs no copy of it.
     */
    void putApplied(Parameters params, ByteBuffer out) {
        if (!pending) {
            params.put(out);
            return;
        }
        for (int m = 0; m < pendingDelta.length; m++) {
            double[] p = pendingInput[m];
            double[] d = pendingDelta[m];
            double[] scratch = new double[Math.max(p.length, d.length)];
            for (int i = 0; i < d.length; i++) {
                double[] row = params.weights[m][i];
                if (d[i] != 0.0) {
                    System.arraycopy(row, 0, scratch, 0, p.length);
                    kernel.subtractScaled(scratch, p, d[i], rate, p.length);
                    row = scratch;
                }
                Parameters.put(out, row, p.length);
            }
            for (int i = 0; i < d.length; i++) {
                scratch[i] = params.biases[m][i] - rate * d[i];
            }
            Parameters.put(out, scratch, d.length);
        }
    }
}
