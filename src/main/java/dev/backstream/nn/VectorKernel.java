package dev.backstream.nn;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} with the incubating Vector API: 512-bit vectors (eight doubles) where the CPU and the JVM use them
 * (AVX-512), else 256-bit ones (four doubles: every x86-64 CPU with AVX2). Both keep the scalar kernel's sixteen
 * partial sums and its reduction order, so the width never changes a bit. Loaded by reflection only when the module
 * is present, so the application runs without it.
 */
final class VectorKernel implements Kernels.Kernel {
    private static final VectorSpecies<Double> FOUR = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Double> EIGHT = DoubleVector.SPECIES_512;
    /** Constant for the JIT: which width this JVM runs. */
    private static final boolean WIDE = DoubleVector.SPECIES_PREFERRED.length() >= 8
            && !"256".equals(System.getProperty("backstream.vector.bits"));
    /** Lanes 4..7 then 0..3: adding a vector to its swapped halves gives s_l + s_{l+4} in lanes 0..3. */
    private static final VectorShuffle<Double> SWAP_HALVES = VectorShuffle.fromValues(EIGHT, 4, 5, 6, 7, 0, 1, 2, 3);

    private static final VectorSpecies<Float> EIGHT_FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> SIXTEEN_FLOATS = FloatVector.SPECIES_512;

    /** Whether the 512-bit kernels are in use. */
    static boolean wide() {
        return WIDE;
    }

    @Override
    public String description() {
        return WIDE ? "vector (512-bit)" : "vector (256-bit)";
    }

    /**
     * Rows shorter than one loop iteration never reach the vector methods, so that their profiles always show the
     * vector loop taken: a profile in which it never ran (a 2-input model) lets C2 compile the loop as an uncommon
     * trap, and after repeated deoptimizations between small and large models it may give the method up to C1, where
     * every vector operation is a boxed object (measured: ten times slower for a whole benchmark JVM).
     */
    @Override
    public double dot(double[] w, double[] a, int n) {
        if (n < 16) {
            double sum = 0; // the scalar kernel's sum of sixteen zero partial sums, then its sequential tail
            for (int i = 0; i < n; i++) {
                sum += w[i] * a[i];
            }
            return sum;
        }
        return WIDE ? dotEight(w, a, n) : dotFour(w, a, n);
    }

    /** Partial sums s_0..s_7 in the lanes of acc0 and s_8..s_15 in those of acc1, reduced in the scalar order. */
    static double dotEight(double[] w, double[] a, int n) {
        DoubleVector acc0 = DoubleVector.zero(EIGHT);
        DoubleVector acc1 = DoubleVector.zero(EIGHT);
        int bound = n - (n & 15);
        int i = 0;
        for (; i < bound; i += 16) {
            acc0 = acc0.add(DoubleVector.fromArray(EIGHT, w, i).mul(DoubleVector.fromArray(EIGHT, a, i)));
            acc1 = acc1.add(DoubleVector.fromArray(EIGHT, w, i + 8).mul(DoubleVector.fromArray(EIGHT, a, i + 8)));
        }
        DoubleVector low = acc0.add(acc0.rearrange(SWAP_HALVES)); // lane l < 4: s_l + s_{4+l}
        DoubleVector high = acc1.add(acc1.rearrange(SWAP_HALVES)); // lane l < 4: s_{8+l} + s_{12+l}
        DoubleVector u = low.add(high);
        double sum = (u.lane(0) + u.lane(1)) + (u.lane(2) + u.lane(3));
        for (; i < n; i++) {
            sum += w[i] * a[i];
        }
        return sum;
    }

