package dev.backstream.nn;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Vector API kernel computes exactly what the plain-Java kernel computes, for every length. */
class KernelsTest {
    private final Kernels.Kernel scalar = new Kernels.Scalar();
    private final Kernels.Kernel vector = new VectorKernel();
    private final SplittableRandom random = new SplittableRandom(3);

    private double[] randomVector(int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-8, 8));
        }
        return values;
    }

    @Test
    void theTestsRunTheVectorKernel() {
        assertEquals("VectorKernel", Kernels.implementation(), "surefire passes --add-modules jdk.incubator.vector");
    }

    @Test
    void dotProductsAreBitIdentical() {
        for (int n = 0; n <= 100; n++) {
            for (int trial = 0; trial < 20; trial++) {
                double[] w = randomVector(n);
                double[] a = randomVector(n);
                assertEquals(Double.doubleToRawLongBits(scalar.dot(w, a, n)), Double.doubleToRawLongBits(vector.dot(w, a, n)),
                        "length " + n);
            }
        }
    }

    @Test
    void rowUpdatesAreBitIdentical() {
        for (int n = 0; n <= 40; n++) {
            double[] w = randomVector(n);
            double[] a = randomVector(n);
            double c = random.nextDouble(-2, 2);
            double[] expected = w.clone();
            double[] actual = w.clone();
            scalar.subtractScaled(expected, a, c, 0.3, n);
            vector.subtractScaled(actual, a, c, 0.3, n);
            assertArrayEquals(expected, actual, "subtractScaled, length " + n);
            scalar.addScaled(expected, a, c, n);
            vector.addScaled(actual, a, c, n);
            assertArrayEquals(expected, actual, "addScaled, length " + n);
        }
    }

    @Test
    void fusedUpdateThenDotIsBitIdenticalToUpdateThenDot() {
        for (int n = 0; n <= 100; n++) {
            for (int trial = 0; trial < 10; trial++) {
                double[] w = randomVector(n);
                double[] v = randomVector(n);
                double[] p = randomVector(n);
                double[] a = randomVector(n);
                double c = random.nextDouble(-2, 2);
                double d = random.nextDouble(-2, 2);
                double rate = random.nextDouble(1e-4, 1);
                double[] expectedW = w.clone();
                double[] expectedV = v.clone();
                scalar.subtractScaled(expectedW, p, c, rate, n);
                scalar.subtractScaled(expectedV, p, d, rate, n);
                long expectedDotW = Double.doubleToRawLongBits(scalar.dot(expectedW, a, n));
                long expectedDotV = Double.doubleToRawLongBits(scalar.dot(expectedV, a, n));
                for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                    String where = kernel.getClass().getSimpleName() + ", length " + n;
                    double[] actualW = w.clone();
                    assertEquals(expectedDotW, Double.doubleToRawLongBits(kernel.subtractScaledThenDot(actualW, p, c, rate, a, n)), where);
                    assertArrayEquals(expectedW, actualW, where);
                    actualW = w.clone();
                    double[] actualV = v.clone();
                    double[] out = {7, 7, 7, 7};
                    kernel.subtractScaledThenDot2(actualW, actualV, p, c, d, rate, a, n, out, 1);
                    assertArrayEquals(expectedW, actualW, where);
                    assertArrayEquals(expectedV, actualV, where);
                    assertEquals(7.0, out[0]);
                    assertEquals(expectedDotW, Double.doubleToRawLongBits(out[1]), where);
                    assertEquals(expectedDotV, Double.doubleToRawLongBits(out[2]), where);
                    assertEquals(7.0, out[3]);
                }
            }
        }
    }

    /** Arguments the exponentials must agree on: every magnitude, both signs, zeros, the range ends and non-finite values. */
    private double[] exponentArguments(int n) {
        double[] specials = {0.0, -0.0, 1e-300, -1e-300, Double.MIN_VALUE, -Double.MIN_VALUE, 0.5, -0.5, 1.5, -1.5,
                0.34657359027997264, -0.34657359027997264, 699.9999, 700.0, 700.0000001, -700.0, -700.0000001, 708.0, -708.0,
                709.7, 709.79, 710, -709.0, -720.0, -744.0, -745.2, -746.0, -1e10, 1e10, Double.MAX_VALUE, -Double.MAX_VALUE,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Double.longBitsToDouble(0xfff8000000000001L)};
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(10);
            values[i] = kind == 0 ? specials[random.nextInt(specials.length)]
                    : kind < 4 ? random.nextDouble(-800, 800)
                    : kind < 7 ? random.nextDouble(-40, 40)
                    : random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-20, 3));
        }
        return values;
    }

    @Test
    void exponentialsAreBitIdenticalToExpAndSigmoid() {
        for (int trial = 0; trial < 20_000; trial++) {
            int n = random.nextInt(0, 19);
            double[] z = exponentArguments(n);
            double shift = random.nextInt(4) == 0 ? 0.0 : random.nextDouble(-50, 50);
            double[] expectedSigmoid = new double[n + 1];
            double[] expectedExp = new double[n + 1];
            for (int i = 0; i < n; i++) {
                expectedSigmoid[i] = Activation.sigmoid(z[i]);
                expectedExp[i] = Exp.exp(z[i] - shift);
            }
            expectedSigmoid[n] = expectedExp[n] = 42.0;
            for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                double[] actual = new double[n + 1];
                actual[n] = 42.0;
                kernel.sigmoid(z, actual, n);
                assertBitsEqual(expectedSigmoid, actual, kernel + " sigmoid of " + java.util.Arrays.toString(z));
                actual = new double[n + 1];
                actual[n] = 42.0;
                kernel.expShifted(z, shift, actual, n);
                assertBitsEqual(expectedExp, actual, kernel + " exp of " + java.util.Arrays.toString(z) + " - " + shift);
            }
        }
    }

    private static void assertBitsEqual(double[] expected, double[] actual, String message) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(actual[i]), message + " at " + i);
        }
    }

    @Test
    void computesWhatTheNamesSay() {
        double[] w = new double[37];
        double[] a = new double[37];
        double expected = 0;
        for (int i = 0; i < 37; i++) {
            w[i] = i;
            a[i] = 0.5 * (i % 3);
            expected += w[i] * a[i];
        }
        assertEquals(expected, Kernels.dot(w, a, 37), 1e-12);
        assertEquals(0.0, Kernels.dot(w, a, 0));
        double[] row = {1, 2, 3, 4, 5};
        Kernels.subtractScaled(row, new double[] {1, 1, 2, 2, 0}, 2.0, 0.5, 5);
        assertArrayEquals(new double[] {0, 1, 1, 2, 5}, row);
        double[] sums = {1, 1, 1, 1, 1};
        Kernels.addScaled(sums, new double[] {1, 2, 3, 4, 5}, -1.0, 4);
        assertArrayEquals(new double[] {0, -1, -2, -3, 1}, sums);
    }
}
