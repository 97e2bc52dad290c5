package dev.backstream.message;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fast path agrees with Jackson: whatever it accepts, Jackson reads to the same strings and the same bits, and it
 * accepts nothing Jackson rejects. Checked on hand-picked edge cases and on 100,000 random documents, valid and
 * mutated.
 */
@DisplayName("The fast sample reader")
class FastSampleReaderTest {
    private static final int MAX_VALUES = 64;
    private final FastSampleReader fast = new FastSampleReader(MAX_VALUES);
    private final SampleParser jackson = new SampleParser(MAX_VALUES);

    @Test
    @DisplayName("reads the common shapes itself")
    void readsCommonShapes() {
        for (String json : List.of(
                "{\"model\":\"xor\",\"features\":[0,1],\"label\":1}",
                " {\n \"features\" : [ 0.5 , -1.25e-3, 3E+2 ] ,\t\"model\": \"m-1\", \"target\": [1.5], \"id\": \"a b\" } ",
                "{\"model\":\"m\",\"id\":null,\"features\":[],\"label\":null,\"target\":null}",
                "{\"model\":\"m\",\"features\":[123456789012345678, -0, -0.0, 0.1, 1e22, 1e23, 9007199254740993.0, 2.2250738585072011e-308]}")) {
            assertNotNull(fast.read(bytes(json)), json);
            assertSameAsJackson(json);
        }
    }

    @Test
    @DisplayName("leaves to Jackson what it does not handle, and everything invalid")
    void declines() {
        for (String json : List.of(
                "{\"model\":\"xor\",\"features\":[0,1],\"label\":1,\"extra\":true}", // unknown field
                "{\"model\":\"x\\u0079\",\"features\":[0]}", // escape
                "{\"model\":\"caf\u00e9\",\"features\":[0]}", // non-ASCII
                "{\"model\":\"m\",\"features\":[0],\"label\":1.0}", // float label
                "{\"model\":\"m\",\"features\":[1234567890123456789]}", // integer beyond 18 digits
                "{\"model\":\"m\",\"features\":[1e400]}", // overflow
                "{\"model\":\"m\",\"model\":\"n\",\"features\":[0]}", // duplicate
                "{\"model\":\"m\",\"features\":[01]}", "{\"model\":\"m\",\"features\":[1.]}", "{\"model\":\"m\",\"features\":[.5]}",
                "{\"model\":\"m\",\"features\":[+1]}", "{\"model\":\"m\",\"features\":[1e]}", "{\"model\":\"m\",\"features\":[NaN]}",
                "{\"model\":\"m\",\"features\":[1,]}", "{\"model\":\"m\",\"features\":[0],}", "{\"model\":\"m\",\"features\":[0]} x",
                "{\"model\":\"m\",\"features\":[0]", "{\"model\":\"\",\"features\":[0]}", "{\"features\":[0]}", "{}", "[]", "",
                "{\"model\":\"m\",\"features\":[0],\"label\":1,\"target\":[1]}")) {
            assertNull(fast.read(bytes(json)), json);
        }
        assertNull(fast.read(bytes("{\"model\":\"m\",\"features\":[" + "1,".repeat(MAX_VALUES) + "1]}")), "more than max values");
    }

