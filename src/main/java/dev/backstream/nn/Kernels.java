package dev.backstream.nn;

/**
 * The three loops that dominate a learning step, behind one switch between a plain-Java implementation and one
 * written with the incubating Vector API. Both compute exactly the same values, so models stay bit-identical with
 * and without {@code --add-modules jdk.incubator.vector}.
 *
 * <ul>
 *   <li>{@link #dot}: the forward mix. Summation order: sixteen partial sums, {@code s_l = Σ w_i a_i} over
 *       {@code i ≡ l (mod 16)} in increasing {@code i}, for the largest multiple of 16 not above {@code n}; then
 *       {@code u_l = (s_l + s_{4+l}) + (s_{8+l} + s_{12+l})} for {@code l = 0..3}; then
 *       {@code (u_0 + u_1) + (u_2 + u_3)}; then the remaining terms one by one.</li>
 *   <li>{@link #subtractScaled}: {@code w_j ← w_j − λ (c · a_j)}, the SGD row update.</li>
 *   <li>{@link #addScaled}: {@code d_j ← d_j + c · w_j}, one row's share of {@code Wᵀ δ}.</li>
 *   <li>{@link #sigmoid}, {@link #expShifted}: the exponentials of the sigmoid and softmax layers, bit for bit those of
 *       {@link Activation#sigmoid} and {@link Exp#exp} (the Vector API path runs {@link Exp}'s operations four lanes at
 *       a time).</li>
 *   <li>{@link #subtractScaledThenDot}: {@link #subtractScaled} followed by {@link #dot} of the updated row, fused into
 *       one pass so the row is read and written once (a deferred SGD update applied during the next forward pass).
 *       Each updated value and the returned sum are bit for bit those of the two separate calls.</li>
 * </ul>
 * Products and sums are rounded separately (never a fused multiply-add).
 *
 * <p>Why a Vector API path: HotSpot never vectorizes a floating-point reduction by itself (it must keep Java's
 * sequential order), and it vectorizes element-wise loops only when they are long enough to fill its unrolled
 * vector loop (64 doubles and more with AVX-512), so the short rows of small layers stay scalar. When the module is
 * absent, or the system property {@code backstream.vector=false} is set, {@link Scalar} runs.
 */
final class Kernels {
    interface Kernel {
        double dot(double[] w, double[] a, int n);

        void subtractScaled(double[] w, double[] a, double c, double rate, int n);

        void addScaled(double[] d, double[] w, double c, int n);

        /** {@code w_j ← w_j − λ (c · p_j)} for {@code j < n}, then returns {@code dot(w, a, n)} of the updated row. */
        double subtractScaledThenDot(double[] w, double[] p, double c, double rate, double[] a, int n);

        /**
         * {@link #subtractScaledThenDot} on two rows at once (same {@code p}, {@code rate} and {@code a}), writing the
         * two sums to {@code out[k]} and {@code out[k + 1]}: interleaving two independent rows keeps more additions in
         * flight without changing any row's summation order.
         */
        void subtractScaledThenDot2(double[] w0, double[] w1, double[] p, double c0, double c1, double rate, double[] a, int n,
                                    double[] out, int k);

        /** {@code a_i = Activation.sigmoid(z_i)} for {@code i < n}, bit for bit. */
        void sigmoid(double[] z, double[] a, int n);

        /** {@code a_i = Exp.exp(z_i − shift)} for {@code i < n}, bit for bit (softmax's exponentials). */
        void expShifted(double[] z, double shift, double[] a, int n);
    }

    private static final Kernel KERNEL = choose();

    private Kernels() {
    }

    static double dot(double[] w, double[] a, int n) {
        return KERNEL.dot(w, a, n);
    }

    static void subtractScaled(double[] w, double[] a, double c, double rate, int n) {
        KERNEL.subtractScaled(w, a, c, rate, n);
    }

    static void addScaled(double[] d, double[] w, double c, int n) {
        KERNEL.addScaled(d, w, c, n);
    }

    static double subtractScaledThenDot(double[] w, double[] p, double c, double rate, double[] a, int n) {
        return KERNEL.subtractScaledThenDot(w, p, c, rate, a, n);
    }

    static void subtractScaledThenDot2(double[] w0, double[] w1, double[] p, double c0, double c1, double rate, double[] a,
                                       int n, double[] out, int k) {
        KERNEL.subtractScaledThenDot2(w0, w1, p, c0, c1, rate, a, n, out, k);
    }

    static void sigmoid(double[] z, double[] a, int n) {
        KERNEL.sigmoid(z, a, n);
    }

    static void expShifted(double[] z, double shift, double[] a, int n) {
        KERNEL.expShifted(z, shift, a, n);
    }

    /** The name of the implementation in use ({@code VectorKernel} or {@code Scalar}), for logs and benchmark reports. */
    static String implementation() {
        return KERNEL.getClass().getSimpleName();
    }

