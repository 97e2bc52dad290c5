package dev.backstream.drift;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every detector promises: determinism, a state encoding from which a restored detector continues bit for bit as
 * the original (the state store after a {@code kill -9}), and a reset to the fresh state.
 */
class DriftDetectorContractTest {

    static Stream<Arguments> detectors() {
        return Stream.of(
                Arguments.of("adwin (defaults)", (Supplier<DriftDetector>) Adwin::new),
                Arguments.of("adwin (clock 1, M 2, δ 0.05)", (Supplier<DriftDetector>) () -> new Adwin(new AdwinSettings(0.05, 1, 2, 3, 0))),
                Arguments.of("page-hinkley (defaults)", (Supplier<DriftDetector>) PageHinkley::new),
                Arguments.of("page-hinkley (both, λ 10)", (Supplier<DriftDetector>) () -> new PageHinkley(
                        new PageHinkleySettings(10, 0.01, 10, 0.999, PageHinkleySettings.Mode.BOTH))));
    }

    /**
     * A piecewise-stationary loss-like stream: segments of 300 to 3,000 values, each with its own mean in
     * {@code [0, 1]} and noise, so that detectors fire many times.
     */
    static double[] changingStream(long seed, int length) {
        Random random = new Random(seed);
        double[] stream = new double[length];
        int i = 0;
        while (i < length) {
            int segment = 300 + random.nextInt(2700);
            double mean = random.nextDouble();
            double sigma = 0.05 + 0.2 * random.nextDouble();
            for (int k = 0; k < segment && i < length; k++, i++) {
                stream[i] = mean + sigma * random.nextGaussian();
            }
        }
        return stream;
    }

    /** Everything a caller can observe, compared bit for bit (records compare their doubles bitwise). */
    static void assertSameObservableState(DriftDetector expected, DriftDetector actual, String where) {
        assertSameObservableState(expected, actual, () -> where);
    }

