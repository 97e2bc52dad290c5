package dev.backstream.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.backstream.json.Json;
import org.apache.kafka.common.errors.SerializationException;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What happened to a model, published to the model-events topic in the {@value #FORMAT} format, keyed by model id:
 * the outcome of each control command (applied or rejected, with a stable reason code) and what the application did
 * by itself (a drift detection, a promotion its drift action decided).
 *
 * @param format        always {@value #FORMAT}
 * @param commandId     the command's {@code id}, or null (no id, or not a command's outcome)
 * @param model         the model, or null for a command too malformed to name one
 * @param event         what happened: {@code created}, {@code updated}, {@code reset}, {@code rolled_back},
 *                      {@code paused}, {@code resumed}, {@code deleted}, {@code rejected}, {@code drift_detected},
 *                      {@code promoted} (a challenger became the champion: by a {@code promote} command, or by the
 *                      {@code challenger} drift action, then with {@code "cause": "drift"} in the details)
 * @param command       the command's name ({@code create}, ...), or null if not a command's outcome or unreadable
 * @param versionBefore the model version (updates applied) before the event, or null if there was no model
 * @param versionAfter  the model version after it, or null if there is no model afterwards
 * @param reason        for {@code rejected}: the stable code ({@link RejectReason}); else null
 * @param message       a human-readable account (the rejection's cause), or null
 * @param details       event-specific values (a drift detection's statistic), or null
 * @param sourceTopic   topic of the record that caused the event (the command, or the sample), or null
 * @param sourcePartition its partition, or -1
 * @param sourceOffset  its offset, or -1
 * @param timestamp     that record's timestamp
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "commandId", "model", "event", "command", "versionBefore", "versionAfter", "reason", "message", "details",
        "sourceTopic", "sourcePartition", "sourceOffset", "timestamp"})
public record ModelEvent(String format, String commandId, String model, String event, String command, Long versionBefore,
                         Long versionAfter, String reason, String message, Map<String, Object> details, String sourceTopic,
                         int sourcePartition, long sourceOffset, long timestamp) {
    public static final String FORMAT = "backstream.model-event/v1";
    public static final String CREATED = "created";
    public static final String UPDATED = "updated";
    public static final String RESET = "reset";
    public static final String ROLLED_BACK = "rolled_back";
    public static final String PAUSED = "paused";
    public static final String RESUMED = "resumed";
    public static final String DELETED = "deleted";
    public static final String REJECTED = "rejected";
    public static final String DRIFT_DETECTED = "drift_detected";
    public static final String PROMOTED = "promoted";
    private static final Set<String> EVENTS = Set.of(CREATED, UPDATED, RESET, ROLLED_BACK, PAUSED, RESUMED, DELETED, REJECTED, DRIFT_DETECTED,
            PROMOTED);

    public ModelEvent {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("format: expected " + FORMAT + ", found " + format);
        }
        if (!EVENTS.contains(event)) {
            throw new IllegalArgumentException("event: expected one of " + new java.util.TreeSet<>(EVENTS) + ", found " + event);
        }
        if (REJECTED.equals(event) != (reason != null)) {
            throw new IllegalArgumentException("a rejected event has a reason, and only a rejected event");
        }
        details = details == null ? null : new TreeMap<>(details);
    }

    /** The outcome of {@code command}, applied, taking the model from {@code before} to {@code after} (null: no model). */
    public static ModelEvent applied(ModelCommand command, String event, Long before, Long after, SourceRecord source) {
        return applied(command, event, before, after, null, source);
    }

    /** As {@link #applied(ModelCommand, String, Long, Long, SourceRecord)}, with event-specific {@code details} (or null). */
    public static ModelEvent applied(ModelCommand command, String event, Long before, Long after, Map<String, Object> details,
                                     SourceRecord source) {
        Objects.requireNonNull(source, "source");
        return new ModelEvent(FORMAT, command.id(), command.model(), event, command.name(), before, after, null, null, details,
                source.topic(), source.partition(), source.offset(), source.timestamp());
    }

    /**
     * A challenger of {@code model} promoted by the application itself (the {@code challenger} drift action) while the
     * model learned the sample at {@code source}; {@code before} and {@code after} are the old and new champion's versions.
     */
    public static ModelEvent promoted(String model, long before, long after, String message, Map<String, Object> details,
                                      SourceRecord source) {
        return new ModelEvent(FORMAT, null, model, PROMOTED, null, before, after, null, message, details,
                source.topic(), source.partition(), source.offset(), source.timestamp());
    }

    /**
     * A command rejected with {@code reason}; {@code command} is null when the record could not be read as one, and
     * then {@code model} and {@code commandId} are whatever could be read (or null).
     */
    public static ModelEvent rejected(ModelCommand command, String commandId, String model, RejectReason reason, String message,
                                      Long version, SourceRecord source) {
        return new ModelEvent(FORMAT, command != null ? command.id() : commandId, command != null ? command.model() : model, REJECTED,
                command != null ? command.name() : null, version, version, reason.name(), message, null,
                source.topic(), source.partition(), source.offset(), source.timestamp());
    }

    /**
     * A drift detection on model {@code model} while it learned the sample at {@code source}, with what the detector
     * saw ({@code details}) and the version before and after the configured action.
     */
    public static ModelEvent driftDetected(String model, long before, long after, String message, Map<String, Object> details,
                                           SourceRecord source) {
        return new ModelEvent(FORMAT, null, model, DRIFT_DETECTED, null, before, after, null, message, details,
                source.topic(), source.partition(), source.offset(), source.timestamp());
    }

    /** The JSON value published to the model-events topic: the one writer of model events. */
    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write a model event of model " + model, e);
        }
    }
}
