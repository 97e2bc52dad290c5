package dev.backstream.nn;

/**
 * Global-norm gradient clipping (PyTorch's {@code clip_grad_norm_}): if {@code ‖g‖ > c}, {@code g ← g · c / ‖g‖},
 * where {@code g} is the loss gradient of all weights and biases together.
 *
 * <p>The gradient is never materialized: layer {@code m}'s weight gradient is the outer product {@code δ_m a_mᵀ} and
 * its bias gradient {@code δ_m}, so {@code ‖g‖² = Σ_m ‖δ_m‖² (‖a_m‖² + 1)} and scaling every {@code δ_m} scales
 * {@code g}. Costs O(units), not O(parameters).
 */
final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * Scales {@code delta[m]} for every layer so that the gradient norm is at most {@code clipNorm}; does nothing for
     * {@code clipNorm = 0} or a gradient already within the norm.
     *
     * @param a     {@code a[m]} is the input of layer {@code m} (at least {@code delta.length} of them)
     * @param delta {@code delta[m] = ∂C/∂z_m}, scaled in place
     */
    static void clip(double clipNorm, double[][] a, double[][] delta) {
        if (clipNorm <= 0) {
            return;
        }
        double squared = 0.0;
        for (int m = 0; m < delta.length; m++) {
            squared += sumOfSquares(delta[m]) * (sumOfSquares(a[m]) + 1.0); // ‖δ aᵀ‖_F² + ‖δ‖² = ‖δ‖² (‖a‖² + 1)
        }
        double norm = Math.sqrt(squared);
        if (norm > clipNorm) {
            double scale = clipNorm / norm;
            for (double[] dm : delta) {
                for (int i = 0; i < dm.length; i++) {
                    dm[i] *= scale;
                }
            }
        }
    }

    /** {@code Σ v_i²}, summed in index order. */
    private static double sumOfSquares(double[] values) {
        double sum = 0.0;
        for (double value : values) {
            sum += value * value;
        }
        return sum;
    }
}
