package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

    /** A scratch array as a kernel may find it: its contents are left over, here not even numbers. */
    static double[] staleScratch(double[] scratch) {
        java.util.Arrays.fill(scratch, Double.NaN);
        return scratch;
    }

    static float[] staleScratch(float[] scratch) {
        java.util.Arrays.fill(scratch, Float.NaN);
        return scratch;
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
    void theFourRowFusedPassEqualsFourSingleRowPasses() {
        Kernels.Kernel vector = vectorKernel();
        for (int n : new int[] {0, 1, 15, 16, 17, 31, 32, 33, 47, 100, 128, 129, 784}) {
            double[][] w = {randomVector(n), randomVector(n), randomVector(n), randomVector(n)};
            double[] a = randomVector(n);
            double[] x = randomVector(n);
            double[] c = {random.nextDouble(-2, 2), random.nextDouble(-2, 2), -random.nextDouble(), random.nextDouble(-1e-6, 1e-6)};
            double[][] expected = new double[4][];
            double[] expectedDots = new double[6]; // written at an offset, as a layer's outputs are
            for (int k = 0; k < 4; k++) {
                expected[k] = w[k].clone();
                expectedDots[1 + k] = scalar.subtractScaledThenDot(expected[k], a, c[k], 0.3, x, n);
            }
            for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                double[][] actual = {w[0].clone(), w[1].clone(), w[2].clone(), w[3].clone()};
                double[] dots = new double[6];
                kernel.subtractScaledThenDotFour(actual[0], actual[1], actual[2], actual[3], a, c[0], c[1], c[2], c[3], 0.3, x, n,
                        dots, 1, staleScratch(new double[32]));
                assertArrayEquals(expectedDots, dots, kernel.description() + ", dot products, length " + n);
                for (int k = 0; k < 4; k++) {
                    assertArrayEquals(expected[k], actual[k], kernel.description() + ", updated row " + k + ", length " + n);
                }
            }
        }
    }

    @Test
    void theFourRowAddScaledEqualsFourCallsInTurn() {
        Kernels.Kernel vector = vectorKernel();
        for (int n : new int[] {0, 3, 8, 9, 12, 15, 16, 17, 33, 128, 129, 256}) {
            double[][] w = {randomVector(n), randomVector(n), randomVector(n), randomVector(n)};
            double[] c = {random.nextDouble(-2, 2), random.nextDouble(-2, 2), -random.nextDouble(), random.nextDouble(-1e-6, 1e-6)};
            double[] d = randomVector(n);
            double[] expected = d.clone();
            for (int k = 0; k < 4; k++) {
                scalar.addScaled(expected, w[k], c[k], n);
            }
            for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                double[] actual = d.clone();
                kernel.addScaledFour(actual, w[0], w[1], w[2], w[3], c[0], c[1], c[2], c[3], n);
                assertArrayEquals(expected, actual, kernel.description() + ", length " + n);
            }
        }
    }

    @Test
    void theDoubleSigmoidIsBitIdenticalToTheScalarFunctionForRandomInputs() {
        Kernels.Kernel vector = vectorKernel();
        for (int n = 0; n <= 40; n++) {
            double[] z = new double[n];
            for (int j = 0; j < n; j++) {
                z[j] = random.nextDouble(-40, 40);
            }
            assertDoubleSigmoidsAgree(vector, z);
        }
        // the exponential's subnormal results (from about z = ∓708.40), its two-step scaling (k < -1022, from about z = ∓708.74) and its underflow (z = ∓745.13)
        double[] deep = new double[100_003];
        for (int j = 0; j < deep.length; j++) {
            deep[j] = (j % 2 == 0 ? -1 : 1) * random.nextDouble(700, 750);
        }
        assertDoubleSigmoidsAgree(vector, deep);
    }

    @Test
    void theDoubleSigmoidIsBitIdenticalToTheScalarFunctionForSpecialInputsInEveryLane() {
        Kernels.Kernel vector = vectorKernel();
        double[] special = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, 1e-300, -1e-300,
                708.0, -708.0, 708.39, -708.39, 708.4, -708.4, Math.nextDown(708.3964185322641), -Math.nextDown(708.3964185322641),
                709.0, -709.0, 744.4, -744.4, 745.1332191019411, -745.1332191019411, 745.1332191019412, -745.1332191019412,
                745.2, -745.2, 746.0, -746.0, 1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 17.0, -17.0, 0.5, -0.5, 36.7, -36.7};
        // every special value in every lane of the 8- and 4-wide loops and in the scalar tail
        for (int shift = 0; shift < 8; shift++) {
            double[] z = new double[shift + 2 * 8 * special.length + 3];
            for (int j = 0; j < z.length; j++) {
                z[j] = special[(j + shift) % special.length];
            }
            assertDoubleSigmoidsAgree(vector, z);
        }
    }

    private void assertDoubleSigmoidsAgree(Kernels.Kernel vector, double[] z) {
        int n = z.length;
        double[] fromScalar = new double[n];
        double[] fromVector = new double[n + 1];
        fromVector[n] = 42.0;
        scalar.sigmoid(z, fromScalar, n);
        vector.sigmoid(z, fromVector, n);
        for (int j = 0; j < n; j++) {
            long expected = Double.doubleToLongBits(Activation.sigmoid(z[j]));
            if (expected != Double.doubleToLongBits(fromScalar[j]) || expected != Double.doubleToLongBits(fromVector[j])) {
                assertEquals(Activation.sigmoid(z[j]), fromScalar[j], "scalar, σ(" + z[j] + ")");
                assertEquals(Activation.sigmoid(z[j]), fromVector[j], "vector, σ(" + z[j] + ") at index " + j + " of " + n);
                assertEquals(expected, Double.doubleToLongBits(fromVector[j]), "bits of σ(" + z[j] + ")");
            }
        }
        assertEquals(42.0, fromVector[n], "the vector kernel wrote beyond n");
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

    /**
     * The float kernels of {@link Dtype#FLOAT32} models: the Vector API implementation gives the plain-Java bits for
     * every operation and length (0..100 reach the 8-, 16- and 32-wide loops and every tail; 784 is an MNIST row), and
     * the plain-Java dot product sums in the order {@link Kernels} documents. NaN results are compared as NaN (any
     * payload), every other value bit for bit.
     */
    @Nested
    @DisplayName("float kernels")
    class FloatKernels {
        private static final int[] LONG_ROWS = {127, 128, 129, 784};

        private float[] randomFloats(int n) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = (float) (random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-4, 5)));
            }
            return values;
        }

        private int[] lengths() {
            int[] lengths = new int[101 + LONG_ROWS.length];
            for (int n = 0; n <= 100; n++) {
                lengths[n] = n;
            }
            System.arraycopy(LONG_ROWS, 0, lengths, 101, LONG_ROWS.length);
            return lengths;
        }

        /** The documented order, written as plainly as possible: 32 interleaved partial sums, a halving tree, the tail. */
        private float documentedDot(float[] w, float[] a, int n) {
            float[] s = new float[32];
            int body = n - n % 32;
            for (int i = 0; i < body; i++) {
                s[i % 32] += w[i] * a[i];
            }
            float[] u = new float[16];
            for (int l = 0; l < 16; l++) {
                u[l] = s[l] + s[16 + l];
            }
            float[] v = new float[8];
            for (int l = 0; l < 8; l++) {
                v[l] = u[l] + u[8 + l];
            }
            float[] t = new float[4];
            for (int l = 0; l < 4; l++) {
                t[l] = v[l] + v[4 + l];
            }
            float sum = (t[0] + t[1]) + (t[2] + t[3]);
            for (int i = body; i < n; i++) {
                sum += w[i] * a[i];
            }
            return sum;
        }

        @Test
        void thePlainDotProductSumsInTheDocumentedOrderOf32PartialSums() {
            int orderMattered = 0;
            for (int n : lengths()) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] w = randomFloats(n);
                    float[] a = randomFloats(n);
                    float expected = documentedDot(w, a, n);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(scalar.dot(w, a, n)), "length " + n);
                    float sequential = 0f;
                    for (int i = 0; i < n; i++) {
                        sequential += w[i] * a[i];
                    }
                    orderMattered += Float.floatToRawIntBits(sequential) != Float.floatToRawIntBits(expected) ? 1 : 0;
                }
            }
            assertTrue(orderMattered > 100, "the data tell summation orders apart (" + orderMattered + " sequential sums differed)");
        }

        @Test
        void dotProductsAreBitIdentical() {
            Kernels.Kernel vector = vectorKernel();
            for (int n : lengths()) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] w = randomFloats(n);
                    float[] a = randomFloats(n);
                    assertEquals(Float.floatToRawIntBits(scalar.dot(w, a, n)), Float.floatToRawIntBits(vector.dot(w, a, n)), "length " + n);
                }
            }
        }

        @Test
        void bothVectorWidthsKeepTheScalarSummationOrder() {
            vectorKernel();
            for (int n : lengths()) {
                float[] w = randomFloats(n);
                float[] a = randomFloats(n);
                int expected = Float.floatToRawIntBits(scalar.dot(w, a, n));
                assertEquals(expected, Float.floatToRawIntBits(VectorKernel.dotSixteen(w, a, n)), "512-bit, length " + n);
                assertEquals(expected, Float.floatToRawIntBits(VectorKernel.dotEightFloats(w, a, n)), "256-bit, length " + n);
            }
        }

        @Test
        void rowUpdatesAreBitIdenticalAndComputeWhatTheirNamesSay() {
            Kernels.Kernel vector = vectorKernel();
            for (int n : lengths()) {
                float[] w = randomFloats(n);
                float[] a = randomFloats(n);
                float s = (float) random.nextDouble(-2, 2);
                float[] plain = w.clone();
                for (int j = 0; j < n; j++) {
                    plain[j] = plain[j] - s * a[j];
                }
                float[] expected = w.clone();
                float[] actual = w.clone();
                scalar.subtractScaled(expected, a, s, n);
                vector.subtractScaled(actual, a, s, n);
                assertArrayEquals(plain, expected, "scalar subtractScaled is w_j - s a_j, length " + n);
                assertArrayEquals(expected, actual, "subtractScaled, length " + n);

                for (int j = 0; j < n; j++) {
                    plain[j] = plain[j] + s * a[j];
                }
                scalar.addScaled(expected, a, s, n);
                vector.addScaled(actual, a, s, n);
                assertArrayEquals(plain, expected, "scalar addScaled is d_j + c w_j, length " + n);
                assertArrayEquals(expected, actual, "addScaled, length " + n);
            }
        }

        @Test
        void theFusedUpdateAndDotEqualTheTwoKernelsInTurn() {
            Kernels.Kernel vector = vectorKernel();
            for (int n : lengths()) {
                float[] w = randomFloats(n);
                float[] a = randomFloats(n);
                float[] x = randomFloats(n);
                float s = (float) random.nextDouble(-2, 2);
                float[] expected = w.clone();
                scalar.subtractScaled(expected, a, s, n);
                int expectedDot = Float.floatToRawIntBits(scalar.dot(expected, x, n));
                for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                    float[] actual = w.clone();
                    assertEquals(expectedDot, Float.floatToRawIntBits(kernel.subtractScaledThenDot(actual, a, s, x, n)),
                            kernel.description() + ", length " + n);
                    assertArrayEquals(expected, actual, kernel.description() + ", updated row, length " + n);
                }
            }
        }

        @Test
        void theFourRowFusedPassEqualsFourSingleRowPasses() {
            Kernels.Kernel vector = vectorKernel();
            for (int n : lengths()) {
                float[][] w = {randomFloats(n), randomFloats(n), randomFloats(n), randomFloats(n)};
                float[] a = randomFloats(n);
                float[] x = randomFloats(n);
                float[] s = {(float) random.nextDouble(-2, 2), (float) random.nextDouble(-2, 2), (float) -random.nextDouble(),
                        (float) random.nextDouble(-1e-6, 1e-6)};
                float[][] expected = new float[4][];
                float[] expectedDots = new float[6]; // written at an offset, as a layer's outputs are
                for (int k = 0; k < 4; k++) {
                    expected[k] = w[k].clone();
                    expectedDots[1 + k] = scalar.subtractScaledThenDot(expected[k], a, s[k], x, n);
                }
                for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                    float[][] actual = {w[0].clone(), w[1].clone(), w[2].clone(), w[3].clone()};
                    float[] dots = new float[6];
                    kernel.subtractScaledThenDotFour(actual[0], actual[1], actual[2], actual[3], a, s[0], s[1], s[2], s[3], x, n, dots, 1, staleScratch(new float[32]));
                    assertArrayEquals(expectedDots, dots, kernel.description() + ", dot products, length " + n);
                    for (int k = 0; k < 4; k++) {
                        assertArrayEquals(expected[k], actual[k], kernel.description() + ", updated row " + k + ", length " + n);
                    }
                }
            }
        }

        @Test
        void theFourRowAddScaledEqualsFourCallsInTurn() {
            Kernels.Kernel vector = vectorKernel();
            for (int n : lengths()) {
                float[][] w = {randomFloats(n), randomFloats(n), randomFloats(n), randomFloats(n)};
                float[] c = {(float) random.nextDouble(-2, 2), (float) random.nextDouble(-2, 2), (float) -random.nextDouble(),
                        (float) random.nextDouble(-1e-6, 1e-6)};
                float[] d = randomFloats(n);
                float[] expected = d.clone();
                for (int k = 0; k < 4; k++) {
                    scalar.addScaled(expected, w[k], c[k], n);
                }
                for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                    float[] actual = d.clone();
                    kernel.addScaledFour(actual, w[0], w[1], w[2], w[3], c[0], c[1], c[2], c[3], n);
                    assertArrayEquals(expected, actual, kernel.description() + ", length " + n);
                }
            }
        }

        @Test
        void sigmoidIsBitIdenticalToTheScalarFunctionForRandomInputs() {
            Kernels.Kernel vector = vectorKernel();
            for (int n : lengths()) {
                float[] z = new float[n];
                for (int j = 0; j < n; j++) {
                    z[j] = (float) random.nextDouble(-100, 100);
                }
                assertSigmoidsAgree(vector, z);
            }
        }

        @Test
        void sigmoidIsBitIdenticalToTheScalarFunctionForSpecialInputsInEveryLane() {
            Kernels.Kernel vector = vectorKernel();
            float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f, -1e-30f,
                    87f, -87f, 87.5f, -87.5f, 88f, -88f, 89f, -89f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 17f, -17f, 0.5f, -0.5f};
            // every special value in every lane of the 16- and 8-wide loops and in the scalar tail
            for (int shift = 0; shift < 16; shift++) {
                float[] z = new float[shift + 2 * 16 * special.length + 7];
                for (int j = 0; j < z.length; j++) {
                    z[j] = special[(j + shift) % special.length];
                }
                assertSigmoidsAgree(vector, z);
            }
        }

        private void assertSigmoidsAgree(Kernels.Kernel vector, float[] z) {
            int n = z.length;
            float[] expected = new float[n];
            float[] fromScalar = new float[n];
            float[] fromVector = new float[n];
            for (int j = 0; j < n; j++) {
                expected[j] = Float32Math.sigmoid(z[j]);
            }
            scalar.sigmoid(z, fromScalar, n);
            vector.sigmoid(z, fromVector, n);
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToIntBits(expected[j]), Float.floatToIntBits(fromScalar[j]), "scalar, σ(" + z[j] + ")");
                assertEquals(Float.floatToIntBits(expected[j]), Float.floatToIntBits(fromVector[j]),
                        "vector, σ(" + z[j] + ") at index " + j + " of " + n);
            }
        }

        @Test
        void sigmoidKernelsWriteOnlyTheFirstNOutputs() {
            Kernels.Kernel vector = vectorKernel();
            for (Kernels.Kernel kernel : new Kernels.Kernel[] {scalar, vector}) {
                float[] z = randomFloats(40);
                float[] a = new float[40];
                java.util.Arrays.fill(a, -7f);
                kernel.sigmoid(z, a, 33);
                assertEquals(-7f, a[33], kernel.description());
                assertEquals(-7f, a[39], kernel.description());
                assertNotEquals(-7f, a[32], kernel.description());
            }
        }
    }
}
