package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.message.Sample;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The routed-sample serde of the repartition topic")
class RoutedSampleSerdeTest {
    private static final String TOPIC = "backstream.repartition";
    private final RoutedSampleSerde serde = new RoutedSampleSerde();

    private static final RoutedSample LABELED = new RoutedSample(
            new Sample("digits", new double[] {0.0, -0.0, Double.MIN_VALUE, 1e-300, 16.0}, 7, null, "row-7 \"é\""), true,
            bytes("digits"), bytes("{\"model\":\"digits\"}"), new SourceRecord("backstream.samples", 3, 1234, 1_700_000_000_000L));
    private static final RoutedSample REGRESSION_REQUEST = new RoutedSample(
            new Sample("ridership", new double[] {3.5}, null, new double[] {13.2, -0.25}, null), false, null, null,
            new SourceRecord("backstream.score-requests", 0, 0, 0));

    @Nested
    @DisplayName("version 2 (written now)")
    class Version2 {

        @Test
        @DisplayName("round-trips every field: sample, learn flag, key, value and source")
        void roundTrips() {
            for (RoutedSample routed : List.of(LABELED, REGRESSION_REQUEST)) {
                byte[] bytes = serde.serializer().serialize(TOPIC, routed);
                assertEquals(2, bytes[0], "version byte");
                assertSameRouted(routed, serde.deserializer().deserialize(TOPIC, bytes));
            }
        }

        @Test
        @DisplayName("round-trips a control command with its key, value and source; a corrupt command is a SerializationException")
        void commandsRoundTrip() {
            dev.backstream.message.ModelCommand command = new dev.backstream.message.ModelCommand.Rollback("c-9", "xor", 40L, null);
            RoutedSample routed = RoutedSample.command(command, bytes("operator"), command.toJson(), new SourceRecord("ctl", 3, 17, 99));
            RoutedSample decoded = RoutedSampleSerde.decode(RoutedSampleSerde.encode(routed));
            assertNull(decoded.sample());
            assertEquals(command, decoded.command());
            assertEquals(routed.source(), decoded.source());
            assertArrayEquals(routed.sourceKey(), decoded.sourceKey());
            assertArrayEquals(routed.sourceValue(), decoded.sourceValue());
            byte[] corrupt = RoutedSampleSerde.encode(RoutedSample.command(command, null, bytes("{\"command\":\"pause\",\"model\":\"other\"}"),
                    new SourceRecord("ctl", 0, 0, 0)));
            assertThrows(org.apache.kafka.common.errors.SerializationException.class, () -> RoutedSampleSerde.decode(corrupt),
                    "a command for another model than the record's");
        }

        @Test
        @DisplayName("encodes a source without a topic (a record without metadata) and decodes it as null, not an NPE")
        void nullTopicRoundTrips() {
            RoutedSample routed = new RoutedSample(LABELED.sample(), true, null, bytes("{}"), new SourceRecord(null, -1, -1, 42));
            RoutedSample decoded = RoutedSampleSerde.decode(RoutedSampleSerde.encode(routed));
            assertNull(decoded.source().topic());
            assertSameRouted(routed, decoded);
        }

        @Test
        @DisplayName("an empty topic stays empty, distinct from no topic")
        void emptyTopicIsNotNull() {
            RoutedSample routed = new RoutedSample(LABELED.sample(), true, null, null, new SourceRecord("", 0, 0, 0));
            assertEquals("", RoutedSampleSerde.decode(RoutedSampleSerde.encode(routed)).source().topic());
        }

        @Test
        @DisplayName("maps null to null both ways (a tombstone)")
        void nullIsNull() {
            assertNull(serde.serializer().serialize(TOPIC, null));
            assertNull(serde.deserializer().deserialize(TOPIC, null));
        }
    }