    /**
     * The row update and the dot product in one pass over the row (512-bit only; otherwise the two kernels in turn):
     * each chunk of w is updated, stored and multiplied while in registers. The update is element-wise and the dot
     * keeps dotEight's partial sums and order, so the bits equal those of the two separate kernels.
     */
    @Override
    public double subtractScaledThenDot(double[] w, double[] a, double c, double rate, double[] x, int n) {
        if (!WIDE || n < 16) {
            subtractScaled(w, a, c, rate, n);
            return dot(w, x, n);
        }
        DoubleVector acc0 = DoubleVector.zero(EIGHT);
        DoubleVector acc1 = DoubleVector.zero(EIGHT);
        int bound = n - (n & 15);
        int i = 0;
        for (; i < bound; i += 16) {
            DoubleVector w0 = DoubleVector.fromArray(EIGHT, w, i).sub(DoubleVector.fromArray(EIGHT, a, i).mul(c).mul(rate));
            DoubleVector w1 = DoubleVector.fromArray(EIGHT, w, i + 8).sub(DoubleVector.fromArray(EIGHT, a, i + 8).mul(c).mul(rate));
            w0.intoArray(w, i);
            w1.intoArray(w, i + 8);
            acc0 = acc0.add(w0.mul(DoubleVector.fromArray(EIGHT, x, i)));
            acc1 = acc1.add(w1.mul(DoubleVector.fromArray(EIGHT, x, i + 8)));
        }
        DoubleVector low = acc0.add(acc0.rearrange(SWAP_HALVES));
        DoubleVector high = acc1.add(acc1.rearrange(SWAP_HALVES));
        DoubleVector u = low.add(high);
        double sum = (u.lane(0) + u.lane(1)) + (u.lane(2) + u.lane(3));
        for (int j = i; j < n; j++) {
            w[j] -= rate * (c * a[j]);
        }
        for (; i < n; i++) {
            sum += w[i] * x[i];
        }
        return sum;
    }

    /**
     * {@link #subtractScaledThenDot(double[], double[], double, double, double[], int)} on four rows, two per pass:
     * {@code a} and {@code x} loaded once for two rows, the partial sums reduced through {@code scratch}, the two
     * reductions and tails overlapping; two rows per pass for the reason given in the float version. The same bits as
     * single-row passes.
     */
    @Override
    public void subtractScaledThenDotFour(double[] w0, double[] w1, double[] w2, double[] w3, double[] a, double c0,
            double c1, double c2, double c3, double rate, double[] x, int n, double[] out, int o, double[] scratch) {
        subtractScaledThenDotTwo(w0, w1, a, c0, c1, rate, x, n, out, o, scratch);
        subtractScaledThenDotTwo(w2, w3, a, c2, c3, rate, x, n, out, o + 2, scratch);
    }

    private void subtractScaledThenDotTwo(double[] w0, double[] w1, double[] a, double c0, double c1, double rate,
            double[] x, int n, double[] out, int o, double[] scratch) {
        if (!WIDE || n < 16) {
            out[o + 0] = subtractScaledThenDot(w0, a, c0, rate, x, n);
            out[o + 1] = subtractScaledThenDot(w1, a, c1, rate, x, n);
            return;
        }
        DoubleVector p0 = DoubleVector.zero(EIGHT);
        DoubleVector q0 = DoubleVector.zero(EIGHT);
        DoubleVector p1 = DoubleVector.zero(EIGHT);
        DoubleVector q1 = DoubleVector.zero(EIGHT);
        int bound = n - (n & 15);
        int i = 0;
        for (; i < bound; i += 16) {
            DoubleVector a0 = DoubleVector.fromArray(EIGHT, a, i);
            DoubleVector a1 = DoubleVector.fromArray(EIGHT, a, i + 8);
            DoubleVector x0 = DoubleVector.fromArray(EIGHT, x, i);
            DoubleVector x1 = DoubleVector.fromArray(EIGHT, x, i + 8);
            DoubleVector u0 = DoubleVector.fromArray(EIGHT, w0, i).sub(a0.mul(c0).mul(rate));
            DoubleVector v0 = DoubleVector.fromArray(EIGHT, w0, i + 8).sub(a1.mul(c0).mul(rate));
            u0.intoArray(w0, i);
            v0.intoArray(w0, i + 8);
            p0 = p0.add(u0.mul(x0));
            q0 = q0.add(v0.mul(x1));
            DoubleVector u1 = DoubleVector.fromArray(EIGHT, w1, i).sub(a0.mul(c1).mul(rate));
            DoubleVector v1 = DoubleVector.fromArray(EIGHT, w1, i + 8).sub(a1.mul(c1).mul(rate));
            u1.intoArray(w1, i);
            v1.intoArray(w1, i + 8);
            p1 = p1.add(u1.mul(x0));
            q1 = q1.add(v1.mul(x1));
        }
        // s_0..s_15 of each row to the scratch array, reduced in scalar code (see the float version)
        p0.intoArray(scratch, 0);
        q0.intoArray(scratch, 8);
        p1.intoArray(scratch, 16);
        q1.intoArray(scratch, 24);
        double sum0 = Kernels.halvingTree(scratch, 0);
        double sum1 = Kernels.halvingTree(scratch, 16);
        for (; i < n; i++) {
            double ai = a[i];
            double xi = x[i];
            double t0 = w0[i] - rate * (c0 * ai);
            w0[i] = t0;
            sum0 += t0 * xi;
            double t1 = w1[i] - rate * (c1 * ai);
            w1[i] = t1;
            sum1 += t1 * xi;
        }
        out[o + 0] = sum0;
        out[o + 1] = sum1;
    }

