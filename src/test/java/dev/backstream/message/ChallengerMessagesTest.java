package dev.backstream.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("Messages about challengers")
class ChallengerMessagesTest {
    private static ModelCommand parse(String json) {
        return ModelCommand.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPromoteCommandRoundTripsThroughItsOneWriter() {
        ModelCommand.Promote promote = new ModelCommand.Promote("c-1", "fraud", "wide");
        assertEquals(promote, ModelCommand.parse(promote.toJson()));
        assertEquals(promote, parse("{\"command\": \"promote\", \"model\": \"fraud\", \"id\": \"c-1\", \"challenger\": \"wide\"}"));
        assertEquals("promote", promote.name());
    }

    @Test
    void aPromoteCommandNeedsAChallengerAndNothingElse() {
        InvalidMessageException missing = assertThrows(InvalidMessageException.class, () -> parse("{\"command\": \"promote\", \"model\": \"m\"}"));
        assertEquals(RejectReason.MISSING_FIELD, missing.reason());
        InvalidMessageException extra = assertThrows(InvalidMessageException.class,
                () -> parse("{\"command\": \"promote\", \"model\": \"m\", \"challenger\": \"w\", \"seed\": 1}"));
        assertEquals(RejectReason.INVALID_FIELD, extra.reason());
        assertEquals(RejectReason.INVALID_FIELD, assertThrows(InvalidMessageException.class,
                () -> parse("{\"command\": \"promote\", \"model\": \"m\", \"challenger\": 3}")).reason());
    }

    @Test
    void unknownChallengerIsACommandCodeNotADeadLetterReason() {
        assertFalse(RejectReason.UNKNOWN_CHALLENGER.deadLetter());
    }

    @Test
    void aChallengersPredictionEndsWithItsRoleAndChampionAModelsOwnHasNeither() throws Exception {
        Prediction own = new Prediction("m", 4, "s", new double[] {0.5}, 1, 1, null, 0.69, "t", 0, 7L, null, 1000L);
        Prediction challenger = own.asChallenger("m:wide", "m");
        JsonNode json = Json.MAPPER.readTree(challenger.toJson());
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("model", "modelVersion", "id", "output", "predictedClass", "label", "loss", "sourceTopic",
                "sourcePartition", "sourceOffset", "timestamp", "role", "champion"), names);
        assertEquals("m:wide", json.get("model").asText());
        assertEquals("challenger", json.get("role").asText());
        assertEquals("m", json.get("champion").asText());
        assertFalse(Json.MAPPER.readTree(own.toJson()).has("role"));
        assertThrows(IllegalArgumentException.class, () -> new Prediction("m", 0, null, new double[] {0}, null, null, null, null, null,
                null, null, null, null, "challenger", null));
    }

    @Test
    void aPromotedEventCarriesItsDetails() throws Exception {
        ModelEvent event = ModelEvent.promoted("m", 10, 12, "drift", Map.of("challenger", "wide", "cause", "drift"),
                new SourceRecord("t", 0, 3, 4));
        assertEquals(event, Json.MAPPER.readValue(event.toJson(), ModelEvent.class));
        assertEquals("promoted", Json.MAPPER.readTree(event.toJson()).get("event").asText());
    }
}
