package dev.backstream.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.backstream.json.Json;
import org.apache.kafka.common.errors.SerializationException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A record that could not be used, as published to the dead-letter topic: the stable reason code, a human-readable
 * message, where the record came from, and the record itself ({@code key} and {@code value} as UTF-8 text, or base64
 * with {@code keyEncoding}/{@code valueEncoding} = {@code "base64"} when they are not valid UTF-8).
 *
 * <p>A dead letter always fits the producer's limits, whatever the record: the key and the value are each cut so that
 * their JSON text (escapes and base64 included) takes at most a given number of bytes, the message at most
 * {@link #MAX_MESSAGE_CHARS} characters. A cut key or value says so with {@code keyTruncated}/{@code valueTruncated}
 * and gives the record's original size in {@code keyBytes}/{@code valueBytes}; both are absent when nothing was cut.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"reason", "message", "sourceTopic", "sourcePartition", "sourceOffset", "key", "keyEncoding", "keyTruncated",
        "keyBytes", "value", "valueEncoding", "valueTruncated", "valueBytes", "timestamp"})
public record DeadLetter(RejectReason reason, String message, String sourceTopic, int sourcePartition, long sourceOffset,
                         String key, String keyEncoding, Boolean keyTruncated, Integer keyBytes,
                         String value, String valueEncoding, Boolean valueTruncated, Integer valueBytes, long timestamp) {
    /** Messages longer than this are cut (they may quote a model id or a parser's excerpt of the record). */
    public static final int MAX_MESSAGE_CHARS = 1024;
    /** Room for the fields other than key, value and message, with their names and JSON punctuation. */
    static final int FIXED_OVERHEAD_BYTES = 1024;

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    /**
     * A dead letter for the record with these coordinates and bytes.
     *
     * @param maxFieldBytes the most bytes the key's and the value's JSON text may each take; see {@link #maxBytes}
     */
    public static DeadLetter of(RejectReason reason, String message, SourceRecord source, byte[] key, byte[] value, int maxFieldBytes) {
        Field k = Field.of(key, maxFieldBytes);
        Field v = Field.of(value, maxFieldBytes);
        String cutMessage = message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "…";
        return new DeadLetter(reason, cutMessage, source.topic(), source.partition(), source.offset(),
                k.text, k.encoding, k.truncated, k.originalBytes, v.text, v.encoding, v.truncated, v.originalBytes, source.timestamp());
    }

    /**
     * {@code letter} without the record's key and value, for a record whose full dead letter could not be published
     * ({@code why}); the record's sizes are kept.
     */
    public static DeadLetter withoutRecord(DeadLetter letter, String why) {
        String message = letter.message + " [the record's key and value are left out: a dead letter with them was " + why + "]";
        return new DeadLetter(letter.reason, message, letter.sourceTopic, letter.sourcePartition, letter.sourceOffset,
                null, null, letter.key == null ? null : true, originalBytes(letter.key, letter.keyEncoding, letter.keyBytes),
                null, null, letter.value == null ? null : true, originalBytes(letter.value, letter.valueEncoding, letter.valueBytes),
                letter.timestamp);
    }

    /** The size of the record's key or value that a letter's field shows (whole, or cut with its size given). */
    private static Integer originalBytes(String text, String encoding, Integer cutFrom) {
        if (text == null || cutFrom != null) {
            return cutFrom;
        }
        return "base64".equals(encoding) ? Base64.getDecoder().decode(text).length : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * An upper bound of the serialized size of any dead letter whose key and value are cut to {@code maxFieldBytes}
     * (message cut, a topic name of up to 249 characters).
     */
    public static long maxBytes(int maxFieldBytes) {
        return 2L * maxFieldBytes + 6L * MAX_MESSAGE_CHARS + 4 * 249 + FIXED_OVERHEAD_BYTES;
    }

    /** The JSON value published to the dead-letter topic. */
    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write dead letter", e);
        }
    }

    /** A key or value as it appears in the letter: text or base64, cut to a size, with its original size if cut. */
    private record Field(String text, String encoding, Boolean truncated, Integer originalBytes) {
        static Field of(byte[] bytes, int maxBytes) {
            if (bytes == null) {
                return new Field(null, null, null, null);
            }
            String text = utf8(bytes);
            if (text != null) {
                int end = textPrefixEnd(text, maxBytes);
                return end == text.length() ? new Field(text, null, null, null)
                        : new Field(text.substring(0, end), null, true, bytes.length);
            }
            int keep = Math.min(bytes.length, maxBytes / 4 * 3); // base64 writes 4 characters per 3 bytes
            String base64 = Base64.getEncoder().encodeToString(keep == bytes.length ? bytes : Arrays.copyOf(bytes, keep));
            return keep == bytes.length ? new Field(base64, "base64", null, null) : new Field(base64, "base64", true, bytes.length);
        }

        /** The end of the longest prefix of {@code text}, whole code points, whose escaped JSON takes at most {@code maxBytes}. */
        private static int textPrefixEnd(String text, int maxBytes) {
            long bytes = 0;
            int i = 0;
            while (i < text.length()) {
                int codePoint = text.codePointAt(i);
                bytes += jsonBytes(codePoint);
                if (bytes > maxBytes) {
                    return i;
                }
                i += Character.charCount(codePoint);
            }
            return i;
        }

        /** Bytes a code point takes in a JSON string as Jackson writes it (control characters escaped). */
        private static int jsonBytes(int codePoint) {
            if (codePoint == '"' || codePoint == '\\' || codePoint == '\n' || codePoint == '\t' || codePoint == '\r'
                    || codePoint == '\b' || codePoint == '\f') {
                return 2;
            }
            if (codePoint < 0x20) {
                return 6; // \\u00XX
            }
            return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
        }
    }

    /** The bytes as text if they are valid UTF-8, else null. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