    static double dotFour(double[] w, double[] a, int n) {
        DoubleVector acc0 = DoubleVector.zero(FOUR);
        DoubleVector acc1 = DoubleVector.zero(FOUR);
        DoubleVector acc2 = DoubleVector.zero(FOUR);
        DoubleVector acc3 = DoubleVector.zero(FOUR);
        int bound = n - (n & 15);
        int i = 0;
        for (; i < bound; i += 16) {
            acc0 = acc0.add(DoubleVector.fromArray(FOUR, w, i).mul(DoubleVector.fromArray(FOUR, a, i)));
            acc1 = acc1.add(DoubleVector.fromArray(FOUR, w, i + 4).mul(DoubleVector.fromArray(FOUR, a, i + 4)));
            acc2 = acc2.add(DoubleVector.fromArray(FOUR, w, i + 8).mul(DoubleVector.fromArray(FOUR, a, i + 8)));
            acc3 = acc3.add(DoubleVector.fromArray(FOUR, w, i + 12).mul(DoubleVector.fromArray(FOUR, a, i + 12)));
        }
        DoubleVector u = acc0.add(acc1).add(acc2.add(acc3)); // u_l = (s_l + s_{4+l}) + (s_{8+l} + s_{12+l})
        double sum = (u.lane(0) + u.lane(1)) + (u.lane(2) + u.lane(3));
        for (; i < n; i++) {
            sum += w[i] * a[i];
        }
        return sum;
    }

    @Override
    public void subtractScaled(double[] w, double[] a, double c, double rate, int n) {
        if (n < 8) {
            for (int j = 0; j < n; j++) {
                w[j] -= rate * (c * a[j]);
            }
            return;
        }
        int j = 0;
        if (WIDE) {
            int bound = EIGHT.loopBound(n);
            for (; j < bound; j += 8) {
                DoubleVector step = DoubleVector.fromArray(EIGHT, a, j).mul(c).mul(rate); // λ (c a_j): c·a_j first, as in Scalar
                DoubleVector.fromArray(EIGHT, w, j).sub(step).intoArray(w, j);
            }
        }
        int bound = FOUR.loopBound(n);
        for (; j < bound; j += 4) {
            DoubleVector step = DoubleVector.fromArray(FOUR, a, j).mul(c).mul(rate);
            DoubleVector.fromArray(FOUR, w, j).sub(step).intoArray(w, j);
        }
        for (; j < n; j++) {
            w[j] -= rate * (c * a[j]);
        }
    }

    /** As the float version: {@code d} read and written once per element for four rows. */
    @Override
    public void addScaledFour(double[] d, double[] w0, double[] w1, double[] w2, double[] w3, double c0, double c1,
            double c2, double c3, int n) {
        if (n < 8) { // never reached from the networks (see dot); the four calls' bits
            Kernels.Kernel.super.addScaledFour(d, w0, w1, w2, w3, c0, c1, c2, c3, n);
            return;
        }
        int j = 0;
        if (WIDE) {
            int bound = EIGHT.loopBound(n);
            for (; j < bound; j += 8) {
                DoubleVector.fromArray(EIGHT, d, j)
                        .add(DoubleVector.fromArray(EIGHT, w0, j).mul(c0))
                        .add(DoubleVector.fromArray(EIGHT, w1, j).mul(c1))
                        .add(DoubleVector.fromArray(EIGHT, w2, j).mul(c2))
                        .add(DoubleVector.fromArray(EIGHT, w3, j).mul(c3))
                        .intoArray(d, j);
            }
        }
        int bound = FOUR.loopBound(n);
        for (; j < bound; j += 4) {
            DoubleVector.fromArray(FOUR, d, j)
                    .add(DoubleVector.fromArray(FOUR, w0, j).mul(c0))
                    .add(DoubleVector.fromArray(FOUR, w1, j).mul(c1))
                    .add(DoubleVector.fromArray(FOUR, w2, j).mul(c2))
                    .add(DoubleVector.fromArray(FOUR, w3, j).mul(c3))
                    .intoArray(d, j);
        }
        for (; j < n; j++) {
            d[j] = (((d[j] + c0 * w0[j]) + c1 * w1[j]) + c2 * w2[j]) + c3 * w3[j];
        }
    }

