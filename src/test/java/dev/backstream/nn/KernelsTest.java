package dev.backstream.nn;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Vector API kernel computes exactly what the plain-Java kernel computes, for every length. The Vector API half
 * runs only where {@code jdk.incubator.vector} is in the boot layer (surefire adds it; an IDE may not) and is skipped,
 * not failed, elsewhere.
 */
class KernelsTest {
    private final Kernels.Kernel scalar = Kernels.SCALAR;
    private final SplittableRandom random = new SplittableRandom(3);

    /** The Vector API kernel; skips the calling test when the module is absent. */
    private static Kernels.Kernel vectorKernel() {
        assumeTrue(Kernels.vector() != null, "jdk.incubator.vector is not in the boot layer (add --add-modules jdk.incubator.vector)");
        return Kernels.vector();
    }

    private double[] randomVector(int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-8, 8));
        }
        return values;
    }

    @Test
    void newModelsUseTheVectorKernelOnceTheCompilerDirectiveIsInstalled() {
        vectorKernel();
        assertTrue(Kernels.installCompilerDirective(), "HotSpot accepts the directive");
        assertTrue(Kernels.installCompilerDirective(), "a second call changes nothing and reports the same");
        assertEquals("VectorKernel", Kernels.implementation());
        assertTrue(Kernels.vectorModulePresent());
        assertEquals(VectorKernel.wide() ? "vector (512-bit)" : "vector (256-bit)", Kernels.description());
        assertEquals("scalar", Kernels.SCALAR.description());
    }

    @Test
    void dotProductsAreBitIdentical() {
        Kernels.Kernel vector = vectorKernel();
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
    void bothVectorWidthsKeepTheScalarSummationOrder() {
        vectorKernel();
        for (int n = 0; n <= 100; n++) {
            double[] w = randomVector(n);
            double[] a = randomVector(n);
            long expected = Double.doubleToRawLongBits(scalar.dot(w, a, n));
            assertEquals(expected, Double.doubleToRawLongBits(VectorKernel.dotEight(w, a, n)), "512-bit, length " + n);
            assertEquals(expected, Double.doubleToRawLongBits(VectorKernel.dotFour(w, a, n)), "256-bit, length " + n);
        }
    }

    @Test
    void theFusedUpdateAndDotEqualTheTwoKernelsInTurn() {
        Kernels.Kernel vector = vectorKernel();
        for (int n = 0; n <= 100; n++) {
            double[] w = randomVector(n);
            double[] a = randomVector(n);
            double[] x = randomVector(n);
            double c = random.nextDouble(-2, 2);
            double[] expected = w.clone();
            scalar.subtractScaled(expected, a, c, 0.3, n);
            long expectedDot = Double.doubleToRawLongBits(scalar.dot(expected, x, n));
            double[] actual = w.clone();
            assertEquals(expectedDot, Double.doubleToRawLongBits(vector.subtractScaledThenDot(actual, a, c, 0.3, x, n)), "length " + n);
            assertArrayEquals(expected, actual, "updated row, length " + n);
        }
    }

    @Test
    void rowUpdatesAreBitIdentical() {
        Kernels.Kernel vector = vectorKernel();
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
    void computesWhatTheNamesSay() {
        double[] w = new double[37];
        double[] a = new double[37];
        double expected = 0;
        for (int i = 0; i < 37; i++) {
            w[i] = i;
            a[i] = 0.5 * (i % 3);
            expected += w[i] * a[i];
        }
        assertEquals(expected, scalar.dot(w, a, 37), 1e-12);
        assertEquals(0.0, scalar.dot(w, a, 0));
        double[] row = {1, 2, 3, 4, 5};
        scalar.subtractScaled(row, new double[] {1, 1, 2, 2, 0}, 2.0, 0.5, 5);
        assertArrayEquals(new double[] {0, 1, 1, 2, 5}, row);
        double[] sums = {1, 1, 1, 1, 1};
        scalar.addScaled(sums, new double[] {1, 2, 3, 4, 5}, -1.0, 4);
        assertArrayEquals(new double[] {0, -1, -2, -3, 1}, sums);
    }
}
