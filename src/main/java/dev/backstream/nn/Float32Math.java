package dev.backstream.nn;

/**
 * The float activations of a {@link Dtype#FLOAT32} model: sigmoid and softmax in float arithmetic, on an
 * exponential built from IEEE 754 float operations only, so that the same bits come out on every JVM and CPU and from
 * the Vector API kernel, which runs exactly these operations eight or sixteen lanes at a time
 * ({@link Kernels.Kernel#sigmoid}).
 *
 * <p>{@link #expNonPositive}: {@code e^x} for {@code x ≤ 0}, the only arguments sigmoid and softmax need (they
 * exponentiate {@code −|z|} and {@code z − max}). Method: clamp to {@code x ≥ −87} (so that {@code 2^k} and the
 * result stay normal floats), {@code k = round(x·log2 e)} by adding and subtracting {@code 1.5·2^23},
 * {@code r = (x − k·C1) − k·C2} with Cody and Waite's split of ln 2 ({@code C1} has 9 significant bits, so
 * {@code k·C1} and the subtraction are exact), {@code e^r} by its Taylor polynomial of degree 7 in Horner form
 * (truncation below {@code 5.3e-9} for {@code |r| ≤ ln2/2}), then {@code ·2^k} through the exponent bits.
 *
 * <p>Accuracy, proved by exhaustion (every float in {@code [−87, 0]} against {@code StrictMath.exp} rounded to float;
 * {@code Float32MathTest} repeats a sample of them and the README gives the command of the full check): at most
 * 1 ulp. Below {@code −87} the result is {@code e^{−87} ≈ 1.6e-38} instead of the smaller true value: an absolute
 * error below {@code 1.7e-38}, far below anything a learning step can notice. The sigmoid built on it is within
 * 1.5 ulp of {@code 1/(1+e^{−z})} for {@code z ≥ 0} and 2.5 ulp for {@code z < 0}, where {@code e/(1+e)} passes the
 * exponential's ulp through and adds two roundings (measured on 20 million samples, {@code Float32MathTest}).
 */
final class Float32Math {
    static final float LOG2E = 1.44269504f;
    /** {@code 1.5·2^23}: adding it to a float of magnitude below {@code 2^22} rounds to an integer, in the low bits. */
    static final float ROUNDER = 12582912f;
    /** The bits of {@code ROUNDER}, less the exponent bias: {@code bits(ROUNDER + k) − ROUNDER_BITS = k + 127}. */
    static final int ROUNDER_BITS_MINUS_BIAS = 0x4B400000 - 127;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float LOWEST = -87f;
    static final float C7 = 1f / 5040f;
    static final float C6 = 1f / 720f;
    static final float C5 = 1f / 120f;
    static final float C4 = 1f / 24f;
    static final float C3 = 1f / 6f;
    static final float C2 = 0.5f;

    private Float32Math() {
    }

    /** {@code e^x} for {@code x ≤ 0} (a NaN stays NaN), within 1 ulp; {@code e^{−87}} below {@code −87}. */
    static float expNonPositive(float x) {
        float clamped = Math.max(x, LOWEST); // Math.max keeps a NaN
        float t = clamped * LOG2E + ROUNDER;
        float k = t - ROUNDER; // round(x log2 e), ties to even
        float r = (clamped - k * LN2_HI) - k * LN2_LO;
        float p = C7;
        p = p * r + C6;
        p = p * r + C5;
        p = p * r + C4;
        p = p * r + C3;
        p = p * r + C2;
        p = p * r + 1f;
        p = p * r + 1f; // e^r
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUNDER_BITS_MINUS_BIAS) << 23); // e^r · 2^k
    }

    /** {@code 1 / (1 + e^{−z})} for {@code z ≥ 0}, {@code e^z / (1 + e^z)} otherwise, in float. */
    static float sigmoid(float z) {
        float e = expNonPositive(-Math.abs(z));
        return (z >= 0 ? 1f : e) / (1f + e);
    }

    /** {@code a_i = e^{z_i − max} · (1 / Σ_k e^{z_k − max})} in float, the sum in index order. */
    static void softmax(float[] z, float[] a, int n) {
        float max = z[0];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, z[i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            a[i] = expNonPositive(z[i] - max);
            sum += a[i];
        }
        float inverse = 1f / sum;
        for (int i = 0; i < n; i++) {
            a[i] *= inverse;
        }
    }
}