    @Override
    public void addScaled(double[] d, double[] w, double c, int n) {
        if (n < 8) {
            for (int j = 0; j < n; j++) {
                d[j] += c * w[j];
            }
            return;
        }
        int j = 0;
        if (WIDE) {
            int bound = EIGHT.loopBound(n);
            for (; j < bound; j += 8) {
                DoubleVector.fromArray(EIGHT, d, j).add(DoubleVector.fromArray(EIGHT, w, j).mul(c)).intoArray(d, j);
            }
        }
        int bound = FOUR.loopBound(n);
        for (; j < bound; j += 4) {
            DoubleVector.fromArray(FOUR, d, j).add(DoubleVector.fromArray(FOUR, w, j).mul(c)).intoArray(d, j);
        }
        for (; j < n; j++) {
            d[j] += c * w[j];
        }
    }

    /** As {@link #dot(double[], double[], int)}: rows shorter than one loop iteration take the plain loop. */
    @Override
    public float dot(float[] w, float[] a, int n) {
        if (n < 32) {
            float sum = 0; // the scalar kernel's sum of 32 zero partial sums, then its sequential tail
            for (int i = 0; i < n; i++) {
                sum += w[i] * a[i];
            }
            return sum;
        }
        return WIDE ? dotSixteen(w, a, n) : dotEightFloats(w, a, n);
    }

    /** Partial sums s_0..s_15 in the lanes of acc0 and s_16..s_31 in those of acc1, reduced in the scalar order. */
    static float dotSixteen(float[] w, float[] a, int n) {
        FloatVector acc0 = FloatVector.zero(SIXTEEN_FLOATS);
        FloatVector acc1 = FloatVector.zero(SIXTEEN_FLOATS);
        int bound = n - (n & 31);
        int i = 0;
        for (; i < bound; i += 32) {
            acc0 = acc0.add(FloatVector.fromArray(SIXTEEN_FLOATS, w, i).mul(FloatVector.fromArray(SIXTEEN_FLOATS, a, i)));
            acc1 = acc1.add(FloatVector.fromArray(SIXTEEN_FLOATS, w, i + 16).mul(FloatVector.fromArray(SIXTEEN_FLOATS, a, i + 16)));
        }
        // v_l = u_l + u_{8+l}, then the scalar order, read lane by lane: JDK 17 does not compile a 16-float rearrange
        // into one instruction (measured: 3.5 times slower than this). Inline, not a helper: the compiler directive
        // keeps this class's methods out of line, and a vector passed to a call is boxed.
        FloatVector u = acc0.add(acc1);
        float sum = (((u.lane(0) + u.lane(8)) + (u.lane(4) + u.lane(12))) + ((u.lane(1) + u.lane(9)) + (u.lane(5) + u.lane(13))))
                + (((u.lane(2) + u.lane(10)) + (u.lane(6) + u.lane(14))) + ((u.lane(3) + u.lane(11)) + (u.lane(7) + u.lane(15))));
        for (; i < n; i++) {
            sum += w[i] * a[i];
        }
        return sum;
    }


    /** Partial sums s_0..7, s_8..15, s_16..23, s_24..31 in four 256-bit accumulators, reduced in the scalar order. */
    static float dotEightFloats(float[] w, float[] a, int n) {
        FloatVector acc0 = FloatVector.zero(EIGHT_FLOATS);
        FloatVector acc1 = FloatVector.zero(EIGHT_FLOATS);
        FloatVector acc2 = FloatVector.zero(EIGHT_FLOATS);
        FloatVector acc3 = FloatVector.zero(EIGHT_FLOATS);
        int bound = n - (n & 31);
        int i = 0;
        for (; i < bound; i += 32) {
            acc0 = acc0.add(FloatVector.fromArray(EIGHT_FLOATS, w, i).mul(FloatVector.fromArray(EIGHT_FLOATS, a, i)));
            acc1 = acc1.add(FloatVector.fromArray(EIGHT_FLOATS, w, i + 8).mul(FloatVector.fromArray(EIGHT_FLOATS, a, i + 8)));
            acc2 = acc2.add(FloatVector.fromArray(EIGHT_FLOATS, w, i + 16).mul(FloatVector.fromArray(EIGHT_FLOATS, a, i + 16)));
            acc3 = acc3.add(FloatVector.fromArray(EIGHT_FLOATS, w, i + 24).mul(FloatVector.fromArray(EIGHT_FLOATS, a, i + 24)));
        }
        FloatVector v = acc0.add(acc2).add(acc1.add(acc3)); // v_l = u_l + u_{8+l}, u_l = s_l + s_{16+l}
        float sum = ((v.lane(0) + v.lane(4)) + (v.lane(1) + v.lane(5))) + ((v.lane(2) + v.lane(6)) + (v.lane(3) + v.lane(7)));
        for (; i < n; i++) {
            sum += w[i] * a[i];
        }
        return sum;
    }

