package dev.backstream.stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.backstream.message.Json;
import dev.backstream.message.RejectReason;
import org.apache.kafka.common.errors.SerializationException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A record that could not be used, as published to the dead-letter topic: the stable reason code, a human-readable
 * message, where the record came from, and the record itself ({@code key} and {@code value} as UTF-8 text, or base64
 * with {@code keyEncoding}/{@code valueEncoding} = {@code "base64"} when they are not valid UTF-8).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"reason", "message", "sourceTopic", "sourcePartition", "sourceOffset", "key", "keyEncoding", "value",
        "valueEncoding", "timestamp"})
public record DeadLetter(RejectReason reason, String message, String sourceTopic, int sourcePartition, long sourceOffset,
                         String key, String keyEncoding, String value, String valueEncoding, long timestamp) {

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    /** A dead letter for the record with these coordinates and bytes. */
    public static DeadLetter of(RejectReason reason, String message, SourceRecord source, byte[] key, byte[] value) {
        String keyText = text(key);
        String valueText = text(value);
        return new DeadLetter(reason, message, source.topic(), source.partition(), source.offset(),
                key == null ? null : keyText != null ? keyText : Base64.getEncoder().encodeToString(key),
                key == null || keyText != null ? null : "base64",
                value == null ? null : valueText != null ? valueText : Base64.getEncoder().encodeToString(value),
                value == null || valueText != null ? null : "base64", source.timestamp());
    }

    /** The JSON value published to the dead-letter topic. */
    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write dead letter", e);
        }
    }

    /** The bytes as text if they are valid UTF-8, else null. */
    private static String text(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
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
