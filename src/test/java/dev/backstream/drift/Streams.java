package dev.backstream.drift;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Seeded test streams and the measurement of detection delays. Gaussian and uniform values come from
 * {@link java.util.Random}, whose algorithm the JDK specifies, so the streams are the same on every JVM.
 */
final class Streams {
    private Streams() {
    }

    /** One value of a stream whose distribution changes at a known index. */
    interface Source {
        double next(Random random, boolean afterChange);
    }

    static Source bernoulli(double before, double after) {
        return (random, changed) -> random.nextDouble() < (changed ? after : before) ? 1.0 : 0.0;
    }

    static Source gaussian(double meanBefore, double meanAfter, double sigma) {
        return (random, changed) -> (changed ? meanAfter : meanBefore) + sigma * random.nextGaussian();
    }

    /** Squared errors {@code e²} of Gaussian residuals {@code e ~ N(0, σ²)}: a loss-like stream of mean {@code σ²}. */
    static Source squaredError(double sigmaBefore, double sigmaAfter) {
        return (random, changed) -> {
            double e = (changed ? sigmaAfter : sigmaBefore) * random.nextGaussian();
            return e * e;
        };
    }

    /**
     * River's {@code data_stream_1} ({@code river/drift/test_drift_detectors.py}), reproduced exactly:
     * {@code np.random.seed(12345)}, then {@code np.random.randint(2, size=1000)} followed by
     * {@code np.random.randint(8, size=1000)}. Its mean jumps from 0.5 to 3.5 at index 1000.
     */
    static double[] riverDataStream1() {
        NumpyLegacyRandom numpy = new NumpyLegacyRandom(12345);
        double[] stream = new double[2000];
        for (int i = 0; i < 1000; i++) {
            stream[i] = numpy.randint(2);
        }
        for (int i = 1000; i < 2000; i++) {
            stream[i] = numpy.randint(8);
        }
        return stream;
    }

    /** The indices at which {@code detector} signals a change on {@code stream}. */
    static long[] detections(DriftDetector detector, double[] stream) {
        long[] found = new long[stream.length];
        int n = 0;
        for (int i = 0; i < stream.length; i++) {
            if (detector.update(stream[i])) {
                found[n++] = i;
            }
        }
        return Arrays.copyOf(found, n);
    }

    /** A stationary stream of {@code length} values. */
    static long alarmsOnStationaryStream(DriftDetector detector, Source source, long seed, int length) {
        Random random = new Random(seed);
        long alarms = 0;
        for (int i = 0; i < length; i++) {
            if (detector.update(source.next(random, false))) {
                alarms++;
            }
        }
        return alarms;
    }

    /**
     * Delays of the first detection after a change at index {@code change}, one per seed {@code 0 … seeds − 1}, sorted;
     * a detection before the change (a false alarm) fails with {@link AssertionError}, and a change not detected within
     * {@code horizon} values counts as {@link Integer#MAX_VALUE}.
     */
    static int[] delays(Supplier<? extends DriftDetector> detectors, Source source, int seeds, int change, int horizon) {
        int[] delays = new int[seeds];
        for (int seed = 0; seed < seeds; seed++) {
            Random random = new Random(seed);
            DriftDetector detector = detectors.get();
            delays[seed] = Integer.MAX_VALUE;
            for (int i = 0; i < change + horizon; i++) {
                if (detector.update(source.next(random, i >= change))) {
                    if (i < change) {
                        throw new AssertionError("seed " + seed + ": false alarm at index " + i + ", before the change at " + change);
                    }
                    delays[seed] = i - change;
                    break;
                }
            }
        }
        Arrays.sort(delays);
        return delays;
    }

    static int median(int[] sorted) {
        return sorted[sorted.length / 2];
    }

    static int max(int[] sorted) {
        return sorted[sorted.length - 1];
    }
}
