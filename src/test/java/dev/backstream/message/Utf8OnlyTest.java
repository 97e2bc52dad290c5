package dev.backstream.message;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message Backstream reads is UTF-8 JSON: a UTF-16 or UTF-32 text, which Jackson would otherwise detect and
 * decode, is rejected as {@code MALFORMED_JSON}, whichever way it arrives (a sample, a command, an HTTP request body).
 */
@DisplayName("messages are UTF-8 only")
class Utf8OnlyTest {
    private static final String SAMPLE = "{\"model\": \"xor\", \"features\": [0, 1], \"label\": 1}";
    private static final String COMMAND = "{\"command\": \"pause\", \"model\": \"xor\"}";
    private static final String PREDICT = "{\"features\": [0, 1]}";

    static Stream<Arguments> readers() {
        Consumer<byte[]> sample = bytes -> new SampleParser().parse(bytes);
        Consumer<byte[]> command = ModelCommand::parse;
        Consumer<byte[]> predict = bytes -> PredictRequest.parse(bytes, 100, 1000);
        return Stream.of(
                Arguments.of("sample", SAMPLE, sample),
                Arguments.of("command", COMMAND, command),
                Arguments.of("predict request", PREDICT, predict));
    }

    @ParameterizedTest(name = "a {0} in UTF-16 with a byte-order mark")
    @MethodSource("readers")
    void utf16WithAByteOrderMarkIsRejected(String kind, String json, Consumer<byte[]> reader) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_16); // big-endian with the mark FE FF
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> reader.accept(bytes));
        assertEquals(RejectReason.MALFORMED_JSON, e.reason());
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @ParameterizedTest(name = "a {0} in UTF-16LE without a mark")
    @MethodSource("readers")
    void utf16WithoutAMarkIsRejected(String kind, String json, Consumer<byte[]> reader) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_16LE);
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> reader.accept(bytes));
        assertEquals(RejectReason.MALFORMED_JSON, e.reason());
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @ParameterizedTest(name = "a {0} in UTF-8 is read")
    @MethodSource("readers")
    void utf8IsRead(String kind, String json, Consumer<byte[]> reader) {
        reader.accept(json.getBytes(StandardCharsets.UTF_8));
    }
}