    /** As the double version: one pass over the row, 512-bit only; the same bits as the two kernels in turn. */
    @Override
    public float subtractScaledThenDot(float[] w, float[] a, float s, float[] x, int n) {
        if (!WIDE || n < 32) {
            subtractScaled(w, a, s, n);
            return dot(w, x, n);
        }
        FloatVector acc0 = FloatVector.zero(SIXTEEN_FLOATS);
        FloatVector acc1 = FloatVector.zero(SIXTEEN_FLOATS);
        int bound = n - (n & 31);
        int i = 0;
        for (; i < bound; i += 32) {
            FloatVector w0 = FloatVector.fromArray(SIXTEEN_FLOATS, w, i)
                    .sub(FloatVector.fromArray(SIXTEEN_FLOATS, a, i).mul(s));
            FloatVector w1 = FloatVector.fromArray(SIXTEEN_FLOATS, w, i + 16)
                    .sub(FloatVector.fromArray(SIXTEEN_FLOATS, a, i + 16).mul(s));
            w0.intoArray(w, i);
            w1.intoArray(w, i + 16);
            acc0 = acc0.add(w0.mul(FloatVector.fromArray(SIXTEEN_FLOATS, x, i)));
            acc1 = acc1.add(w1.mul(FloatVector.fromArray(SIXTEEN_FLOATS, x, i + 16)));
        }
        // v_l = u_l + u_{8+l}, then the scalar order, read lane by lane: JDK 17 does not compile a 16-float rearrange
        // into one instruction (measured: 3.5 times slower than this). Inline, not a helper: the compiler directive
        // keeps this class's methods out of line, and a vector passed to a call is boxed.
        FloatVector u = acc0.add(acc1);
        float sum = (((u.lane(0) + u.lane(8)) + (u.lane(4) + u.lane(12))) + ((u.lane(1) + u.lane(9)) + (u.lane(5) + u.lane(13))))
                + (((u.lane(2) + u.lane(10)) + (u.lane(6) + u.lane(14))) + ((u.lane(3) + u.lane(11)) + (u.lane(7) + u.lane(15))));
        for (int j = i; j < n; j++) {
            w[j] -= s * a[j];
        }
        for (; i < n; i++) {
            sum += w[i] * x[i];
        }
        return sum;
    }

    /**
     * {@link #subtractScaledThenDot(float[], float[], float, float[], int)} on four rows, two per pass: per sixteen
     * weights one load of the row, one load of the shared vectors and one store instead of three loads and a store, and
     * the two rows' reductions and sequential tails are independent chains that overlap. Not four rows per pass: such a
     * method reaches C2's node count cutoff for inlining (measured on JDK 17: its last calls were left out of line; the
     * double version then left Vector API calls on boxed vectors, ten times slower, in three runs out of five). The same
     * bits as single-row passes.
     */
    @Override
    public void subtractScaledThenDotFour(float[] w0, float[] w1, float[] w2, float[] w3, float[] a, float s0,
            float s1, float s2, float s3, float[] x, int n, float[] out, int o, float[] scratch) {
        subtractScaledThenDotTwo(w0, w1, a, s0, s1, x, n, out, o, scratch);
        subtractScaledThenDotTwo(w2, w3, a, s2, s3, x, n, out, o + 2, scratch);
    }

