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

        /** {@link #subtractScaled}{@code (w, a, c, rate, n)}, then {@link #dot}{@code (w, x, n)}: the same bits. */
        default double subtractScaledThenDot(double[] w, double[] a, double c, double rate, double[] x, int n) {
            subtractScaled(w, a, c, rate, n);
            return dot(w, x, n);
        }
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

    /** The row update of a deferred SGD step, then the row's dot product with the next input, in one pass. */
    static double subtractScaledThenDot(double[] w, double[] a, double c, double rate, double[] x, int n) {
        return KERNEL.subtractScaledThenDot(w, a, c, rate, x, n);
    }

    /** The name of the implementation in use ({@code VectorKernel} or {@code Scalar}), for logs and benchmark reports. */
    static String implementation() {
        return KERNEL.getClass().getSimpleName();
    }

    private static Kernel choose() {
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty("backstream.vector"));
        if (wanted && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && keepVectorKernelsOutOfLine()) {
            try {
                return (Kernel) Class.forName("dev.backstream.nn.VectorKernel").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return new Scalar();
            }
        }
        return new Scalar();
    }

    /**
     * Asks HotSpot, through the same diagnostic command as {@code jcmd <pid> Compiler.directives_add}, never to inline
     * {@link VectorKernel}'s methods into their callers. Vector API code is fast only when C2 inlines the whole chain
     * of the API's internals into one compilation; inlined into a large caller (the learning step), that chain may hit
     * the caller's inlining budget, and the vectors then live as heap objects: measured, one benchmark JVM in two ran
     * every model ten times slower (S4 1.7k instead of 20k steps/s). Compiled on their own, the kernels always get the
     * whole chain. Returns false if the directive could not be added; the plain-Java kernel then runs.
     */
    private static boolean keepVectorKernelsOutOfLine() {
        try {
            java.nio.file.Path directives = java.nio.file.Files.createTempFile("backstream-compiler-directives", ".json");
            try {
                java.nio.file.Files.writeString(directives, "[{ match: \"*.*\", inline: \"-dev/backstream/nn/VectorKernel.*\" }]");
                Object output = java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                        new Object[] {new String[] {directives.toString()}}, new String[] {String[].class.getName()});
                return String.valueOf(output).contains("1 compiler directives added");
            } finally {
                java.nio.file.Files.deleteIfExists(directives);
            }
        } catch (Exception | LinkageError e) {
            return false;
        }
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
    }
}
