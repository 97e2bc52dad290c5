package dev.backstream.nn;

/**
 * The three loops that dominate a learning step, in a plain-Java implementation and one written with the incubating
 * Vector API. Both compute exactly the same values, so models stay bit-identical with and without
 * {@code --add-modules jdk.incubator.vector}, with and without the compiler directive.
 *
 * <ul>
 *   <li>{@link Kernel#dot}: the forward mix. Summation order: sixteen partial sums, {@code s_l = Σ w_i a_i} over
 *       {@code i ≡ l (mod 16)} in increasing {@code i}, for the largest multiple of 16 not above {@code n}; then
 *       {@code u_l = (s_l + s_{4+l}) + (s_{8+l} + s_{12+l})} for {@code l = 0..3}; then
 *       {@code (u_0 + u_1) + (u_2 + u_3)}; then the remaining terms one by one.</li>
 *   <li>{@link Kernel#subtractScaled}: {@code w_j ← w_j − λ (c · a_j)}, the SGD row update.</li>
 *   <li>{@link Kernel#addScaled}: {@code d_j ← d_j + c · w_j}, one row's share of {@code Wᵀ δ}.</li>
 * </ul>
 * Products and sums are rounded separately (never a fused multiply-add). Four-row variants
 * ({@code subtractScaledThenDotFour}, {@code addScaledFour}) compute exactly what four single-row calls in turn compute,
 * with the loads shared between rows; {@link #halvingTree} is the documented reduction from the partial sums.
 *
 * <p>Each loop also comes for {@code float} rows ({@link Dtype#FLOAT32} models), computed in {@code float}
 * arithmetic. Their dot product keeps 32 partial sums (two 512-bit vectors of sixteen floats), {@code s_l} over
 * {@code i ≡ l (mod 32)} for the largest multiple of 32 not above {@code n}, reduced as {@code u_l = s_l + s_{16+l}}
 * ({@code l < 16}), {@code v_l = u_l + u_{8+l}} ({@code l < 8}), {@code t_l = v_l + v_{4+l}} ({@code l < 4}), then
 * {@code (t_0 + t_1) + (t_2 + t_3)} and the remaining terms one by one.
 *
 * <p>Why a Vector API path: HotSpot never vectorizes a floating-point reduction by itself (it must keep Java's
 * sequential order), and it vectorizes element-wise loops only when they are long enough to fill its unrolled
 * vector loop (64 doubles and more with AVX-512), so the short rows of small layers stay scalar.
 *
 * <p>Each model picks its kernel once, when it is built, with {@link #preferred()}: the Vector API kernel when the
 * module is present and {@link #installCompilerDirective()} succeeds (the application's {@code main} calls it at
 * start-up; otherwise the first model built does), unless the system property {@code backstream.vector=false} is set;
 * the plain-Java {@link Scalar} kernel otherwise. Loading this class changes nothing in the process.
 */
public final class Kernels {
    /** The loops of {@link Kernels}; every implementation gives the same bits for the same arguments. */
    interface Kernel {
        double dot(double[] w, double[] a, int n);

        void subtractScaled(double[] w, double[] a, double c, double rate, int n);

        void addScaled(double[] d, double[] w, double c, int n);

        /** {@link #addScaled(double[], double[], double, int)} with four rows in turn: the same bits as the four calls. */
        default void addScaledFour(double[] d, double[] w0, double[] w1, double[] w2, double[] w3, double c0, double c1,
                double c2, double c3, int n) {
            addScaled(d, w0, c0, n);
            addScaled(d, w1, c1, n);
            addScaled(d, w2, c2, n);
            addScaled(d, w3, c3, n);
        }

        /** The float dot product, in the order of 32 partial sums described in {@link Kernels}. */
        float dot(float[] w, float[] a, int n);

        /**
         * {@code w_j ← w_j − s · a_j} in float arithmetic: plain SGD's row update with {@code s = λ δ_i} computed once
         * per row (one multiplication per weight instead of the float64 kernel's two).
         */
        void subtractScaled(float[] w, float[] a, float s, int n);

