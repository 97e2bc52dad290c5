package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static dev.backstream.features.Specs.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The preprocessing state: what changes it, what does not, and its two persisted forms. */
class PreprocessingTest {
    /** Two stateful fields (distance, delay_prior) around a stateless one. */
    private static final FeatureSpec SPEC = Specs.spec("""
            {"fields": [
               {"path": "distance", "type": "numeric", "encoding": "standardize"},
               {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 8},
               {"path": "delay_prior", "type": "numeric", "missing": "mean", "indicator": true}],
             "label": {"path": "delay", "type": "threshold", "above": 15}}""");

    /** A state that learned {@code n} events of awkward doubles, some with delay_prior missing. */
    private static Preprocessing learned(int n) {
        Random random = new Random(7);
        Preprocessing state = SPEC.newState();
        for (int i = 0; i < n; i++) {
            double prior = i % 5 == 0 ? Double.NaN : random.nextGaussian() * 0.1 + 0.3;
            state.learn(new double[] {random.nextDouble() * 3000, prior});
        }
        return state;
    }

    @Nested
    class Encoding {
        @Test
        void neverChangesTheState() throws FeatureException {
            Preprocessing state = learned(100);
            byte[] before = state.toBytes();
            for (String event : new String[] {"{\"distance\": 731, \"origin\": \"ORD\", \"delay_prior\": 0.4}",
                    "{\"distance\": 50, \"origin\": \"SFO\"}", "{\"distance\": 1e9, \"origin\": 3, \"delay_prior\": null}"}) {
                SPEC.encode(json(event), state);
            }
            assertArrayEquals(before, state.toBytes());
            assertTrue(state.bitIdentical(learned(100)));
        }

        @Test
        void observesOneRawValuePerStatefulFieldInSpecOrder() throws FeatureException {
            EncodedEvent event = SPEC.encode(json("{\"distance\": 731, \"origin\": \"ORD\"}"), SPEC.newState());
            assertEquals(2, event.observed().length);
            assertEquals(731.0, event.observed()[0]);
            assertTrue(Double.isNaN(event.observed()[1]));
        }

        @Test
        void learningTheObservedValuesScoresTheNextEventWithThem() throws FeatureException {
            Preprocessing state = SPEC.newState();
            for (double distance : new double[] {100, 300}) {
                state.learn(SPEC.encode(json("{\"distance\": " + distance + ", \"origin\": \"a\", \"delay_prior\": 2}"), state).observed());
            }
            // μ = 200, σ = 100: 400 standardizes to 2; the missing prior is its mean, 2
            double[] features = SPEC.encode(json("{\"distance\": 400, \"origin\": \"a\"}"), state).features();
            assertEquals(2.0, features[0]);
            assertEquals(2.0, features[9]);
            assertEquals(1.0, features[10]);
        }
    }

    @Nested
    class ACopy {
        @Test
        void isBitIdenticalAndIndependent() {
            Preprocessing original = learned(50);
            Preprocessing copy = original.copy();
            assertTrue(copy.bitIdentical(original));
            copy.learn(new double[] {1, 1});
            assertFalse(copy.bitIdentical(original));
            assertTrue(original.bitIdentical(learned(50)));
        }
    }

    @Nested
    class TheBinaryForm {
        @Test
        void roundTripsBitIdentically() {
            for (int n : new int[] {0, 1, 1000}) {
                Preprocessing state = learned(n);
                Preprocessing back = Preprocessing.fromBytes(SPEC, state.toBytes());
                assertTrue(back.bitIdentical(state), n + " events");
                assertArrayEquals(state.toBytes(), back.toBytes());
            }
        }

        @Test
        void startsWithItsVersion() {
            assertEquals(1, ByteBuffer.wrap(SPEC.newState().toBytes()).getShort());
        }

        @Test
        void isPinnedByteForByte() {
            Preprocessing state = SPEC.newState();
            state.learn(new double[] {2, Double.NaN});
            state.learn(new double[] {4, 7});
            // version 1, 2 entries; "distance": count 2, mean 3.0, M2 2.0; "delay_prior": count 1, mean 7.0, M2 0.0
            String expected = "0001" + "00000002"
                    + "0008" + hex("distance") + "0000000000000002" + "4008000000000000" + "4000000000000000"
                    + "000b" + hex("delay_prior") + "0000000000000001" + "401c000000000000" + "0000000000000000";
            assertEquals(expected, java.util.HexFormat.of().formatHex(state.toBytes()));
        }

