package dev.backstream.drift;

import dev.backstream.drift.PageHinkleySettings.Mode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Page-Hinkley test: its recurrence by hand, River's change points, its delays and its false alarms. */
@DisplayName("Page-Hinkley")
class PageHinkleyTest {

    @Nested
    @DisplayName("the recurrence, computed by hand")
    class ByHand {

        /**
         * {@code min_instances 1, δ 0.5, λ 3, α 0.5} on {@code 0, 0, 3, 3}: x̄ = 0, 0, 1, 1.5 and
         * U = max(0, 0.5·0 + 0 − 0 − 0.5) = 0, 0, max(0, 0 + 3 − 1 − 0.5) = 1.5, max(0, 0.75 + 3 − 1.5 − 0.5) = 1.75.
         */
        @Test
        void fadesAndAccumulatesTheDeviationsFromTheRunningMean() {
            PageHinkley ph = new PageHinkley(new PageHinkleySettings(1, 0.5, 3, 0.5, Mode.UP));
            double[] expectedMean = {0, 0, 1, 1.5};
            double[] expectedSum = {0, 0, 1.5, 1.75};
            double[] values = {0, 0, 3, 3};
            for (int t = 0; t < values.length; t++) {
                assertFalse(ph.update(values[t]));
                assertEquals(expectedMean[t], ph.mean(), 1e-15, "x̄ at t = " + t);
                assertEquals(expectedSum[t], ph.increaseStatistic(), 1e-15, "U at t = " + t);
                assertEquals(0.0, ph.decreaseStatistic(), "L at t = " + t);
            }
            // Without fading the same values reach 1.5 + 1 = 2.5.
            PageHinkley unfaded = new PageHinkley(new PageHinkleySettings(1, 0.5, 3, 1.0, Mode.UP));
            for (double value : values) {
                unfaded.update(value);
            }
            assertEquals(2.5, unfaded.increaseStatistic(), 1e-15);
        }

        /** λ 2 on {@code 0, 0, 4}: U_3 = 4 − 4/3 − 0.5 = 13/6 ≥ 2 fires at index 2, and the next value restarts. */
        @Test
        void firesWhenTheSumReachesTheThresholdThenRestarts() {
            PageHinkley ph = new PageHinkley(new PageHinkleySettings(1, 0.5, 2, 0.5, Mode.UP));
            assertFalse(ph.update(0));
            assertFalse(ph.update(0));
            assertTrue(ph.update(4));
            Detection.PageHinkleyAlarm alarm = (Detection.PageHinkleyAlarm) ph.lastDetection().orElseThrow();
            assertEquals(new Detection.PageHinkleyAlarm(2, 4 - 4.0 / 3 - 0.5, 2, true, 3, 4.0 / 3), alarm);
            assertFalse(ph.update(4));
            assertEquals(1, ph.samples(), "restarted: the running mean counts from the value after the alarm");
            assertEquals(4, ph.mean());
            assertEquals(4, ph.count());
        }

        @Test
        void waitsForMinInstancesValues() {
            PageHinkley ph = new PageHinkley(new PageHinkleySettings(5, 0.0, 0.5, 1.0, Mode.UP));
            for (int i = 0; i < 4; i++) {
                assertFalse(ph.update(i * 10), "value " + (i + 1) + " of 5");
            }
            assertTrue(ph.update(40), "the 5th value may fire");
        }

        @Test
        void detectsADecreaseOnlyInModesDownAndBoth() {
            double[] falling = {5, 5, 5, 0};
            for (Mode mode : Mode.values()) {
                PageHinkley ph = new PageHinkley(new PageHinkleySettings(1, 0.0, 3, 1.0, mode));
                long[] found = Streams.detections(ph, falling);
                assertArrayEquals(mode == Mode.UP ? new long[0] : new long[]{3}, found, mode.id());
                if (mode != Mode.UP) {
                    Detection.PageHinkleyAlarm alarm = (Detection.PageHinkleyAlarm) ph.lastDetection().orElseThrow();
                    assertFalse(alarm.increase());
                    assertEquals(3.75, alarm.statistic(), 1e-15, "L = x̄ − x = 3.75 − 0");
                }
            }
        }
    }

    /**
     * Reproduces River's {@code test_drift_detectors.py::test_page_hinkley} exactly: {@code PageHinkley()} with its
     * defaults on {@code data_stream_1} ({@link Streams#riverDataStream1()}) detects at {@code [1020, 1991]}. (The
     * second alarm comes 970 values after the restart, when the fading sum has gathered enough of the wide 0–7 noise.)
     */
    @Test
    void detectsRiversChangePointsOnRiversStream() {
        assertArrayEquals(new long[]{1020, 1991}, Streams.detections(new PageHinkley(), Streams.riverDataStream1()));
    }

