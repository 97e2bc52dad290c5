package dev.backstream.nn;

/**
 * {@code e^x} in plain Java arithmetic: about four times faster than {@link StrictMath#exp} on JDK 17 (which calls
 * native fdlibm through JNI, ~55 ns here) and, like it, bit-identical on every JVM and CPU, because it uses only
 * IEEE 754 operations whose results Java specifies exactly. Accurate to within 2 ulp (checked against
 * {@code StrictMath.exp} by {@code ExpTest}), which is far below what learning can notice.
 *
 * <p>Method: {@code x = k·ln2 + r} with {@code |r| ≤ ln2/2} (Cody–Waite reduction with a two-part ln2, so
 * {@code k·LN2_HI} is exact), {@code e^r} by its Taylor series to degree 13 (truncation error below 5e-18),
 * then scaling by {@code 2^k} through the exponent bits.
 */
final class Exp {
    static final double LOG2_E = 1.4426950408889634;
    /** ln 2 split so that LN2_HI has 21 trailing zero bits: {@code k·LN2_HI} is exact for every {@code |k| ≤ 1075} used here. */
    static final double LN2_HI = 6.93147180369123816490e-01;
    static final double LN2_LO = 1.90821492927058770002e-10;
    private static final double OVERFLOW = 709.782712893384;
    private static final double UNDERFLOW = -745.1332191019412;

    private Exp() {
    }

    static double exp(double x) {
        if (!(x < OVERFLOW)) {
            return x != x ? x : Double.POSITIVE_INFINITY; // NaN stays NaN
        }
        if (x < UNDERFLOW) {
            return 0.0;
        }
        double k = Math.rint(x * LOG2_E);
        double r = (x - k * LN2_HI) - k * LN2_LO;
        double p = 1.0 / 6227020800.0;            // 1/13!
        p = 1.0 / 479001600.0 + r * p;            // 1/12!
        p = 1.0 / 39916800.0 + r * p;
        p = 1.0 / 3628800.0 + r * p;
        p = 1.0 / 362880.0 + r * p;
        p = 1.0 / 40320.0 + r * p;
        p = 1.0 / 5040.0 + r * p;
        p = 1.0 / 720.0 + r * p;
        p = 1.0 / 120.0 + r * p;
        p = 1.0 / 24.0 + r * p;
        p = 1.0 / 6.0 + r * p;
        p = 0.5 + r * p;
        p = 1.0 + r * p;
        p = 1.0 + r * p;                          // e^r
        int exponent = (int) k;
        if (exponent > 1023) {
            return p * twoTo(exponent - 1) * 2.0;
        }
        if (exponent < -1022) {
            return p * twoTo(exponent + 600) * 0x1.0p-600; // results in the subnormal range
        }
        return p * twoTo(exponent);
    }

    /** {@code 2^n} for {@code -1022 ≤ n ≤ 1023}. */
    private static double twoTo(int n) {
        return Double.longBitsToDouble((long) (n + 1023) << 52);
    }
}