    @Test
    @DisplayName("agrees with Jackson on 100,000 random documents, valid and mutated")
    void differential() {
        Random random = new Random(42);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            String json = randomSample(random);
            if (random.nextInt(3) == 0) {
                json = mutate(json, random);
            }
            if (assertSameAsJackson(json)) {
                accepted++;
            }
        }
        assertEquals(true, accepted > 50_000, "the fast path takes most valid documents: " + accepted);
    }

    /** Whether the fast path accepted {@code json}; fails if it disagrees with Jackson. */
    private boolean assertSameAsJackson(String json) {
        byte[] bytes = bytes(json);
        Sample quick = fast.read(bytes);
        Sample reference;
        try {
            reference = jackson.parseWithJackson(bytes);
        } catch (InvalidMessageException e) {
            if (quick != null) {
                fail("fast path accepted what Jackson rejects (" + e.getMessage() + "): " + json);
            }
            return false;
        }
        if (quick == null) {
            return false;
        }
        assertEquals(reference.model(), quick.model(), json);
        assertEquals(reference.id(), quick.id(), json);
        assertEquals(reference.label(), quick.label(), json);
        assertArrayEquals(bits(reference.features()), bits(quick.features()), json);
        assertArrayEquals(reference.target() == null ? null : bits(reference.target()), quick.target() == null ? null : bits(quick.target()), json);
        return true;
    }

    private static long[] bits(double[] values) {
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToRawLongBits(values[i]);
        }
        return bits;
    }

    private static String randomSample(Random random) {
        List<String> fields = new ArrayList<>();
        fields.add(quote("model") + ws(random) + ":" + ws(random) + quote("m" + random.nextInt(100)));
        fields.add(quote("features") + ":" + numbers(random, 1 + random.nextInt(12)));
        switch (random.nextInt(4)) {
            case 0 -> fields.add(quote("label") + ":" + (random.nextInt(10) - 1));
            case 1 -> fields.add(quote("target") + ":" + numbers(random, 1 + random.nextInt(3)));
            case 2 -> fields.add(quote("label") + ":null");
            default -> { }
        }
        if (random.nextBoolean()) {
            fields.add(quote("id") + ":" + (random.nextBoolean() ? "null" : quote("id-" + random.nextInt(1000))));
        }
        java.util.Collections.shuffle(fields, random);
        return ws(random) + "{" + ws(random) + String.join(ws(random) + "," + ws(random), fields) + ws(random) + "}" + ws(random);
    }

    private static String numbers(Random random, int n) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "" : ",").append(ws(random)).append(number(random)).append(ws(random));
        }
        return json.append(']').toString();
    }

    /** Numbers of every form JSON allows, with many digits, extreme exponents and ties. */
    private static String number(Random random) {
        String sign = random.nextInt(4) == 0 ? "-" : "";
        return switch (random.nextInt(8)) {
            case 0 -> sign + random.nextInt(1000);
            case 1 -> sign + Math.abs(random.nextLong() % 1_000_000_000_000_000_000L);
            case 2 -> sign + random.nextInt(10) + "." + digits(random, 1 + random.nextInt(20));
            case 3 -> sign + (1 + random.nextInt(9)) + digits(random, random.nextInt(6)) + "." + digits(random, 1 + random.nextInt(6))
                    + (random.nextBoolean() ? "e" : "E") + (random.nextBoolean() ? "-" : random.nextBoolean() ? "+" : "") + random.nextInt(330);
            case 4 -> sign + Double.toString(Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL));
            case 5 -> sign + Double.toString(random.nextDouble());
            case 6 -> sign + "0.000" + digits(random, 1 + random.nextInt(25));
            default -> sign + (1 + random.nextInt(9)) + digits(random, 15 + random.nextInt(10)) + ".5";
        };
    }

    private static String digits(Random random, int n) {
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < n; i++) {
            digits.append((char) ('0' + random.nextInt(10)));
        }
        return digits.toString();
    }

    private static String mutate(String json, Random random) {
        StringBuilder mutated = new StringBuilder(json);
        int at = random.nextInt(Math.max(1, mutated.length()));
        String[] inserts = {",", "]", "[", "}", "{", "\"", ":", "-", ".", "e", "0", "1", " ", "null", "\\", "x", "\u00e9", "\"extra\":1,"};
        switch (random.nextInt(3)) {
            case 0 -> mutated.insert(at, inserts[random.nextInt(inserts.length)]);
            case 1 -> mutated.deleteCharAt(Math.min(at, mutated.length() - 1));
            default -> mutated.setLength(at);
        }
        return mutated.toString();
    }

    private static String ws(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> " ";
            case 1 -> "\n\t ";
            default -> "";
        };
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
