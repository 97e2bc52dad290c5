package dev.backstream.nn;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} with the incubating Vector API, in 256-bit vectors (four doubles: every x86-64 CPU with AVX2
 * runs them natively). Loaded by reflection only when the module is present, so the application runs without it.
 */
final class VectorKernel implements Kernels.Kernel {
    private static final VectorSpecies<Double> FOUR = DoubleVector.SPECIES_256;

    @Override
    public double dot(double[] w, double[] a, int n) {
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
        int bound = FOUR.loopBound(n);
        int j = 0;
        for (; j < bound; j += 4) {
            DoubleVector step = DoubleVector.fromArray(FOUR, a, j).mul(c).mul(rate); // λ (c a_j): c·a_j first, as in Scalar
            DoubleVector.fromArray(FOUR, w, j).sub(step).intoArray(w, j);
        }
        for (; j < n; j++) {
            w[j] -= rate * (c * a[j]);
        }
    }

    @Override
    public void addScaled(double[] d, double[] w, double c, int n) {
        int bound = FOUR.loopBound(n);
        int j = 0;
        for (; j < bound; j += 4) {
            DoubleVector.fromArray(FOUR, d, j).add(DoubleVector.fromArray(FOUR, w, j).mul(c)).intoArray(d, j);
        }
        for (; j < n; j++) {
            d[j] += c * w[j];
        }
    }

    @Override
    public double subtractScaledThenDot(double[] w, double[] p, double c, double rate, double[] a, int n) {
        DoubleVector acc0 = DoubleVector.zero(FOUR);
        DoubleVector acc1 = DoubleVector.zero(FOUR);
        DoubleVector acc2 = DoubleVector.zero(FOUR);
        DoubleVector acc3 = DoubleVector.zero(FOUR);
        int bound = n - (n & 15);
        int i = 0;
        for (; i < bound; i += 16) {
            // w ← w − (p c) λ, exactly as subtractScaled; then the updated row enters the sums exactly as in dot.
            DoubleVector w0 = DoubleVector.fromArray(FOUR, w, i).sub(DoubleVector.fromArray(FOUR, p, i).mul(c).mul(rate));
            DoubleVector w1 = DoubleVector.fromArray(FOUR, w, i + 4).sub(DoubleVector.fromArray(FOUR, p, i + 4).mul(c).mul(rate));
            DoubleVector w2 = DoubleVector.fromArray(FOUR, w, i + 8).sub(DoubleVector.fromArray(FOUR, p, i + 8).mul(c).mul(rate));
            DoubleVector w3 = DoubleVector.fromArray(FOUR, w, i + 12).sub(DoubleVector.fromArray(FOUR, p, i + 12).mul(c).mul(rate));
            w0.intoArray(w, i);
            w1.intoArray(w, i + 4);
            w2.intoArray(w, i + 8);
            w3.intoArray(w, i + 12);
            acc0 = acc0.add(w0.mul(DoubleVector.fromArray(FOUR, a, i)));
            acc1 = acc1.add(w1.mul(DoubleVector.fromArray(FOUR, a, i + 4)));
            acc2 = acc2.add(w2.mul(DoubleVector.fromArray(FOUR, a, i + 8)));
            acc3 = acc3.add(w3.mul(DoubleVector.fromArray(FOUR, a, i + 12)));
        }
        DoubleVector u = acc0.add(acc1).add(acc2.add(acc3)); // u_l = (s_l + s_{4+l}) + (s_{8+l} + s_{12+l})
        double sum = (u.lane(0) + u.lane(1)) + (u.lane(2) + u.lane(3));
        for (; i < n; i++) {
            double wi = w[i] - rate * (c * p[i]);
            w[i] = wi;
            sum += wi * a[i];
        }
        return sum;
    }