    private void subtractScaledThenDotTwo(float[] w0, float[] w1, float[] a, float s0, float s1, float[] x, int n,
            float[] out, int o, float[] scratch) {
        if (!WIDE || n < 32) {
            out[o + 0] = subtractScaledThenDot(w0, a, s0, x, n);
            out[o + 1] = subtractScaledThenDot(w1, a, s1, x, n);
            return;
        }
        FloatVector p0 = FloatVector.zero(SIXTEEN_FLOATS);
        FloatVector q0 = FloatVector.zero(SIXTEEN_FLOATS);
        FloatVector p1 = FloatVector.zero(SIXTEEN_FLOATS);
        FloatVector q1 = FloatVector.zero(SIXTEEN_FLOATS);
        int bound = n - (n & 31);
        int i = 0;
        for (; i < bound; i += 32) {
            FloatVector a0 = FloatVector.fromArray(SIXTEEN_FLOATS, a, i);
            FloatVector a1 = FloatVector.fromArray(SIXTEEN_FLOATS, a, i + 16);
            FloatVector x0 = FloatVector.fromArray(SIXTEEN_FLOATS, x, i);
            FloatVector x1 = FloatVector.fromArray(SIXTEEN_FLOATS, x, i + 16);
            FloatVector u0 = FloatVector.fromArray(SIXTEEN_FLOATS, w0, i).sub(a0.mul(s0));
            FloatVector v0 = FloatVector.fromArray(SIXTEEN_FLOATS, w0, i + 16).sub(a1.mul(s0));
            u0.intoArray(w0, i);
            v0.intoArray(w0, i + 16);
            p0 = p0.add(u0.mul(x0));
            q0 = q0.add(v0.mul(x1));
            FloatVector u1 = FloatVector.fromArray(SIXTEEN_FLOATS, w1, i).sub(a0.mul(s1));
            FloatVector v1 = FloatVector.fromArray(SIXTEEN_FLOATS, w1, i + 16).sub(a1.mul(s1));
            u1.intoArray(w1, i);
            v1.intoArray(w1, i + 16);
            p1 = p1.add(u1.mul(x0));
            q1 = q1.add(v1.mul(x1));
        }
        // u_l = s_l + s_{16+l} of each row to the scratch array, then each row's halving tree in scalar code: far fewer
        // compiled nodes than 32 lane reads
        p0.add(q0).intoArray(scratch, 0);
        p1.add(q1).intoArray(scratch, 16);
        float sum0 = Kernels.halvingTree(scratch, 0);
        float sum1 = Kernels.halvingTree(scratch, 16);
        for (; i < n; i++) {
            float ai = a[i];
            float xi = x[i];
            float e0 = w0[i] - s0 * ai;
            w0[i] = e0;
            sum0 += e0 * xi;
            float e1 = w1[i] - s1 * ai;
            w1[i] = e1;
            sum1 += e1 * xi;
        }
        out[o + 0] = sum0;
        out[o + 1] = sum1;
    }

    @Override
    public void subtractScaled(float[] w, float[] a, float s, int n) {
        if (n < 16) {
            for (int j = 0; j < n; j++) {
                w[j] -= s * a[j];
            }
            return;
        }
        int j = 0;
        if (WIDE) {
            int bound = SIXTEEN_FLOATS.loopBound(n);
            for (; j < bound; j += 16) {
                FloatVector step = FloatVector.fromArray(SIXTEEN_FLOATS, a, j).mul(s);
                FloatVector.fromArray(SIXTEEN_FLOATS, w, j).sub(step).intoArray(w, j);
            }
        }
        int bound = EIGHT_FLOATS.loopBound(n);
        for (; j < bound; j += 8) {
            FloatVector step = FloatVector.fromArray(EIGHT_FLOATS, a, j).mul(s);
            FloatVector.fromArray(EIGHT_FLOATS, w, j).sub(step).intoArray(w, j);
        }
        for (; j < n; j++) {
            w[j] -= s * a[j];
        }
    }

    /** Four rows into {@code d} per pass: {@code d} read and written once per element; element by element the same ops. */
    @Override
    public void addScaledFour(float[] d, float[] w0, float[] w1, float[] w2, float[] w3, float c0, float c1, float c2,
            float c3, int n) {
        if (n < 16) { // never reached from the networks (see dot); the four calls' bits
            Kernels.Kernel.super.addScaledFour(d, w0, w1, w2, w3, c0, c1, c2, c3, n);
            return;
        }
        int j = 0;
        if (WIDE) {
            int bound = SIXTEEN_FLOATS.loopBound(n);
            for (; j < bound; j += 16) {
                FloatVector.fromArray(SIXTEEN_FLOATS, d, j)
                        .add(FloatVector.fromArray(SIXTEEN_FLOATS, w0, j).mul(c0))
                        .add(FloatVector.fromArray(SIXTEEN_FLOATS, w1, j).mul(c1))
                        .add(FloatVector.fromArray(SIXTEEN_FLOATS, w2, j).mul(c2))
                        .add(FloatVector.fromArray(SIXTEEN_FLOATS, w3, j).mul(c3))
                        .intoArray(d, j);
            }
        }
        int bound = EIGHT_FLOATS.loopBound(n);
        for (; j < bound; j += 8) {
            FloatVector.fromArray(EIGHT_FLOATS, d, j)
                    .add(FloatVector.fromArray(EIGHT_FLOATS, w0, j).mul(c0))
                    .add(FloatVector.fromArray(EIGHT_FLOATS, w1, j).mul(c1))
                    .add(FloatVector.fromArray(EIGHT_FLOATS, w2, j).mul(c2))
                    .add(FloatVector.fromArray(EIGHT_FLOATS, w3, j).mul(c3))
                    .intoArray(d, j);
        }
        for (; j < n; j++) {
            d[j] = (((d[j] + c0 * w0[j]) + c1 * w1[j]) + c2 * w2[j]) + c3 * w3[j];
        }
    }