    static void assertSameObservableState(DriftDetector expected, DriftDetector actual, Supplier<String> where) {
        assertEquals(expected.count(), actual.count(), where);
        assertEquals(expected.detections(), actual.detections(), where);
        assertEquals(expected.lastDetection(), actual.lastDetection(), where);
        assertEquals(expected.settings(), actual.settings(), where);
        if (expected instanceof Adwin a && actual instanceof Adwin b) {
            assertEquals(a.width(), b.width(), where);
            assertEquals(Double.doubleToRawLongBits(a.mean()), Double.doubleToRawLongBits(b.mean()), where);
            assertEquals(Double.doubleToRawLongBits(a.variance()), Double.doubleToRawLongBits(b.variance()), where);
            assertEquals(a.buckets(), b.buckets(), where);
        } else if (expected instanceof PageHinkley a && actual instanceof PageHinkley b) {
            assertEquals(a.samples(), b.samples(), where);
            assertEquals(Double.doubleToRawLongBits(a.mean()), Double.doubleToRawLongBits(b.mean()), where);
            assertEquals(Double.doubleToRawLongBits(a.increaseStatistic()), Double.doubleToRawLongBits(b.increaseStatistic()), where);
            assertEquals(Double.doubleToRawLongBits(a.decreaseStatistic()), Double.doubleToRawLongBits(b.decreaseStatistic()), where);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("detectors")
    void givesTheSameDetectionsForTheSameInput(String name, Supplier<DriftDetector> fresh) {
        double[] stream = changingStream(1, 30_000);
        long[] first = Streams.detections(fresh.get(), stream);
        long[] second = Streams.detections(fresh.get(), stream);
        assertTrue(first.length >= 5, "the stream has changes to detect: " + Arrays.toString(first));
        assertArrayEquals(first, second);
    }

    /**
     * Restored from its encoding at many points of a long stream (right after detections too, while a restart is
     * pending), a detector continues exactly as the original: each restored copy runs beside the original, and every
     * later {@code update} result and statistic is the same, for 10,000 values (the first copy to the end of the
     * stream, where the encodings are equal too).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("detectors")
    void continuesBitForBitAfterAnEncodeDecodeRoundTrip(String name, Supplier<DriftDetector> fresh) {
        double[] stream = changingStream(2, 30_000);
        DriftDetector original = fresh.get();
        List<DriftDetector> copies = new ArrayList<>();
        List<Integer> restoredAt = new ArrayList<>();
        int restoredRightAfterADetection = 0;
        for (int i = 0; i < stream.length; i++) {
            boolean detected = original.update(stream[i]);
            for (int c = 0; c < copies.size(); c++) {
                int from = restoredAt.get(c);
                int at = i;
                Supplier<String> where = () -> "copy restored at index " + from + ", at index " + at;
                assertEquals(detected, copies.get(c).update(stream[i]), where);
                assertSameObservableState(original, copies.get(c), where);
            }
            for (int c = copies.size() - 1; c >= 1; c--) {
                if (i - restoredAt.get(c) >= 10_000) {
                    copies.remove(c);
                    restoredAt.remove(c);
                }
            }
            if (detected || i % 2_999 == 0) {
                byte[] bytes = original.encode();
                assertEquals(original.encodedSize(), bytes.length);
                DriftDetector copy = DriftDetector.decode(bytes);
                assertSame(original.getClass(), copy.getClass());
                assertArrayEquals(bytes, copy.encode(), "re-encoding gives the same bytes");
                assertSameObservableState(original, copy, "restored at index " + i);
                copies.add(copy);
                restoredAt.add(i);
                restoredRightAfterADetection += detected ? 1 : 0;
            }
        }
        assertTrue(original.detections() >= 5, "the stream has changes to detect: " + original.detections());
        assertTrue(restoredRightAfterADetection >= 5, "restored right after " + restoredRightAfterADetection + " detections");
        assertEquals(0, restoredAt.get(0));
        assertArrayEquals(original.encode(), copies.get(0).encode(), "the copy restored at index 0, at the end");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("detectors")
    void encodesAtTheBufferPositionInLittleEndianAndRestoresTheCallersByteOrder(String name, Supplier<DriftDetector> fresh) {
        DriftDetector detector = fresh.get();
        Streams.detections(detector, changingStream(3, 5_000));
        ByteBuffer buffer = ByteBuffer.allocate(detector.encodedSize() + 10).order(ByteOrder.BIG_ENDIAN);
        buffer.position(7);
        detector.encode(buffer);
        assertEquals(7 + detector.encodedSize(), buffer.position());
        assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
        assertEquals(DriftFormat.MAGIC, ByteBuffer.wrap(buffer.array(), 7, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        buffer.position(7);
        DriftDetector copy = DriftDetector.decode(buffer);
        assertEquals(7 + detector.encodedSize(), buffer.position());
        assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
        assertSameObservableState(detector, copy, "decoded from a shared buffer");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("detectors")
    void rejectsStatesItDoesNotUnderstand(String name, Supplier<DriftDetector> fresh) {
        DriftDetector detector = fresh.get();
        Streams.detections(detector, changingStream(4, 5_000));
        byte[] bytes = detector.encode();

        byte[] badMagic = bytes.clone();
        badMagic[0] ^= 1;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DriftDetector.decode(badMagic)).getMessage()
                .contains("not a drift detector state"));
        byte[] badVersion = bytes.clone();
        badVersion[4] = 9;
        assertEquals("unsupported drift detector state version: expected 1, found 9",
                assertThrows(IllegalArgumentException.class, () -> DriftDetector.decode(badVersion)).getMessage());
        byte[] badType = bytes.clone();
        badType[5] = 7;
        assertEquals("unknown drift detector type code 7",
                assertThrows(IllegalArgumentException.class, () -> DriftDetector.decode(badType)).getMessage());
        assertEquals("truncated drift detector state", assertThrows(IllegalArgumentException.class,
                () -> DriftDetector.decode(Arrays.copyOf(bytes, bytes.length - 1))).getMessage());
        assertEquals("drift detector state has 1 trailing bytes", assertThrows(IllegalArgumentException.class,
                () -> DriftDetector.decode(Arrays.copyOf(bytes, bytes.length + 1))).getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("detectors")
    void resetsToTheFreshState(String name, Supplier<DriftDetector> fresh) {
        DriftDetector detector = fresh.get();
        Streams.detections(detector, changingStream(5, 10_000));
        assertTrue(detector.detections() > 0);
        assertNotEquals(0, detector.count());
        detector.reset();
        assertArrayEquals(fresh.get().encode(), detector.encode());
        assertTrue(detector.lastDetection().isEmpty());
        double[] stream = changingStream(6, 10_000);
        assertArrayEquals(Streams.detections(fresh.get(), stream), Streams.detections(detector, stream));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("detectors")
    void rejectsValuesThatAreNotFiniteAndKeepsItsState(String name, Supplier<DriftDetector> fresh) {
        DriftDetector detector = fresh.get();
        Streams.detections(detector, changingStream(7, 1_000));
        byte[] before = detector.encode();
        for (double bad : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertEquals("a drift detector takes finite values, found " + bad,
                    assertThrows(IllegalArgumentException.class, () -> detector.update(bad)).getMessage());
        }
        assertArrayEquals(before, detector.encode());
    }
}
