package dev.backstream.nn;

import java.util.Locale;

/**
 * Element-wise nonlinearities {@code a = σ(z)} of a dense layer.
 *
 * <p>Every function is bit-for-bit reproducible on every JVM and CPU ({@link Exp} for exponentials, {@link StrictMath}
 * for tanh): with a fixed seed, the same input stream gives the same model everywhere.
 */
public enum Activation {
    /** {@code σ(z) = 1 / (1 + e^{-z})}, {@code σ'(z) = σ(z)(1 − σ(z))} (the tutorial's sign is wrong: docs/math.md, erratum 1). */
    SIGMOID,
    /** {@code tanh(z)}, {@code σ'(z) = 1 − tanh²(z)}. */
    TANH,
    /** {@code max(0, z)}, with {@code σ'(z) = 1} for {@code z ≥ 0} and 0 otherwise, as in the tutorial's table. */
    RELU,
    /** The identity; for regression outputs. */
    LINEAR,
    /**
     * {@code a_i = e^{z_i} / Σ_k e^{z_k}}; output layer only, and only with categorical cross-entropy, whose
     * fused delta {@code a − y} replaces the softmax Jacobian.
     */
    SOFTMAX;

    /** The lower-case name used in snapshots and configuration, e.g. {@code "sigmoid"}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a name as written by {@link #id()}.
     *
     * @throws IllegalArgumentException naming the unknown value and the known ones
     */
    public static Activation fromId(String id) {
        for (Activation activation : values()) {
            if (activation.id().equals(id)) {
                return activation;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + id + "'; expected one of sigmoid, tanh, relu, linear, softmax");
    }

    /** Whether the layer may be a hidden layer (softmax may only be the output layer). */
    public boolean allowedInHiddenLayer() {
        return this != SOFTMAX;
    }

    /** {@code a[0..n) = σ(z[0..n))}. */
    void apply(double[] z, double[] a, int n) {
        switch (this) {
            case SIGMOID:
                for (int i = 0; i < n; i++) {
                    a[i] = sigmoid(z[i]);
                }
                break;
            case TANH:
                for (int i = 0; i < n; i++) {
                    a[i] = StrictMath.tanh(z[i]);
                }
                break;
            case RELU:
                for (int i = 0; i < n; i++) {
                    a[i] = z[i] > 0 ? z[i] : 0.0;
                }
                break;
            case LINEAR:
                System.arraycopy(z, 0, a, 0, n);
                break;
            case SOFTMAX:
                softmax(z, a, n);
                break;
            default:
                throw new AssertionError(this);
        }
    }

    /**
     * {@code g[0..n) ∘= σ'(z)}, the activation's chain-rule step, given the layer's mix {@code z} and output {@code a}.
     * Not defined for softmax, whose Jacobian is never formed (its only valid pairing is fused).
     */
    void multiplyByDerivative(double[] g, double[] z, double[] a, int n) {
        switch (this) {
            case SIGMOID:
                for (int i = 0; i < n; i++) {
                    g[i] *= a[i] * (1.0 - a[i]);
                }
                break;
            case TANH:
                for (int i = 0; i < n; i++) {
                    g[i] *= 1.0 - a[i] * a[i];
                }
                break;
            case RELU:
                for (int i = 0; i < n; i++) {
                    g[i] = z[i] >= 0 ? g[i] : 0.0;
                }
                break;
            case LINEAR:
                break;
            case SOFTMAX:
                throw new IllegalStateException("softmax has no element-wise derivative; it is only valid fused with categorical_cross_entropy");
            default:
                throw new AssertionError(this);
        }
    }

    static double sigmoid(double z) {
        // 1 / (1 + e^{-z}) for z ≥ 0, e^{z} / (1 + e^{z}) otherwise: both only ever exponentiate a non-positive number,
        // so neither overflows. Written with selects rather than two return paths so that a sign that changes from unit
        // to unit costs no mispredicted branch; the operations, and so the results, are those of the two branches.
        boolean nonNegative = z >= 0;
        double e = Exp.exp(nonNegative ? -z : z);
        return (nonNegative ? 1.0 : e) / (1.0 + e);
    }

    private static void softmax(double[] z, double[] a, int n) {
        double max = z[0];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, z[i]);
        }
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            a[i] = Exp.exp(z[i] - max);
            sum += a[i];
        }
        double inverse = 1.0 / sum;
        for (int i = 0; i < n; i++) {
            a[i] *= inverse;
        }
    }
}
