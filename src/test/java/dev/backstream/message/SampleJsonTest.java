package dev.backstream.message;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Sample JSON, as written by Sample.toJson")
class SampleJsonTest {
    private final SampleParser parser = new SampleParser();

    @Test
    @DisplayName("is compact, in the documented field order, absent fields omitted")
    void compactInOrder() {
        assertEquals("{\"model\":\"xor\",\"features\":[0.0,1.0],\"label\":1}", text(new Sample("xor", new double[] {0, 1}, 1, null, null)));
        assertEquals("{\"model\":\"ridership\",\"features\":[3.5],\"target\":[13.2,-0.25],\"id\":\"r-1\"}",
                text(new Sample("ridership", new double[] {3.5}, null, new double[] {13.2, -0.25}, "r-1")));
        assertEquals("{\"model\":\"xor\",\"features\":[]}", text(new Sample("xor", new double[0], null, null, null)));
    }

    @Test
    @DisplayName("reads back bit for bit, through the fast reader and through Jackson: -0.0, subnormals, 1e-300, extremes, random bits")
    void doublesRoundTripExactly() {
        Random random = new Random(11);
        for (int i = 0; i < 2000; i++) {
            double[] features = {-0.0, 0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300, -1e-300 * random.nextDouble(),
                    Double.MAX_VALUE, -Double.MAX_VALUE, random.nextDouble(), random.nextGaussian() * 1e6,
                    Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL),
                    -Double.longBitsToDouble(random.nextLong() & 0x000fffffffffffffL)}; // a random subnormal
            double[] target = {Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL), -0.0};
            Sample labeled = new Sample("m", features, random.nextInt(10), null, "s-" + i);
            Sample regression = new Sample("m", features, null, target, null);
            for (Sample sample : List.of(labeled, regression)) {
                byte[] json = sample.toJson();
                assertSameBits(sample, parser.parse(json));
                assertSameBits(sample, parser.parseWithJackson(json));
            }
        }
    }

    @Test
    @DisplayName("escapes any model id and id: quotes, backslashes, control characters, non-ASCII")
    void stringsRoundTrip() {
        List<String> strings = List.of("plain", "quote\" and \\ backslash", "\"", "\\", "tab\tnew\nline\rcr\u0000\u0001\u001f\u007f",
                "ünïcødé → ✓", "emoji 😀 after", "mixed \" é \u0002 😀 \\", "a\",\"label\":9,\"x\":\"");
        for (String text : strings) {
            Sample sample = new Sample(text, new double[] {0.5}, 1, null, text);
            byte[] json = sample.toJson();
            assertEquals(sample, parser.parse(json), new String(json, StandardCharsets.UTF_8));
            assertEquals(sample, parser.parseWithJackson(json), new String(json, StandardCharsets.UTF_8));
        }
    }

    @Test
    @DisplayName("refuses a NaN or infinite value, naming the field and index: JSON has no such number")
    void refusesNonFinite() {
        IllegalArgumentException features = assertThrows(IllegalArgumentException.class,
                () -> new Sample("m", new double[] {0, Double.NaN}, 1, null, null).toJson());
        assertTrue(features.getMessage().contains("features[1] = NaN"), features.getMessage());
        IllegalArgumentException target = assertThrows(IllegalArgumentException.class,
                () -> new Sample("m", new double[] {0}, null, new double[] {Double.NEGATIVE_INFINITY}, null).toJson());
        assertTrue(target.getMessage().contains("target[0] = -Infinity"), target.getMessage());
    }

    private static void assertSameBits(Sample expected, Sample actual) {
        assertEquals(expected, actual); // Arrays.equals on doubles compares bits: -0.0 differs from 0.0
        double[] features = actual.features();
        for (int k = 0; k < features.length; k++) {
            assertEquals(Double.doubleToRawLongBits(expected.features()[k]), Double.doubleToRawLongBits(features[k]),
                    "features[" + k + "] = " + expected.features()[k]);
        }
    }

    private static String text(Sample sample) {
        return new String(sample.toJson(), StandardCharsets.UTF_8);
    }
}