    @Override
    public void addScaled(float[] d, float[] w, float c, int n) {
        if (n < 16) {
            for (int j = 0; j < n; j++) {
                d[j] += c * w[j];
            }
            return;
        }
        int j = 0;
        if (WIDE) {
            int bound = SIXTEEN_FLOATS.loopBound(n);
            for (; j < bound; j += 16) {
                FloatVector.fromArray(SIXTEEN_FLOATS, d, j).add(FloatVector.fromArray(SIXTEEN_FLOATS, w, j).mul(c)).intoArray(d, j);
            }
        }
        int bound = EIGHT_FLOATS.loopBound(n);
        for (; j < bound; j += 8) {
            FloatVector.fromArray(EIGHT_FLOATS, d, j).add(FloatVector.fromArray(EIGHT_FLOATS, w, j).mul(c)).intoArray(d, j);
        }
        for (; j < n; j++) {
            d[j] += c * w[j];
        }
    }

    /**
     * {@link Activation#sigmoid} for eight (or four) values at a time, operation for operation: {@link Exp#exp}'s
     * reduction, polynomial and scaling (with its two-step scaling into the subnormal range and its underflow to 0),
     * then the same quotient. {@code rint} is the {@link Exp#ROUNDER} addition, and {@code 2^k} comes from that sum's
     * bits, so no conversion between doubles and longs is needed (AVX2 has none for 64-bit lanes).
     */
    @Override
    public void sigmoid(double[] z, double[] a, int n) {
        int j = 0;
        if (WIDE) {
            int bound = EIGHT.loopBound(n);
            for (; j < bound; j += 8) {
                DoubleVector zv = DoubleVector.fromArray(EIGHT, z, j);
                DoubleVector x = zv.abs().neg(); // −|z|, the scalar's argument of exp up to the sign of a zero
                DoubleVector t = x.mul(Exp.LOG2_E).add(Exp.ROUNDER);
                DoubleVector k = t.sub(Exp.ROUNDER); // rint(x log2 e)
                DoubleVector r = x.sub(k.mul(Exp.LN2_HI)).sub(k.mul(Exp.LN2_LO));
                DoubleVector p = DoubleVector.broadcast(EIGHT, Exp.C13).mul(r).add(Exp.C12).mul(r).add(Exp.C11).mul(r).add(Exp.C10)
                        .mul(r).add(Exp.C9).mul(r).add(Exp.C8).mul(r).add(Exp.C7).mul(r).add(Exp.C6).mul(r).add(Exp.C5)
                        .mul(r).add(Exp.C4).mul(r).add(Exp.C3).mul(r).add(Exp.C2).mul(r).add(1.0).mul(r).add(1.0);
                VectorMask<Double> tiny = k.compare(VectorOperators.LT, -1022.0); // 2^k subnormal: scaled in two steps
                DoubleVector scaleExponent = k.blend(k.add(600.0), tiny);
                DoubleVector scale = ((LongVector) scaleExponent.add(Exp.ROUNDER).viewAsIntegralLanes())
                        .sub(Exp.ROUNDER_BITS - 1023).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
                DoubleVector e = p.mul(scale).mul(DoubleVector.broadcast(EIGHT, 1.0).blend(0x1.0p-600, tiny))
                        .blend(0.0, x.compare(VectorOperators.LT, Exp.UNDERFLOW));
                VectorMask<Double> nonNegative = zv.compare(VectorOperators.GE, 0.0);
                e.blend(1.0, nonNegative).div(e.add(1.0)).intoArray(a, j);
            }
        }
        int bound = FOUR.loopBound(n);
        for (; j < bound; j += 4) {
            DoubleVector zv = DoubleVector.fromArray(FOUR, z, j);
            DoubleVector x = zv.abs().neg(); // −|z|, the scalar's argument of exp up to the sign of a zero
            DoubleVector t = x.mul(Exp.LOG2_E).add(Exp.ROUNDER);
            DoubleVector k = t.sub(Exp.ROUNDER); // rint(x log2 e)
            DoubleVector r = x.sub(k.mul(Exp.LN2_HI)).sub(k.mul(Exp.LN2_LO));
            DoubleVector p = DoubleVector.broadcast(FOUR, Exp.C13).mul(r).add(Exp.C12).mul(r).add(Exp.C11).mul(r).add(Exp.C10)
                    .mul(r).add(Exp.C9).mul(r).add(Exp.C8).mul(r).add(Exp.C7).mul(r).add(Exp.C6).mul(r).add(Exp.C5)
                    .mul(r).add(Exp.C4).mul(r).add(Exp.C3).mul(r).add(Exp.C2).mul(r).add(1.0).mul(r).add(1.0);
            VectorMask<Double> tiny = k.compare(VectorOperators.LT, -1022.0); // 2^k subnormal: scaled in two steps
            DoubleVector scaleExponent = k.blend(k.add(600.0), tiny);
            DoubleVector scale = ((LongVector) scaleExponent.add(Exp.ROUNDER).viewAsIntegralLanes())
                    .sub(Exp.ROUNDER_BITS - 1023).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
            DoubleVector e = p.mul(scale).mul(DoubleVector.broadcast(FOUR, 1.0).blend(0x1.0p-600, tiny))
                    .blend(0.0, x.compare(VectorOperators.LT, Exp.UNDERFLOW));
            VectorMask<Double> nonNegative = zv.compare(VectorOperators.GE, 0.0);
            e.blend(1.0, nonNegative).div(e.add(1.0)).intoArray(a, j);
        }
        for (; j < n; j++) {
            a[j] = Activation.sigmoid(z[j]);
        }
    }