        private static String hex(String text) {
            return java.util.HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        @Test
        void rejectsAnotherVersion() {
            byte[] bytes = learned(3).toBytes();
            bytes[1] = 9;
            assertEquals("preprocessing: expected version 1, found 9",
                    assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(SPEC, bytes)).getMessage());
        }

        @Test
        void rejectsTheStateOfAnotherSpec() {
            FeatureSpec oneField = Specs.oneField("{\"path\": \"distance\", \"type\": \"numeric\", \"encoding\": \"standardize\"}");
            assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(oneField, learned(3).toBytes()));
            FeatureSpec renamed = Specs.spec(SPEC.toJson().toString().replace("delay_prior", "prior"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(renamed, learned(3).toBytes()));
            assertEquals("preprocessing[1].path: expected \"prior\", found \"delay_prior\"", e.getMessage());
        }

        @Test
        void rejectsTruncatedOrTrailingBytes() {
            byte[] bytes = learned(3).toBytes();
            assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(SPEC, Arrays.copyOf(bytes, bytes.length - 1)));
            assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(SPEC, Arrays.copyOf(bytes, bytes.length + 1)));
            assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(SPEC, new byte[0]));
        }

        @Test
        void rejectsStatisticsWelfordCannotProduce() {
            byte[] bytes = learned(3).toBytes();
            // the first entry: short version, int size, writeUTF("distance") = 2 + 8 bytes, then the count
            ByteBuffer.wrap(bytes).putLong(2 + 4 + 2 + 8, -1);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(SPEC, bytes)).getMessage()
                    .startsWith("preprocessing[0].count"));
            byte[] nan = learned(3).toBytes();
            ByteBuffer.wrap(nan).putDouble(2 + 4 + 2 + 8 + 8, Double.NaN);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromBytes(SPEC, nan)).getMessage()
                    .startsWith("preprocessing[0].mean"));
        }
    }

    @Nested
    class TheJsonForm {
        @Test
        void listsPathCountMeanAndM2PerStatefulField() {
            Preprocessing state = SPEC.newState();
            state.learn(new double[] {2, Double.NaN});
            state.learn(new double[] {4, 7});
            assertEquals(json("""
                    [{"path": "distance", "count": 2, "mean": 3.0, "m2": 2.0},
                     {"path": "delay_prior", "count": 1, "mean": 7.0, "m2": 0.0}]""").toString(), state.toJson().toString());
        }

        @Test
        void roundTripsBitIdenticallyThroughText() throws Exception {
            Preprocessing state = learned(1000);
            String text = Json.MAPPER.writeValueAsString(state.toJson());
            Preprocessing back = Preprocessing.fromJson(SPEC, Json.MAPPER.readTree(text));
            assertTrue(back.bitIdentical(state));
        }

        @Test
        void acceptsAnIntegerMean() {
            JsonNode json = json("[{\"path\": \"distance\", \"count\": 2, \"mean\": 3, \"m2\": 2},"
                    + " {\"path\": \"delay_prior\", \"count\": 0, \"mean\": 0, \"m2\": 0}]");
            assertEquals(3.0, Preprocessing.fromJson(SPEC, json).mean(0));
        }

        @Test
        void namesTheEntryAtFault() {
            assertEquals("preprocessing[1].path: expected \"delay_prior\", found \"prior\"", fault(1, e -> e.put("path", "prior")));
            assertEquals("preprocessing[0].count: expected an integer >= 0, found -1", fault(0, e -> e.put("count", -1)));
            assertEquals("preprocessing[0].count: expected an integer >= 0, found 1.5", fault(0, e -> e.put("count", 1.5)));
            assertEquals("preprocessing[0].mean: expected a number, found \"3\"", fault(0, e -> e.put("mean", "3")));
            assertEquals("preprocessing[0].m2: expected a finite number >= 0, found -1.0", fault(0, e -> e.put("m2", -1.0)));
            assertEquals("preprocessing[0].sum: unknown key; allowed: path, count, mean, m2", fault(0, e -> e.put("sum", 1)));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromJson(SPEC, json("[]"))).getMessage()
                    .startsWith("preprocessing: expected an array of 2 entries"));
        }

        private String fault(int entry, java.util.function.Consumer<ObjectNode> breakIt) {
            ArrayNode json = (ArrayNode) learned(10).toJson();
            breakIt.accept((ObjectNode) json.get(entry));
            return assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromJson(SPEC, json)).getMessage();
        }
    }
}
