package dev.backstream.nn;

import jdk.incubator.vector.DoubleVector;
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
}