    @Override
    public void subtractScaledThenDot2(double[] w, double[] v, double[] p, double c, double d, double rate, double[] a, int n,
                                       double[] out, int k) {
        // Two rows of subtractScaledThenDot, interleaved: row w with c into acc*, row v with d into bcc*.
        DoubleVector acc0 = DoubleVector.zero(FOUR);
        DoubleVector acc1 = DoubleVector.zero(FOUR);
        DoubleVector acc2 = DoubleVector.zero(FOUR);
        DoubleVector acc3 = DoubleVector.zero(FOUR);
        DoubleVector bcc0 = DoubleVector.zero(FOUR);
        DoubleVector bcc1 = DoubleVector.zero(FOUR);
        DoubleVector bcc2 = DoubleVector.zero(FOUR);
        DoubleVector bcc3 = DoubleVector.zero(FOUR);
        int bound = n - (n & 15);
        int i = 0;
        for (; i < bound; i += 16) {
            DoubleVector p0 = DoubleVector.fromArray(FOUR, p, i);
            DoubleVector p1 = DoubleVector.fromArray(FOUR, p, i + 4);
            DoubleVector p2 = DoubleVector.fromArray(FOUR, p, i + 8);
            DoubleVector p3 = DoubleVector.fromArray(FOUR, p, i + 12);
            DoubleVector a0 = DoubleVector.fromArray(FOUR, a, i);
            DoubleVector a1 = DoubleVector.fromArray(FOUR, a, i + 4);
            DoubleVector a2 = DoubleVector.fromArray(FOUR, a, i + 8);
            DoubleVector a3 = DoubleVector.fromArray(FOUR, a, i + 12);
            DoubleVector w0 = DoubleVector.fromArray(FOUR, w, i).sub(p0.mul(c).mul(rate));
            DoubleVector w1 = DoubleVector.fromArray(FOUR, w, i + 4).sub(p1.mul(c).mul(rate));
            DoubleVector w2 = DoubleVector.fromArray(FOUR, w, i + 8).sub(p2.mul(c).mul(rate));
            DoubleVector w3 = DoubleVector.fromArray(FOUR, w, i + 12).sub(p3.mul(c).mul(rate));
            DoubleVector v0 = DoubleVector.fromArray(FOUR, v, i).sub(p0.mul(d).mul(rate));
            DoubleVector v1 = DoubleVector.fromArray(FOUR, v, i + 4).sub(p1.mul(d).mul(rate));
            DoubleVector v2 = DoubleVector.fromArray(FOUR, v, i + 8).sub(p2.mul(d).mul(rate));
            DoubleVector v3 = DoubleVector.fromArray(FOUR, v, i + 12).sub(p3.mul(d).mul(rate));
            w0.intoArray(w, i);
            w1.intoArray(w, i + 4);
            w2.intoArray(w, i + 8);
            w3.intoArray(w, i + 12);
            v0.intoArray(v, i);
            v1.intoArray(v, i + 4);
            v2.intoArray(v, i + 8);
            v3.intoArray(v, i + 12);
            acc0 = acc0.add(w0.mul(a0));
            acc1 = acc1.add(w1.mul(a1));
            acc2 = acc2.add(w2.mul(a2));
            acc3 = acc3.add(w3.mul(a3));
            bcc0 = bcc0.add(v0.mul(a0));
            bcc1 = bcc1.add(v1.mul(a1));
            bcc2 = bcc2.add(v2.mul(a2));
            bcc3 = bcc3.add(v3.mul(a3));
        }
        DoubleVector u = acc0.add(acc1).add(acc2.add(acc3));
        double sum0 = (u.lane(0) + u.lane(1)) + (u.lane(2) + u.lane(3));
        DoubleVector t = bcc0.add(bcc1).add(bcc2.add(bcc3));
        double sum1 = (t.lane(0) + t.lane(1)) + (t.lane(2) + t.lane(3));
        for (; i < n; i++) {
            double wi = w[i] - rate * (c * p[i]);
            w[i] = wi;
            sum0 += wi * a[i];
            double vi = v[i] - rate * (d * p[i]);
            v[i] = vi;
            sum1 += vi * a[i];
        }
        out[k] = sum0;
        out[k + 1] = sum1;
    }

    /*
     * EXP: how {@link #sigmoid} and {@link #expShifted} compute {@link Exp#exp} on four lanes, each in
     * {@code [−RANGE, RANGE]}: the same operations in the same order. Only
     * {@code Math.rint} and the conversion of {@code k} to an exponent are written differently, with the same results:
     * {@code (y + 1.5·2^52) − 1.5·2^52} is {@code rint(y)} (but +0 where rint gives −0, which changes neither {@code r}
     * nor the result: then {@code x} is ±0 and {@code e^r} is 1), and the low bits of {@code y + 1.5·2^52} hold {@code k}.
     * It is written out in both methods rather than called: a vector passed to a method that the JIT compiled on its
     * own (and then declines to inline) is boxed, an allocation per call.
     */

    /** {@code 1.5·2^52}: adding it rounds any {@code |y| < 2^51} to an integer, ties to even, exactly as {@link Math#rint}. */
    private static final double ROUNDER = 0x1.8p52;
    /** Inputs in {@code [−RANGE, RANGE]} take Exp's main path ({@code |k| ≤ 1010}); others fall back to it. */
    private static final double RANGE = 700.0;