    /**
     * {@link Float32Math#sigmoid} eight or sixteen lanes at a time: the same operations in the same order, lane by
     * lane (a select for the sign instead of a branch), so the same bits; the tail runs the scalar function.
     */
    @Override
    public void sigmoid(float[] z, float[] a, int n) {
        int j = 0;
        if (WIDE) {
            int bound = SIXTEEN_FLOATS.loopBound(n);
            for (; j < bound; j += 16) {
                FloatVector zv = FloatVector.fromArray(SIXTEEN_FLOATS, z, j);
                FloatVector x = zv.abs().neg().max(Float32Math.LOWEST);
                FloatVector t = x.mul(Float32Math.LOG2E).add(Float32Math.ROUNDER);
                FloatVector k = t.sub(Float32Math.ROUNDER);
                FloatVector r = x.sub(k.mul(Float32Math.LN2_HI)).sub(k.mul(Float32Math.LN2_LO));
                FloatVector p = FloatVector.broadcast(SIXTEEN_FLOATS, Float32Math.C7).mul(r).add(Float32Math.C6)
                        .mul(r).add(Float32Math.C5).mul(r).add(Float32Math.C4).mul(r).add(Float32Math.C3)
                        .mul(r).add(Float32Math.C2).mul(r).add(1f).mul(r).add(1f);
                FloatVector scale = ((IntVector) t.viewAsIntegralLanes()).sub(Float32Math.ROUNDER_BITS_MINUS_BIAS)
                        .lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
                FloatVector e = p.mul(scale);
                VectorMask<Float> nonNegative = zv.compare(VectorOperators.GE, 0f);
                e.blend(1f, nonNegative).div(e.add(1f)).intoArray(a, j);
            }
        }
        int bound = EIGHT_FLOATS.loopBound(n);
        for (; j < bound; j += 8) {
            FloatVector zv = FloatVector.fromArray(EIGHT_FLOATS, z, j);
            FloatVector x = zv.abs().neg().max(Float32Math.LOWEST);
            FloatVector t = x.mul(Float32Math.LOG2E).add(Float32Math.ROUNDER);
            FloatVector k = t.sub(Float32Math.ROUNDER);
            FloatVector r = x.sub(k.mul(Float32Math.LN2_HI)).sub(k.mul(Float32Math.LN2_LO));
            FloatVector p = FloatVector.broadcast(EIGHT_FLOATS, Float32Math.C7).mul(r).add(Float32Math.C6)
                    .mul(r).add(Float32Math.C5).mul(r).add(Float32Math.C4).mul(r).add(Float32Math.C3)
                    .mul(r).add(Float32Math.C2).mul(r).add(1f).mul(r).add(1f);
            FloatVector scale = ((IntVector) t.viewAsIntegralLanes()).sub(Float32Math.ROUNDER_BITS_MINUS_BIAS)
                    .lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
            FloatVector e = p.mul(scale);
            VectorMask<Float> nonNegative = zv.compare(VectorOperators.GE, 0f);
            e.blend(1f, nonNegative).div(e.add(1f)).intoArray(a, j);
        }
        for (; j < n; j++) {
            a[j] = Float32Math.sigmoid(z[j]);
        }
    }
}