        /** {@code d_j ← d_j + c · w_j} in float arithmetic. */
        void addScaled(float[] d, float[] w, float c, int n);

        /**
         * {@link #addScaled(float[], float[], float, int)} with four rows in turn ({@code w0} with {@code c0} first):
         * the same bits as the four calls, with {@code d} loaded and stored once per element instead of four times.
         */
        default void addScaledFour(float[] d, float[] w0, float[] w1, float[] w2, float[] w3, float c0, float c1, float c2,
                float c3, int n) {
            addScaled(d, w0, c0, n);
            addScaled(d, w1, c1, n);
            addScaled(d, w2, c2, n);
            addScaled(d, w3, c3, n);
        }

        /** {@link #subtractScaled(float[], float[], float, int)}, then {@link #dot(float[], float[], int)}. */
        default float subtractScaledThenDot(float[] w, float[] a, float s, float[] x, int n) {
            subtractScaled(w, a, s, n);
            return dot(w, x, n);
        }

        /**
         * {@link #subtractScaledThenDot(float[], float[], float, float[], int)} on four rows that share {@code a} and
         * {@code x}: {@code out[o + k]} is row {@code wk}'s dot product after its update with {@code sk}. The same bits
         * as the four single-row calls. The rows are four distinct arrays, none of them {@code a} or {@code x};
         * {@code scratch} (at least 32 floats, any contents) may be overwritten.
         */
        default void subtractScaledThenDotFour(float[] w0, float[] w1, float[] w2, float[] w3, float[] a, float s0,
                float s1, float s2, float s3, float[] x, int n, float[] out, int o, float[] scratch) {
            out[o] = subtractScaledThenDot(w0, a, s0, x, n);
            out[o + 1] = subtractScaledThenDot(w1, a, s1, x, n);
            out[o + 2] = subtractScaledThenDot(w2, a, s2, x, n);
            out[o + 3] = subtractScaledThenDot(w3, a, s3, x, n);
        }

        /** {@code a_j = Float32Math.sigmoid(z_j)} for {@code j < n}: the same bits in every implementation. */
        void sigmoid(float[] z, float[] a, int n);

        /** {@code a_j = Activation.sigmoid(z_j)} for {@code j < n}: the same bits in every implementation. */
        void sigmoid(double[] z, double[] a, int n);

        /** For reports: {@code scalar}, or {@code vector (256-bit)} / {@code vector (512-bit)}. */
        String description();

        /** {@link #subtractScaled}{@code (w, a, c, rate, n)}, then {@link #dot}{@code (w, x, n)}: the same bits. */
        default double subtractScaledThenDot(double[] w, double[] a, double c, double rate, double[] x, int n) {
            subtractScaled(w, a, c, rate, n);
            return dot(w, x, n);
        }

        /**
         * {@link #subtractScaledThenDot(double[], double[], double, double, double[], int)} on four rows that share
         * {@code a}, {@code rate} and {@code x}: {@code out[o + k]} is row {@code wk}'s dot product after its update with
         * {@code ck}. The same bits as the four single-row calls. The rows are four distinct arrays, none of them
         * {@code a} or {@code x}; {@code scratch} (at least 32 doubles, any contents) may be overwritten.
         */
        default void subtractScaledThenDotFour(double[] w0, double[] w1, double[] w2, double[] w3, double[] a, double c0,
                double c1, double c2, double c3, double rate, double[] x, int n, double[] out, int o, double[] scratch) {
            out[o] = subtractScaledThenDot(w0, a, c0, rate, x, n);
            out[o + 1] = subtractScaledThenDot(w1, a, c1, rate, x, n);
            out[o + 2] = subtractScaledThenDot(w2, a, c2, rate, x, n);
            out[o + 3] = subtractScaledThenDot(w3, a, c3, rate, x, n);
        }
    }

    static final Kernel SCALAR = new Scalar();