    private static Kernel choose() {
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty("backstream.vector"));
        if (wanted && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                return (Kernel) Class.forName("dev.backstream.nn.VectorKernel").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return new Scalar();
            }
        }
        return new Scalar();
    }

    /** The reference implementation, in plain Java. */
    static final class Scalar implements Kernel {
        @Override
        public double dot(double[] w, double[] a, int n) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
            int bound = n - (n & 15);
            int i = 0;
            for (; i < bound; i += 16) {
                s0 += w[i] * a[i];
                s1 += w[i + 1] * a[i + 1];
                s2 += w[i + 2] * a[i + 2];
                s3 += w[i + 3] * a[i + 3];
                s4 += w[i + 4] * a[i + 4];
                s5 += w[i + 5] * a[i + 5];
                s6 += w[i + 6] * a[i + 6];
                s7 += w[i + 7] * a[i + 7];
                s8 += w[i + 8] * a[i + 8];
                s9 += w[i + 9] * a[i + 9];
                s10 += w[i + 10] * a[i + 10];
                s11 += w[i + 11] * a[i + 11];
                s12 += w[i + 12] * a[i + 12];
                s13 += w[i + 13] * a[i + 13];
                s14 += w[i + 14] * a[i + 14];
                s15 += w[i + 15] * a[i + 15];
            }
            double u0 = (s0 + s4) + (s8 + s12);
            double u1 = (s1 + s5) + (s9 + s13);
            double u2 = (s2 + s6) + (s10 + s14);
            double u3 = (s3 + s7) + (s11 + s15);
            double sum = (u0 + u1) + (u2 + u3);
            for (; i < n; i++) {
                sum += w[i] * a[i];
            }
            return sum;
        }

        @Override
        public void subtractScaled(double[] w, double[] a, double c, double rate, int n) {
            for (int j = 0; j < n; j++) {
                w[j] -= rate * (c * a[j]);
            }
        }

        @Override
        public void addScaled(double[] d, double[] w, double c, int n) {
            for (int j = 0; j < n; j++) {
                d[j] += c * w[j];
            }
        }

        @Override
        public double subtractScaledThenDot(double[] w, double[] p, double c, double rate, double[] a, int n) {
            // The same per-value update as subtractScaled and the same summation order as dot.
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
            int bound = n - (n & 15);
            int i = 0;
            for (; i < bound; i += 16) {
                double w0 = w[i] - rate * (c * p[i]);
                double w1 = w[i + 1] - rate * (c * p[i + 1]);
                double w2 = w[i + 2] - rate * (c * p[i + 2]);
                double w3 = w[i + 3] - rate * (c * p[i + 3]);
                double w4 = w[i + 4] - rate * (c * p[i + 4]);
                double w5 = w[i + 5] - rate * (c * p[i + 5]);
                double w6 = w[i + 6] - rate * (c * p[i + 6]);
                double w7 = w[i + 7] - rate * (c * p[i + 7]);
                double w8 = w[i + 8] - rate * (c * p[i + 8]);
                double w9 = w[i + 9] - rate * (c * p[i + 9]);
                double w10 = w[i + 10] - rate * (c * p[i + 10]);
                double w11 = w[i + 11] - rate * (c * p[i + 11]);
                double w12 = w[i + 12] - rate * (c * p[i + 12]);
                double w13 = w[i + 13] - rate * (c * p[i + 13]);
                double w14 = w[i + 14] - rate * (c * p[i + 14]);
                double w15 = w[i + 15] - rate * (c * p[i + 15]);
                w[i] = w0;
                w[i + 1] = w1;
                w[i + 2] = w2;
                w[i + 3] = w3;
                w[i + 4] = w4;
                w[i + 5] = w5;
                w[i + 6] = w6;
                w[i + 7] = w7;
                w[i + 8] = w8;
                w[i + 9] = w9;
                w[i + 10] = w10;
                w[i + 11] = w11;
                w[i + 12] = w12;
                w[i + 13] = w13;
                w[i + 14] = w14;
                w[i + 15] = w15;
                s0 += w0 * a[i];
                s1 += w1 * a[i + 1];
                s2 += w2 * a[i + 2];
                s3 += w3 * a[i + 3];
                s4 += w4 * a[i + 4];
                s5 += w5 * a[i + 5];
                s6 += w6 * a[i + 6];
                s7 += w7 * a[i + 7];
                s8 += w8 * a[i + 8];
                s9 += w9 * a[i + 9];
                s10 += w10 * a[i + 10];
                s11 += w11 * a[i + 11];
                s12 += w12 * a[i + 12];
                s13 += w13 * a[i + 13];
                s14 += w14 * a[i + 14];
                s15 += w15 * a[i + 15];
            }
            double u0 = (s0 + s4) + (s8 + s12);
            double u1 = (s1 + s5) + (s9 + s13);
            double u2 = (s2 + s6) + (s10 + s14);
            double u3 = (s3 + s7) + (s11 + s15);
            double sum = (u0 + u1) + (u2 + u3);
            for (; i < n; i++) {
                double wi = w[i] - rate * (c * p[i]);
                w[i] = wi;
                sum += wi * a[i];
            }
            return sum;
        }

        @Override
        public void subtractScaledThenDot2(double[] w0, double[] w1, double[] p, double c0, double c1, double rate, double[] a,
                                           int n, double[] out, int k) {
            out[k] = subtractScaledThenDot(w0, p, c0, rate, a, n);
            out[k + 1] = subtractScaledThenDot(w1, p, c1, rate, a, n);
        }

        @Override
        public void sigmoid(double[] z, double[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = Activation.sigmoid(z[i]);
            }
        }

        @Override
        public void expShifted(double[] z, double shift, double[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = Exp.exp(z[i] - shift);
            }
        }
    }
}
