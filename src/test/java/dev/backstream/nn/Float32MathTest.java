package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The float exponential, sigmoid and softmax of float32 models ({@link Float32Math}) against their definitions
 * computed in double.
 *
 * <p>The exponential is checked on every 997th float of {@code [−87, 0]} (about 1.1 million values, well under a
 * second). The claim of its Javadoc, every float of {@code [−87, 0]} within 1 ulp, is checked by
 * {@code ExpNonPositive.isWithinOneUlpForEveryFloatOfItsDomain} when the tests run with {@code -Dbackstream.exhaustive=true} (about
 * 10 to 20 seconds), e.g. {@code mvn test -Dtest=Float32MathTest -Dbackstream.exhaustive=true}; without it that test is
 * skipped.
 */
@DisplayName("Float32Math: float exp, sigmoid and softmax")
class Float32MathTest {
    /** The bits of {@code −0f} and of {@code −87f}: every float of [−87, 0] has bits in between (negative floats). */
    private static final int NEGATIVE_ZERO_BITS = Float.floatToRawIntBits(-0f);
    private static final int MINUS_87_BITS = Float.floatToRawIntBits(-87f);

    /** The distance in ulps between {@code actual} and {@code StrictMath.exp(x)} rounded to float (both positive normal floats). */
    private static int ulpsFromStrictMath(float x, float actual) {
        float expected = (float) StrictMath.exp(x);
        return Math.abs(Float.floatToRawIntBits(actual) - Float.floatToRawIntBits(expected));
    }

    /** The largest ulp error over the floats of [−87, 0] whose bits are {@code −0f}'s plus a multiple of {@code stride}. */
    private static int worstUlpError(int stride) {
        int worst = 0;
        for (int bits = NEGATIVE_ZERO_BITS; bits <= MINUS_87_BITS; bits += stride) {
            float x = Float.intBitsToFloat(bits);
            worst = Math.max(worst, ulpsFromStrictMath(x, Float32Math.expNonPositive(x)));
        }
        return worst;
    }

    @Nested
    @DisplayName("expNonPositive")
    class ExpNonPositive {
        @Test
        void isWithinOneUlpOfStrictMathOnASampleOfTheFloatsOfItsDomain() {
            assertTrue(worstUlpError(997) <= 1, "worst error " + worstUlpError(997) + " ulp");
            for (float x : new float[] {0f, -0f, -87f, -Float.MIN_VALUE, -1e-30f, -0.5f, -0.34657359f, -1f, -10f, -86.99999f}) {
                assertTrue(ulpsFromStrictMath(x, Float32Math.expNonPositive(x)) <= 1, "e^" + x);
            }
            assertEquals(1f, Float32Math.expNonPositive(0f));
            assertEquals(1f, Float32Math.expNonPositive(-0f));
        }

        /** Every float of [−87, 0]: about 1.1 billion values, 10 to 20 seconds; runs with {@code -Dbackstream.exhaustive=true}. */
        @Test
        void isWithinOneUlpForEveryFloatOfItsDomain() {
            assumeTrue(Boolean.getBoolean("backstream.exhaustive"), "exhaustive check: run with -Dbackstream.exhaustive=true");
            int worst = worstUlpError(1);
            assertTrue(worst <= 1, "worst error " + worst + " ulp over every float of [-87, 0]");
        }

        @Test
        void clampsBelowMinus87ToEToTheMinus87WithATinyAbsoluteError() {
            float floor = Float32Math.expNonPositive(-87f);
            assertTrue(floor >= Float.MIN_NORMAL, "e^-87 is a normal float: " + floor);
            for (float x : new float[] {Math.nextDown(-87f), -87.5f, -88f, -100f, -1e4f, -1e30f, -Float.MAX_VALUE,
                    Float.NEGATIVE_INFINITY}) {
                float actual = Float32Math.expNonPositive(x);
                assertEquals(floor, actual, "e^" + x + " is clamped to e^-87");
                assertTrue(Math.abs(actual - StrictMath.exp(x)) < 1.7e-38, "absolute error at " + x);
            }
        }

        @Test
        void keepsANaNANaN() {
            assertTrue(Float.isNaN(Float32Math.expNonPositive(Float.NaN)));
        }
    }

    @Nested
    @DisplayName("sigmoid")
    class Sigmoid {
        private static double definition(float z) {
            return 1.0 / (1.0 + StrictMath.exp(-(double) z));
        }

        /**
         * The error bound of the float formula, not 2 ulps: {@code e} is within 1 ulp, {@code 1 + e} and the division
         * each add a rounding. For {@code z ≥ 0}, {@code 1 / (1 + e)} damps {@code e}'s error: at most 1.5 ulps.
         * For {@code z < 0}, {@code e / (1 + e)} passes {@code e}'s relative error through whole: at most 2.5 ulps
         * (measured on 20 million samples: 1.50 and 2.31 ulps).
         */
        private static double ulpBound(float z) {
            return z >= 0 ? 1.5 : 2.5;
        }