    /**
     * The float dot product's reduction from {@code u_l = s_l + s_{16+l}}, {@code l < 16}, at {@code u[from..from+16)}:
     * {@code v_l = u_l + u_{8+l}}, {@code t_l = v_l + v_{4+l}}, then {@code (t_0 + t_1) + (t_2 + t_3)}. Here, outside
     * {@code VectorKernel}, so that the compiler directive does not keep it out of line.
     */
    static float halvingTree(float[] u, int from) {
        int f = from;
        return (((u[f] + u[f + 8]) + (u[f + 4] + u[f + 12])) + ((u[f + 1] + u[f + 9]) + (u[f + 5] + u[f + 13])))
                + (((u[f + 2] + u[f + 10]) + (u[f + 6] + u[f + 14])) + ((u[f + 3] + u[f + 11]) + (u[f + 7] + u[f + 15])));
    }

    /**
     * The double dot product's reduction from its sixteen partial sums {@code s_l} at {@code s[from..from+16)}:
     * {@code u_l = (s_l + s_{4+l}) + (s_{8+l} + s_{12+l})}, then {@code (u_0 + u_1) + (u_2 + u_3)}.
     */
    static double halvingTree(double[] s, int from) {
        int f = from;
        double u0 = (s[f] + s[f + 4]) + (s[f + 8] + s[f + 12]);
        double u1 = (s[f + 1] + s[f + 5]) + (s[f + 9] + s[f + 13]);
        double u2 = (s[f + 2] + s[f + 6]) + (s[f + 10] + s[f + 14]);
        double u3 = (s[f + 3] + s[f + 7]) + (s[f + 11] + s[f + 15]);
        return (u0 + u1) + (u2 + u3);
    }

    /** Null until {@link #installCompilerDirective()} has run, then whether it succeeded. */
    private static Boolean directiveInstalled;

    private Kernels() {
    }

    /**
     * Asks HotSpot, through the same diagnostic command as {@code jcmd <pid> Compiler.directives_add}, never to inline
     * {@link VectorKernel}'s methods into their callers, and from then on lets new models use the Vector API kernel.
     * The application's {@code main} calls it at start-up, before building models, so that the side effect is visible
     * where the program begins; a program that does not is covered by {@link #preferred()}, which calls it when the
     * first model is built with the module present. Further calls return the first call's result and change nothing.
     *
     * <p>Why: Vector API code is fast only when C2 inlines the whole chain of the API's internals into one
     * compilation; inlined into a large caller (the learning step), that chain may hit the caller's inlining budget,
     * and the vectors then live as heap objects: measured, one benchmark JVM in two ran every model ten times slower
     * (S4 1.7k instead of 20k steps/s). Compiled on their own, the kernels always get the whole chain.
     *
     * <p>Without the directive (never installed, or refused by the JVM) models use the plain-Java kernel: the same
     * bits, slower on wide layers (the forward mix and the row updates run one double at a time). The directive is
     * JVM-wide, written to a temporary file that is deleted again, and matches only {@code VectorKernel}'s methods.
     *
     * @return whether the directive is in effect
     */
    public static synchronized boolean installCompilerDirective() {
        if (directiveInstalled == null) {
            directiveInstalled = addCompilerDirective("[{ match: \"*.*\", inline: \"-dev/backstream/nn/VectorKernel.*\" }]");
        }
        return directiveInstalled;
    }

