package dev.backstream.nn;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpTest {

    private static double ulpError(double x) {
        double expected = StrictMath.exp(x);
        return Math.abs(Exp.exp(x) - expected) / Math.ulp(expected);
    }

    @Test
    void isWithinTwoUlpOfStrictMathAcrossTheWholeRange() {
        SplittableRandom random = new SplittableRandom(1);
        double worst = 0;
        for (int i = 0; i < 1_000_000; i++) {
            double x = random.nextDouble(-708, 709);
            worst = Math.max(worst, ulpError(x));
        }
        for (int i = 0; i < 200_000; i++) {
            double x = random.nextDouble(-1, 1) * Math.pow(10, -random.nextInt(0, 17));
            worst = Math.max(worst, ulpError(x));
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    @Test
    void handlesTheEdgesOfTheDoubleRange() {
        assertEquals(1.0, Exp.exp(0.0));
        assertEquals(1.0, Exp.exp(-0.0));
        assertEquals(Double.POSITIVE_INFINITY, Exp.exp(710));
        assertEquals(Double.POSITIVE_INFINITY, Exp.exp(Double.POSITIVE_INFINITY));
        assertEquals(0.0, Exp.exp(-746));
        assertEquals(0.0, Exp.exp(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Exp.exp(Double.NaN)));
        assertTrue(ulpError(709.7) <= 2, "near overflow");
        double subnormal = Exp.exp(-740);
        assertTrue(subnormal > 0 && subnormal < Double.MIN_NORMAL, "subnormal results are produced, found " + subnormal);
        assertEquals(StrictMath.exp(-740), subnormal, 2 * Math.ulp(StrictMath.exp(-740)));
    }
}
