package dev.backstream.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.backstream.json.Json;
import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.ModelIds;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Utf8Json;
import dev.backstream.message.SourceRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Stateless first stage of the events and labels topics, like {@link SampleRouter}: size check, strict UTF-8 JSON
 * object, the model id (the record's {@code "model"}, else {@code events.model}) and, for a label record, its
 * {@code "id"} and {@code "label"}. What the spec makes of the event is decided in the task that owns the model.
 */
final class EventRouter implements Processor<byte[], byte[], byte[], Routed> {
    /** The project's mapper, refusing content after the object. */
    private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final RoutedEvent.Kind kind;
    private final int maxRecordBytes;
    private final String defaultModel;
    private final DeadLetterWriter deadLetters;
    private ProcessorContext<byte[], Routed> context;

    EventRouter(RoutedEvent.Kind kind, int maxRecordBytes, String defaultModel, DeadLetterWriter deadLetters) {
        this.kind = kind;
        this.maxRecordBytes = maxRecordBytes;
        this.defaultModel = defaultModel;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        SourceRecord source = SampleRouter.source(context, record.timestamp());
        byte[] value = record.value();
        try {
            SampleRouter.requireAtMost(value, maxRecordBytes, "record");
            RoutedEvent event = read(kind, value, defaultModel);
            byte[] modelKey = event.model().getBytes(StandardCharsets.UTF_8);
            boolean keyedByModel = Arrays.equals(record.key(), modelKey);
            RoutedSample routed = RoutedSample.event(event, record.key(), value, source);
            context.forward(record.withKey(modelKey).withValue(new Routed.Accepted(routed, keyedByModel)));
        } catch (InvalidMessageException e) {
            byte[] json = deadLetters.json(e.reason(), e.getMessage(), source, record.key(), value);
            context.forward(record.withValue(new Routed.Rejected(json)));
        }
    }

    /**
     * Reads an event or a label record: a UTF-8 JSON object (no duplicate fields) with a non-empty string
     * {@code "model"} unless {@code defaultModel} is set; a label record also needs {@code "id"} (a string or a number)
     * and a non-null {@code "label"}.
     *
     * @throws InvalidMessageException MALFORMED_JSON, MISSING_FIELD or INVALID_FIELD, naming the field
     */
    static RoutedEvent read(RoutedEvent.Kind kind, byte[] value, String defaultModel) {
        String what = kind == RoutedEvent.Kind.EVENT ? "event" : "label record";
        JsonNode json = parseObject(value, what);
        JsonNode model = json.get("model");
        String modelId;
        if (model == null || model.isNull()) {
            if (defaultModel == null) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, what + " has no \"model\" and events.model is not set;"
                        + " expected a model id");
            }
            modelId = defaultModel;
        } else if (!model.isTextual() || model.asText().isEmpty()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"model\" must be a non-empty string, found " + model);
        } else {
            modelId = model.asText();
        }
        ModelIds.check(modelId, "model");
        if (kind == RoutedEvent.Kind.LABEL) {
            JsonNode id = json.get("id");
            if (id == null || id.isNull()) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, "label record has no \"id\"; expected the id of its event");
            }
            if (!id.isTextual() && !id.isIntegralNumber()) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"id\" must be a string or an integer, found " + id);
            }
            // the id is part of a store key written as UTF-8: an unpaired surrogate would become '?' and name another event
            ModelIds.check(id.asText(), "id");
            JsonNode label = json.get("label");
            if (label == null || label.isNull()) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, "label record has no \"label\"; expected the event's label");
            }
        }
        return new RoutedEvent(modelId, kind, json);
    }

    /** A strict UTF-8 JSON object: no byte-order mark, no invalid sequence, no duplicate field. */
    static JsonNode parseObject(byte[] value, String what) {
        if (value == null) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "record has no value (null); expected a JSON " + what + " object");
        }
        Utf8Json.require(value, "events and labels");
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "not UTF-8: " + e.getMessage() + "; " + what + "s are UTF-8 JSON");
        }
        JsonNode json;
        try {
            json = READER.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "unreadable JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "expected a JSON " + what + " object, found "
                    + (json == null || json.isMissingNode() ? "nothing" : json.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return json;
    }
}