    @Nested
    @DisplayName("version 3 (raw events and label records)")
    class Version3 {
        private static final RoutedSample EVENT = RoutedSample.event(new RoutedEvent("flights", RoutedEvent.Kind.EVENT,
                        EventRouter.parseObject(bytes("{\"model\":\"flights\",\"id\":\"e-1\",\"origin\":\"SFO\"}"), "event")),
                bytes("flights"), bytes("{\"model\":\"flights\",\"id\":\"e-1\",\"origin\":\"SFO\"}"),
                new SourceRecord("backstream.events", 2, 77, 1_700_000_000_000L));
        /** A label record without "model": its model came from events.model, and the record's model is the default when read. */
        private static final RoutedSample LABEL = RoutedSample.event(new RoutedEvent("flights", RoutedEvent.Kind.LABEL,
                        EventRouter.parseObject(bytes("{\"id\":\"e-1\",\"label\":true}"), "label record")),
                null, bytes("{\"id\":\"e-1\",\"label\":true}"), new SourceRecord(null, -1, -1, 5));

        @Test
        @DisplayName("round-trips the model, kind, JSON, key, value and source")
        void roundTrips() {
            for (RoutedSample routed : List.of(EVENT, LABEL)) {
                byte[] bytes = serde.serializer().serialize(TOPIC, routed);
                assertEquals(3, bytes[0], "version byte");
                RoutedSample decoded = serde.deserializer().deserialize(TOPIC, bytes);
                assertEquals(routed.event(), decoded.event());
                assertNull(decoded.sample());
                assertNull(decoded.command());
                assertArrayEquals(routed.sourceKey(), decoded.sourceKey());
                assertArrayEquals(routed.sourceValue(), decoded.sourceValue());
                assertEquals(routed.source(), decoded.source());
            }
        }