    private static boolean addCompilerDirective(String directive) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("backstream-compiler-directives", ".json");
            try {
                java.nio.file.Files.writeString(file, directive);
                Object output = java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                        new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
                return String.valueOf(output).contains("1 compiler directives added");
            } finally {
                java.nio.file.Files.deleteIfExists(file);
            }
        } catch (Exception | LinkageError e) {
            return false;
        }
    }

    /**
     * The kernel for a model built now: the Vector API kernel if the module is present, {@code backstream.vector} is not
     * {@code false} and the compiler directive is in effect; else {@link #SCALAR}. The first model built with the module
     * present installs the directive if nobody has yet ({@link #installCompilerDirective()}), so that a program using
     * the numeric core as a library (a benchmark harness, an embedding application) gets the same kernel as
     * {@code backstream}'s {@code main}, which installs it at start-up; loading this class still changes nothing.
     */
    static synchronized Kernel preferred() {
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty("backstream.vector"));
        if (!wanted || vector() == null) {
            return SCALAR;
        }
        return installCompilerDirective() ? vector() : SCALAR;
    }

    /** The Vector API kernel, or null when {@code jdk.incubator.vector} is not in the boot layer. */
    static Kernel vector() {
        return VectorHolder.KERNEL;
    }

    /** The name of the implementation new models use ({@code VectorKernel} or {@code Scalar}), for logs and reports. */
    public static String implementation() {
        return preferred().getClass().getSimpleName();
    }

    /**
     * The kernel new models use, for people: {@code vector (512-bit)}, {@code vector (256-bit)} or {@code scalar}.
     * Like {@link #preferred()}, the first call with the module present installs the compiler directive.
     */
    public static String description() {
        return preferred().description();
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Loads {@link VectorKernel} by reflection, on first use only, so that the application runs without the module. */
    private static final class VectorHolder {
        static final Kernel KERNEL = load();

        private static Kernel load() {
            if (!vectorModulePresent()) {
                return null;
            }
            try {
                return (Kernel) Class.forName("dev.backstream.nn.VectorKernel").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return null;
            }
        }
    }

    /** The reference implementation, in plain Java. */
    static final class Scalar implements Kernel {
        @Override
        public String description() {
            return "scalar";
        }

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
        public float dot(float[] w, float[] a, int n) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            float s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
            float s16 = 0, s17 = 0, s18 = 0, s19 = 0, s20 = 0, s21 = 0, s22 = 0, s23 = 0;
            float s24 = 0, s25 = 0, s26 = 0, s27 = 0, s28 = 0, s29 = 0, s30 = 0, s31 = 0;
            int bound = n - (n & 31);
            int i = 0;
            for (; i < bound; i += 32) {
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
                s16 += w[i + 16] * a[i + 16];
                s17 += w[i + 17] * a[i + 17];
                s18 += w[i + 18] * a[i + 18];
                s19 += w[i + 19] * a[i + 19];
                s20 += w[i + 20] * a[i + 20];
                s21 += w[i + 21] * a[i + 21];
                s22 += w[i + 22] * a[i + 22];
                s23 += w[i + 23] * a[i + 23];
                s24 += w[i + 24] * a[i + 24];
                s25 += w[i + 25] * a[i + 25];
                s26 += w[i + 26] * a[i + 26];
                s27 += w[i + 27] * a[i + 27];
                s28 += w[i + 28] * a[i + 28];
                s29 += w[i + 29] * a[i + 29];
                s30 += w[i + 30] * a[i + 30];
                s31 += w[i + 31] * a[i + 31];
            }
            float u0 = s0 + s16, u1 = s1 + s17, u2 = s2 + s18, u3 = s3 + s19, u4 = s4 + s20, u5 = s5 + s21, u6 = s6 + s22, u7 = s7 + s23;
            float u8 = s8 + s24, u9 = s9 + s25, u10 = s10 + s26, u11 = s11 + s27, u12 = s12 + s28, u13 = s13 + s29, u14 = s14 + s30, u15 = s15 + s31;
            float v0 = u0 + u8, v1 = u1 + u9, v2 = u2 + u10, v3 = u3 + u11, v4 = u4 + u12, v5 = u5 + u13, v6 = u6 + u14, v7 = u7 + u15;
            float sum = ((v0 + v4) + (v1 + v5)) + ((v2 + v6) + (v3 + v7));
            for (; i < n; i++) {
                sum += w[i] * a[i];
            }
            return sum;
        }

        @Override
        public void subtractScaled(float[] w, float[] a, float s, int n) {
            for (int j = 0; j < n; j++) {
                w[j] -= s * a[j];
            }
        }

        @Override
        public void addScaled(float[] d, float[] w, float c, int n) {
            for (int j = 0; j < n; j++) {
                d[j] += c * w[j];
            }
        }

        @Override
        public void sigmoid(float[] z, float[] a, int n) {
            for (int j = 0; j < n; j++) {
                a[j] = Float32Math.sigmoid(z[j]);
            }
        }

        @Override
        public void sigmoid(double[] z, double[] a, int n) {
            for (int j = 0; j < n; j++) {
                a[j] = Activation.sigmoid(z[j]);
            }
        }
    }
}