    @Override
    public void sigmoid(double[] z, double[] a, int n) {
        int bound = FOUR.loopBound(n);
        int i = 0;
        for (; i < bound; i += 4) {
            DoubleVector zv = DoubleVector.fromArray(FOUR, z, i);
            // Activation.sigmoid: z ≥ 0 → 1 / (1 + e^{−z}); otherwise (NaN included) e^{z} / (1 + e^{z}).
            VectorMask<Double> nonNegative = zv.compare(VectorOperators.GE, 0.0);
            DoubleVector x = zv.blend(zv.neg(), nonNegative);
            if (!x.compare(VectorOperators.GE, -RANGE).allTrue()) {
                for (int l = i; l < i + 4; l++) {
                    a[l] = Activation.sigmoid(z[l]);
                }
                continue;
            }
            // e = Exp.exp(x), inlined by hand (see EXP above)
            DoubleVector shifted = x.mul(Exp.LOG2_E).add(ROUNDER);
            DoubleVector k = shifted.sub(ROUNDER);
            DoubleVector r = x.sub(k.mul(Exp.LN2_HI)).sub(k.mul(Exp.LN2_LO));
            DoubleVector p = DoubleVector.broadcast(FOUR, 1.0 / 6227020800.0);
            p = r.mul(p).add(1.0 / 479001600.0);
            p = r.mul(p).add(1.0 / 39916800.0);
            p = r.mul(p).add(1.0 / 3628800.0);
            p = r.mul(p).add(1.0 / 362880.0);
            p = r.mul(p).add(1.0 / 40320.0);
            p = r.mul(p).add(1.0 / 5040.0);
            p = r.mul(p).add(1.0 / 720.0);
            p = r.mul(p).add(1.0 / 120.0);
            p = r.mul(p).add(1.0 / 24.0);
            p = r.mul(p).add(1.0 / 6.0);
            p = r.mul(p).add(0.5);
            p = r.mul(p).add(1.0);
            p = r.mul(p).add(1.0);
            // 2^k: the low 12 bits of shifted's bits are k + (a multiple of 4096), so (bits + 1023) << 52 is (k + 1023) << 52.
            LongVector bits = shifted.reinterpretAsLongs().add(1023L).lanewise(VectorOperators.LSHL, 52);
            DoubleVector e = p.mul(bits.reinterpretAsDoubles());
            DoubleVector numerator = e.blend(1.0, nonNegative);
            numerator.div(e.add(1.0)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = Activation.sigmoid(z[i]);
        }
    }

    @Override
    public void expShifted(double[] z, double shift, double[] a, int n) {
        int bound = FOUR.loopBound(n);
        int i = 0;
        for (; i < bound; i += 4) {
            DoubleVector x = DoubleVector.fromArray(FOUR, z, i).sub(shift);
            if (!x.compare(VectorOperators.GE, -RANGE).and(x.compare(VectorOperators.LE, RANGE)).allTrue()) {
                for (int l = i; l < i + 4; l++) {
                    a[l] = Exp.exp(z[l] - shift);
                }
                continue;
            }
            // Exp.exp(x), inlined by hand (see EXP above)
            DoubleVector shifted = x.mul(Exp.LOG2_E).add(ROUNDER);
            DoubleVector k = shifted.sub(ROUNDER);
            DoubleVector r = x.sub(k.mul(Exp.LN2_HI)).sub(k.mul(Exp.LN2_LO));
            DoubleVector p = DoubleVector.broadcast(FOUR, 1.0 / 6227020800.0);
            p = r.mul(p).add(1.0 / 479001600.0);
            p = r.mul(p).add(1.0 / 39916800.0);
            p = r.mul(p).add(1.0 / 3628800.0);
            p = r.mul(p).add(1.0 / 362880.0);
            p = r.mul(p).add(1.0 / 40320.0);
            p = r.mul(p).add(1.0 / 5040.0);
            p = r.mul(p).add(1.0 / 720.0);
            p = r.mul(p).add(1.0 / 120.0);
            p = r.mul(p).add(1.0 / 24.0);
            p = r.mul(p).add(1.0 / 6.0);
            p = r.mul(p).add(0.5);
            p = r.mul(p).add(1.0);
            p = r.mul(p).add(1.0);
            // 2^k: the low 12 bits of shifted's bits are k + (a multiple of 4096), so (bits + 1023) << 52 is (k + 1023) << 52.
            LongVector bits = shifted.reinterpretAsLongs().add(1023L).lanewise(VectorOperators.LSHL, 52);
            p.mul(bits.reinterpretAsDoubles()).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = Exp.exp(z[i] - shift);
        }
    }
}