        @Test
        @DisplayName("rejects every truncation, trailing bytes, an unknown kind, wrong flags and JSON that is not the record's")
        void rejectsCorruptRecords() {
            for (RoutedSample routed : List.of(EVENT, LABEL)) {
                byte[] whole = RoutedSampleSerde.encode(routed);
                for (int length = 0; length < whole.length; length++) {
                    byte[] cut = Arrays.copyOf(whole, length);
                    assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(cut), length + " bytes");
                }
                assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(Arrays.copyOf(whole, whole.length + 1)));
                int kindAt = 2 + 4 + 8 + 8 + 4 + "flights".length() + 4 + (routed.source().topic() == null ? 0 : routed.source().topic().length());
                for (byte kind : new byte[] {2, -1}) {
                    byte[] bytes = whole.clone();
                    bytes[kindAt] = kind;
                    assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(bytes), "kind " + kind);
                }
                for (int flags : new int[] {0, 1, 64, 128 | 32}) {
                    byte[] bytes = whole.clone();
                    bytes[1] = (byte) flags;
                    assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(bytes), "flags " + flags);
                }
            }
            RoutedSample other = RoutedSample.event(new RoutedEvent("flights", RoutedEvent.Kind.EVENT,
                    EventRouter.parseObject(bytes("{\"model\":\"other\"}"), "event")), null, bytes("{\"model\":\"other\"}"),
                    new SourceRecord("t", 0, 0, 0));
            assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(RoutedSampleSerde.encode(other)),
                    "an event of another model than the record's");
            RoutedSample notJson = RoutedSample.event(EVENT.event(), null, bytes("{\"model\":"), new SourceRecord("t", 0, 0, 0));
            assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(RoutedSampleSerde.encode(notJson)));
            RoutedSample labelWithoutId = RoutedSample.event(LABEL.event(), null, bytes("{\"label\":1}"), new SourceRecord("t", 0, 0, 0));
            assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(RoutedSampleSerde.encode(labelWithoutId)));
        }
    }

    @Nested
    @DisplayName("version 1 (written before the value was carried)")
    class Version1 {

        @Test
        @DisplayName("is still read, with the value absent and everything else intact")
        void stillRead() {
            RoutedSample decoded = serde.deserializer().deserialize(TOPIC, version1(LABELED));
            assertNull(decoded.sourceValue());
            assertSameRouted(new RoutedSample(LABELED.sample(), LABELED.learn(), LABELED.sourceKey(), null, LABELED.source()), decoded);
            assertSameRouted(REGRESSION_REQUEST, serde.deserializer().deserialize(TOPIC, version1(REGRESSION_REQUEST)));
        }
    }

    @Nested
    @DisplayName("rejects, as Kafka's SerializationException")
    class Rejects {

        @Test
        @DisplayName("every truncation of a valid record, naming its size")
        void truncated() {
            for (byte[] whole : List.of(RoutedSampleSerde.encode(LABELED), RoutedSampleSerde.encode(REGRESSION_REQUEST), version1(LABELED))) {
                for (int length = 0; length < whole.length; length++) {
                    byte[] cut = Arrays.copyOf(whole, length);
                    assertThrows(SerializationException.class, () -> serde.deserializer().deserialize(TOPIC, cut), length + " bytes");
                }
            }
        }

        @Test
        @DisplayName("an unknown version byte, naming it and the versions it reads")
        void wrongVersion() {
            for (byte version : new byte[] {0, 4, -1}) {
                byte[] bytes = RoutedSampleSerde.encode(LABELED);
                bytes[0] = version;
                SerializationException e = assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(bytes));
                assertTrue(e.getMessage().contains("version " + version + " is not supported; expected 1, 2 or 3"), e.getMessage());
            }
        }

        @Test
        @DisplayName("a negative or oversized length")
        void badLength() {
            byte[] bytes = RoutedSampleSerde.encode(LABELED);
            int modelLength = 2 + 4 + 8 + 8;
            for (int length : new int[] {-2, Integer.MIN_VALUE, bytes.length, Integer.MAX_VALUE}) {
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(modelLength, length);
                SerializationException e = assertThrows(SerializationException.class, () -> RoutedSampleSerde.decode(bytes));
                assertTrue(e.getMessage().contains("bad length " + length), e.getMessage());
            }
        }

        @Test
        @DisplayName("bytes after the record")
        void trailingBytes() {
            byte[] whole = RoutedSampleSerde.encode(REGRESSION_REQUEST);
            SerializationException e = assertThrows(SerializationException.class,
                    () -> RoutedSampleSerde.decode(Arrays.copyOf(whole, whole.length + 3)));
            assertTrue(e.getMessage().contains("3 unexpected bytes"), e.getMessage());
        }
    }

    /** The version-1 layout, written field by field: version 2 without the value (and without its flag). */
    private static byte[] version1(RoutedSample routed) {
        Sample sample = routed.sample();
        ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        int flags = (routed.learn() ? 1 : 0) | (sample.label() != null ? 2 : 0) | (sample.target() != null ? 4 : 0)
                | (sample.id() != null ? 8 : 0) | (routed.sourceKey() != null ? 16 : 0);
        out.put((byte) 1).put((byte) flags);
        out.putInt(routed.source().partition()).putLong(routed.source().offset()).putLong(routed.source().timestamp());
        putBytes(out, bytes(sample.model()));
        putBytes(out, bytes(routed.source().topic()));
        if (sample.id() != null) {
            putBytes(out, bytes(sample.id()));
        }
        if (routed.sourceKey() != null) {
            putBytes(out, routed.sourceKey());
        }
        out.putInt(sample.label() == null ? 0 : sample.label());
        putDoubles(out, sample.features());
        if (sample.target() != null) {
            putDoubles(out, sample.target());
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        out.putInt(bytes.length).put(bytes);
    }

    private static void putDoubles(ByteBuffer out, double[] values) {
        out.putInt(values.length);
        for (double value : values) {
            out.putDouble(value);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertSameRouted(RoutedSample expected, RoutedSample actual) {
        assertEquals(expected.sample(), actual.sample()); // bitwise on the arrays: -0.0 and subnormals survive
        assertEquals(expected.learn(), actual.learn());
        assertArrayEquals(expected.sourceKey(), actual.sourceKey());
        assertArrayEquals(expected.sourceValue(), actual.sourceValue());
        assertEquals(expected.source(), actual.source());
    }
}