    /**
     * The sum gains about {@code Δ − δ} per value after a jump of the mean by {@code Δ}, so the delay is near
     * {@code λ / Δ}: 50 / 0.6 ≈ 83 values for 0.2 → 0.8 (measured over 500 seeds: median 76, max 104), and for a
     * squared-error loss from 0.25 to 1 (Δ = 0.75 but wider noise; median 60, max 122).
     */
    @Nested
    @DisplayName("after an abrupt change of the mean at index 1000")
    class AbruptChange {

        @Test
        void detectsABernoulliJumpFromPoint2ToPoint8NearLambdaOverDelta() {
            int[] delays = Streams.delays(PageHinkley::new, Streams.bernoulli(0.2, 0.8), 200, 1000, 1000);
            assertTrue(Streams.median(delays) >= 50 && Streams.median(delays) <= 100, "median delay " + Streams.median(delays));
            assertTrue(Streams.max(delays) <= 150, "max delay " + Streams.max(delays));
        }

        @Test
        void detectsASquaredErrorLossRisingFromPoint25To1() {
            int[] delays = Streams.delays(PageHinkley::new, Streams.squaredError(0.5, 1.0), 200, 1000, 1000);
            assertTrue(Streams.median(delays) <= 100, "median delay " + Streams.median(delays));
            assertTrue(Streams.max(delays) <= 150, "max delay " + Streams.max(delays));
        }

        @Test
        void detectsAFallInModeDownAsSoonAsARiseInModeUp() {
            PageHinkleySettings down = PageHinkleySettings.DEFAULTS.withMode(Mode.DOWN);
            int[] delays = Streams.delays(down::newDetector, Streams.bernoulli(0.8, 0.2), 200, 1000, 1000);
            assertTrue(Streams.max(delays) <= 150, "max delay " + Streams.max(delays));
        }

        @Test
        void ignoresAFallInModeUp() {
            for (long seed = 0; seed < 20; seed++) {
                PageHinkley up = new PageHinkley();
                java.util.Random random = new java.util.Random(seed);
                Streams.Source source = Streams.bernoulli(0.8, 0.2);
                for (int i = 0; i < 2000; i++) {
                    assertFalse(up.update(source.next(random, i >= 1000)), "seed " + seed + ", index " + i);
                }
            }
        }
    }

    /**
     * {@code δ} and {@code λ} are in the units of the value, so the false-alarm rate depends on the noise: the sum
     * drifts down by {@code δ} per value and diffuses with the value's variance {@code σ²}. Measured with the defaults
     * over 100 seeds of 100,000 values: no alarm for Bernoulli(0.05), N(0.5, 0.1²) or N(0.5, 0.2²); one seed in 100 for
     * Bernoulli(0.1); but 51 seeds in 100 for Bernoulli(0.2), 97 for Bernoulli(0.5) and all for N(0, 1), whose noise
     * the default λ = 50 cannot tell from a change. Raise λ with the variance (λ = 100 gave no alarm on Bernoulli(0.2),
     * λ = 200 none on N(0, 1), over 20 seeds each).
     */
    @Nested
    @DisplayName("on a stationary stream of 100,000 values")
    class Stationary {

        @Test
        void raisesNoAlarmOnALowErrorRateStream() {
            for (long seed = 1; seed <= 3; seed++) {
                assertEquals(0, Streams.alarmsOnStationaryStream(new PageHinkley(), Streams.bernoulli(0.05, 0.05), seed, 100_000),
                        "seed " + seed);
            }
        }

        @Test
        void raisesNoAlarmOnAGaussianStreamOfModerateSpread() {
            for (long seed = 1; seed <= 3; seed++) {
                assertEquals(0, Streams.alarmsOnStationaryStream(new PageHinkley(), Streams.gaussian(0.5, 0.5, 0.2), seed, 100_000),
                        "seed " + seed);
            }
        }

        @Test
        void needsAThresholdScaledToTheNoiseOfWiderStreams() {
            assertTrue(Streams.alarmsOnStationaryStream(new PageHinkley(), Streams.gaussian(0, 0, 1), 1, 100_000) > 0,
                    "λ = 50 is within the reach of unit-variance noise");
            PageHinkleySettings scaled = PageHinkleySettings.DEFAULTS.withThreshold(500);
            assertEquals(0, Streams.alarmsOnStationaryStream(scaled.newDetector(), Streams.gaussian(0, 0, 1), 1, 100_000));
            PageHinkleySettings forErrors = PageHinkleySettings.DEFAULTS.withThreshold(100);
            assertEquals(0, Streams.alarmsOnStationaryStream(forErrors.newDetector(), Streams.bernoulli(0.2, 0.2), 1, 100_000));
        }
    }
}
