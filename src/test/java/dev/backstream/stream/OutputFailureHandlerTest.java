package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.message.DeadLetter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.message.RejectReason;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("A dead letter the producer refuses")
class OutputFailureHandlerTest {
    private static final String DEAD_LETTERS = "backstream.dead-letters";
    private final UnpublishedDeadLetters unpublished = new UnpublishedDeadLetters();
    private final OutputFailureHandler handler = new OutputFailureHandler();
    private final SourceRecord source = new SourceRecord("backstream.samples", 2, 41, 1000);
    private final byte[] value = "{\"model\":\"xor\", \"features\": [1,".repeat(100).getBytes(StandardCharsets.UTF_8);

    OutputFailureHandlerTest() {
        handler.configure(Map.of(OutputFailureHandler.DEAD_LETTER_TOPIC_CONFIG, DEAD_LETTERS, UnpublishedDeadLetters.CONFIG, unpublished,
                "processing.guarantee", "at_least_once"));
    }

    private byte[] fullLetter() {
        return DeadLetter.of(RejectReason.MALFORMED_JSON, "not valid JSON", source, "xor".getBytes(StandardCharsets.UTF_8), value, 65_536).toJson();
    }

    @Test
    void isReplacedByOneWithoutTheRecordAndNeverStopsTheApplication() throws Exception {
        Response response = handler.handleError(null, new ProducerRecord<>(DEAD_LETTERS, null, fullLetter()),
                new RecordTooLargeException("too large for the topic"));
        assertEquals(Result.RESUME, response.result());
        assertEquals(1, response.deadLetterQueueRecords().size());
        JsonNode reduced = Json.MAPPER.readTree(response.deadLetterQueueRecords().get(0).value());
        assertEquals("MALFORMED_JSON", reduced.get("reason").asText());
        assertEquals(41, reduced.get("sourceOffset").asLong());
        assertNull(reduced.get("value"));
        assertNull(reduced.get("key"));
        assertTrue(reduced.get("valueTruncated").asBoolean());
        assertEquals(value.length, reduced.get("valueBytes").asInt());
        assertTrue(reduced.get("message").asText().contains("RecordTooLargeException"), reduced.toString());
    }

    @Test
    void underExactlyOnceFailsTheThreadAndAsksForItsReplacement() {
        OutputFailureHandler exactlyOnce = new OutputFailureHandler();
        exactlyOnce.configure(Map.of(OutputFailureHandler.DEAD_LETTER_TOPIC_CONFIG, DEAD_LETTERS, UnpublishedDeadLetters.CONFIG, unpublished,
                "processing.guarantee", "exactly_once_v2"));
        assertFalse(unpublished.takeExpectedThreadFailure());
        Response response = exactlyOnce.handleError(null, new ProducerRecord<>(DEAD_LETTERS, null, fullLetter()), new RecordTooLargeException("x"));
        assertEquals(Result.FAIL, response.result(), "the producer has doomed the transaction: no send of it can succeed");
        assertTrue(unpublished.takeExpectedThreadFailure(), "the application replaces the thread instead of stopping");
        assertFalse(unpublished.takeExpectedThreadFailure(), "once");
        assertTrue(unpublished.wasRefused(source));
    }

    @Test
    void isWrittenWithoutTheRecordWhenItsRecordIsProcessedAgain() throws Exception {
        DeadLetterWriter writer = new DeadLetterWriter(65_536, unpublished, new Activity());
        assertFalse(Json.MAPPER.readTree(writer.json(RejectReason.MALFORMED_JSON, "m", source, null, value)).path("value").isMissingNode());
        handler.handleError(null, new ProducerRecord<>(DEAD_LETTERS, null, fullLetter()), new RecordTooLargeException("x"));
        // under exactly-once the transaction aborts and the same record comes back: its letter now leaves the record out
        JsonNode again = Json.MAPPER.readTree(writer.json(RejectReason.MALFORMED_JSON, "m", source, null, value));
        assertNull(again.get("value"));
        assertEquals(value.length, again.get("valueBytes").asInt());
    }

    @Test
    void anyOtherOutputThatCannotBePublishedStopsTheApplication() {
        assertEquals(Result.FAIL, handler.handleError(null, new ProducerRecord<>("backstream.predictions", null, new byte[10]),
                new RecordTooLargeException("x")).result(), "a lost prediction would break exactly-once");
        assertEquals(Result.FAIL, handler.handleError(null, new ProducerRecord<>(DEAD_LETTERS, null, fullLetter()),
                new NotLeaderOrFollowerException("x")).result(), "retriable errors are Kafka's to retry, not a reason to drop");
    }

    @Test
    void aReducedLetterThatIsStillRefusedIsNotAboutSize() {
        byte[] reduced = DeadLetter.withoutRecord(DeadLetter.of(RejectReason.MALFORMED_JSON, "m", source, null, value, 100), "refused").toJson();
        assertEquals(Result.FAIL, handler.handleError(null, new ProducerRecord<>(DEAD_LETTERS, null, reduced),
                new RecordTooLargeException("x")).result());
    }
}
