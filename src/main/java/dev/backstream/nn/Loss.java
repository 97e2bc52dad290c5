package dev.backstream.nn;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The cost {@code C(a^L, y)} of one sample, and its gradient with respect to the output layer's mix {@code z^L}.
 *
 * <p>Each loss declares the output activations it may be paired with; {@link Architecture} rejects any other pairing.
 * The two cross-entropy pairings use the fused delta {@code ∂C/∂z^L = a − y} (docs/math.md, erratum 5): forming
 * {@code (∂C/∂a)(∂a/∂z)} would divide by {@code a(1 − a)}, which is zero when the output saturates.
 */
public enum Loss {
    /** {@code C = ½‖y − a‖²}, {@code ∂C/∂a = a − y} (docs/math.md, erratum 2: not {@code y − a}). */
    SQUARED_ERROR(EnumSet.of(Activation.LINEAR, Activation.SIGMOID, Activation.TANH, Activation.RELU)),
    /** {@code C = −Σ_i [y_i log a_i + (1 − y_i) log(1 − a_i)]} over independent sigmoid units. */
    BINARY_CROSS_ENTROPY(EnumSet.of(Activation.SIGMOID)),
    /** {@code C = −Σ_i y_i log a_i} over a softmax output. */
    CATEGORICAL_CROSS_ENTROPY(EnumSet.of(Activation.SOFTMAX));

    private final Set<Activation> outputActivations;

    Loss(Set<Activation> outputActivations) {
        this.outputActivations = outputActivations;
    }

    /** The lower-case name used in snapshots and configuration, e.g. {@code "binary_cross_entropy"}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a name as written by {@link #id()}.
     *
     * @throws IllegalArgumentException naming the unknown value and the known ones
     */
    public static Loss fromId(String id) {
        for (Loss loss : values()) {
            if (loss.id().equals(id)) {
                return loss;
            }
        }
        throw new IllegalArgumentException(
                "unknown loss '" + id + "'; expected one of squared_error, binary_cross_entropy, categorical_cross_entropy");
    }

    /** Whether an output layer with this activation may be trained with this loss. */
    public boolean supports(Activation outputActivation) {
        return outputActivations.contains(outputActivation);
    }

    /** The output activations this loss may be paired with, as ids, for error messages. */
    public String supportedActivations() {
        StringBuilder names = new StringBuilder();
        for (Activation activation : outputActivations) {
            names.append(names.length() == 0 ? "" : ", ").append(activation.id());
        }
        return names.toString();
    }

    /** Whether targets must lie in [0, 1] (probabilities). */
    boolean targetsAreProbabilities() {
        return this != SQUARED_ERROR;
    }

    /**
     * The loss of output {@code a = σ(z)} against target {@code y}. Cross-entropies are computed from {@code z}
     * (log-sum-exp, softplus), so they stay finite however saturated the output is.
     */
    double value(double[] z, double[] a, double[] y, int n) {
        switch (this) {
            case SQUARED_ERROR: {
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    double d = y[i] - a[i];
                    sum += d * d;
                }
                return 0.5 * sum;
            }
            case BINARY_CROSS_ENTROPY: {
                // −[y log σ(z) + (1 − y) log(1 − σ(z))] = max(z, 0) − y z + log(1 + e^{−|z|})
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    sum += Math.max(z[i], 0.0) - y[i] * z[i] + StrictMath.log1p(Exp.exp(-Math.abs(z[i])));
                }
                return sum;
            }
            case CATEGORICAL_CROSS_ENTROPY: {
                // −Σ y_i log a_i from the softmax output itself; only if some a_i with y_i > 0 underflowed to 0 is
                // it recomputed as Σ y_i (logΣexp(z) − z_i), which stays finite.
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    if (y[i] != 0.0) {
                        if (a[i] == 0.0) {
                            return crossEntropyFromLogits(z, y, n);
                        }
                        sum -= y[i] * StrictMath.log(a[i]);
                    }
                }
                return sum;
            }
            default:
                throw new AssertionError(this);
        }
    }

    private static double crossEntropyFromLogits(double[] z, double[] y, int n) {
        double max = z[0];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, z[i]);
        }
        double sumExp = 0.0;
        for (int i = 0; i < n; i++) {
            sumExp += Exp.exp(z[i] - max);
        }
        double logSumExp = max + StrictMath.log(sumExp);
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            if (y[i] != 0.0) {
                sum += y[i] * (logSumExp - z[i]);
            }
        }
        return sum;
    }

    /** {@code δ^L = ∂C/∂z^L} into {@code delta[0..n)}. */
    void outputDelta(Activation activation, double[] z, double[] a, double[] y, double[] delta, int n) {
        // ∂C/∂a = a − y for squared error; the fused cross-entropy pairings give ∂C/∂z = a − y directly.
        for (int i = 0; i < n; i++) {
            delta[i] = a[i] - y[i];
        }
        if (this == SQUARED_ERROR) {
            activation.multiplyByDerivative(delta, z, a, n); // δ^L = (a − y) ∘ σ'(z^L)
        }
    }
}