        private static void assertNearDefinition(float z) {
            double expected = definition(z);
            float actual = Float32Math.sigmoid(z);
            assertTrue(Math.abs(actual - expected) <= ulpBound(z) * Math.ulp((float) expected),
                    "σ(" + z + ") = " + actual + ", expected " + expected + " within " + ulpBound(z) + " ulps");
        }

        @Test
        void isWithinTwoAndAHalfFloatUlpsOfItsDefinitionComputedInDouble() {
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < 1_000_000; i++) {
                assertNearDefinition((float) random.nextDouble(-80, 80));
            }
            for (float z = -20f; z <= 20f; z += 0.125f) {
                assertNearDefinition(z);
            }
            assertEquals(0.5f, Float32Math.sigmoid(0f));
            assertEquals(0.5f, Float32Math.sigmoid(-0f));
        }

        @Test
        void saturatesToExactlyOneForLargeArguments() {
            assertTrue(Float32Math.sigmoid(10f) < 1f, "not yet saturated at 10");
            for (float z : new float[] {20f, 50f, 87f, 88f, 1e30f, Float.MAX_VALUE, Float.POSITIVE_INFINITY}) {
                assertEquals(1f, Float32Math.sigmoid(z), "σ(" + z + ")");
            }
            for (float z : new float[] {-88f, -1e30f, Float.NEGATIVE_INFINITY}) {
                float tail = Float32Math.sigmoid(z);
                assertTrue(tail > 0f && tail < 1.7e-38f, "σ(" + z + ") stays a tiny positive float, found " + tail);
            }
        }

        /** Within one ulp of 1 ({@code 2^-23}, the float spacing at 1); measured: 0.75 of it. */
        @Test
        void isSymmetricWithinAnUlpOfOne() {
            SplittableRandom random = new SplittableRandom(6);
            for (int i = 0; i < 100_000; i++) {
                float z = (float) random.nextDouble(0, 30);
                double upper = Float32Math.sigmoid(z);
                double lower = Float32Math.sigmoid(-z);
                assertEquals(1.0 - upper, lower, Math.ulp(1f), "σ(-" + z + ") = 1 - σ(" + z + ")");
            }
        }
    }

    @Nested
    @DisplayName("softmax")
    class Softmax {
        @Test
        void sumsToOneWithinAFewUlps() {
            SplittableRandom random = new SplittableRandom(7);
            for (int trial = 0; trial < 10_000; trial++) {
                int n = random.nextInt(2, 11);
                float[] z = new float[n];
                for (int i = 0; i < n; i++) {
                    z[i] = (float) random.nextDouble(-20, 20);
                }
                float[] a = new float[n];
                Float32Math.softmax(z, a, n);
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    assertTrue(a[i] > 0f && a[i] <= 1f, "a probability: " + a[i]);
                    sum += a[i];
                }
                assertEquals(1.0, sum, 4 * Math.ulp(1f), "sum of " + n + " outputs");
            }
        }

        @Test
        void isShiftInvariant() {
            SplittableRandom random = new SplittableRandom(8);
            for (int trial = 0; trial < 1_000; trial++) {
                int n = random.nextInt(2, 11);
                float[] z = new float[n];
                for (int i = 0; i < n; i++) {
                    z[i] = random.nextInt(-160, 161) / 8f; // eighths: z + c and z − max below are exact
                }
                float[] expected = new float[n];
                Float32Math.softmax(z, expected, n);
                for (float c : new float[] {-1000f, 37.5f, 100_000f}) {
                    float[] shifted = new float[n];
                    for (int i = 0; i < n; i++) {
                        shifted[i] = z[i] + c;
                    }
                    float[] actual = new float[n];
                    Float32Math.softmax(shifted, actual, n);
                    assertArrayEquals(expected, actual, "softmax(z + " + c + ") = softmax(z)");
                }
            }
        }

        @Test
        void matchesItsDefinitionAndStaysFiniteForLargeInputs() {
            float[] z = {1f, 2f, 3f};
            float[] a = new float[3];
            Float32Math.softmax(z, a, 3);
            double norm = Math.exp(1) + Math.exp(2) + Math.exp(3);
            for (int i = 0; i < 3; i++) {
                assertEquals(Math.exp(z[i]) / norm, a[i], 3 * Math.ulp(a[i]), "a[" + i + "]");
            }
            Float32Math.softmax(new float[] {1000f, 1000f, Float.NEGATIVE_INFINITY}, a, 3);
            assertArrayEquals(new float[] {0.5f, 0.5f, a[2]}, a, "e^1000 would overflow; e^(z - max) does not");
            assertTrue(a[2] >= 0f && a[2] < 1e-37f, "the -∞ class gets (almost) nothing: " + a[2]);
        }
    }
}
