package dev.backstream.message;

import dev.backstream.nn.InvalidSampleException;

/**
 * Stable codes for why a record was not learned from or scored, or why a control command was rejected. They appear in
 * dead letters, model events, HTTP refusals and the offline tools' reports; new codes may be added, existing ones never
 * change meaning.
 */
public enum RejectReason {
    /** The value is not a JSON object (syntax error, wrong top-level type, duplicate field). */
    MALFORMED_JSON,
    /** A required field ({@code model}, {@code features}, {@code label} or {@code target}) is absent. */
    MISSING_FIELD,
    /** A field has the wrong type or an impossible value (e.g. a string feature, both label and target). */
    INVALID_FIELD,
    /** The record is larger than the configured limit; it was not parsed. */
    RECORD_TOO_LARGE,
    /** The record names a model that is not declared. */
    UNKNOWN_MODEL,
    /** The number of features differs from the model's inputs. */
    WRONG_FEATURE_COUNT,
    /** The number of target values differs from the model's outputs. */
    WRONG_TARGET_COUNT,
    /** A feature or target is NaN or infinite (e.g. a number beyond the double range). */
    NON_FINITE_VALUE,
    /** A class label outside the model's classes. */
    LABEL_OUT_OF_RANGE,
    /** A target value outside what the model's loss accepts. */
    TARGET_OUT_OF_RANGE,
    /** A class label sent to a model that is not a classifier. */
    LABEL_NOT_SUPPORTED,
    /** The update would have made a parameter non-finite; it was not applied. */
    DIVERGED_UPDATE,
    /** A control command with an unknown {@code "command"}. */
    UNKNOWN_COMMAND,
    /** A {@code create} command for a model id that exists. */
    MODEL_EXISTS,
    /** A {@code create} command beyond {@code max.models}. */
    TOO_MANY_MODELS,
    /** A {@code create} command whose definition (or a {@code rollback}'s snapshot) is not a valid model. */
    INVALID_DEFINITION,
    /** A {@code rollback} to an inline snapshot of another architecture. */
    ARCHITECTURE_MISMATCH,
    /** A {@code rollback} to an update count of which no snapshot is retained. */
    SNAPSHOT_NOT_RETAINED,
    /** A {@code promote} command naming a challenger the model does not have. */
    UNKNOWN_CHALLENGER,
    /** An event's categorical value outside the vocabulary of a field whose spec says to reject it. */
    UNKNOWN_CATEGORY,
    /** An event (or a label record) for a model whose definition has no {@code "features"} spec. */
    NO_FEATURE_SPEC,
    /** A label record whose event id is not pending (never seen, or its marker is gone too). */
    UNKNOWN_EVENT_ID,
    /** A label record that arrived more than {@code labels.ttl.ms} after its event (or after its event was evicted). */
    LABEL_EXPIRED,
    /** A label record for an event that was already learned (a label arrives twice): learned once. */
    DUPLICATE_LABEL;

    /**
     * Whether the code can be the reason of a dead letter; the others are reasons of rejected control commands only
     * (model events), and have no dead-letter counters.
     */
    public boolean deadLetter() {
        return ordinal() <= DIVERGED_UPDATE.ordinal() || ordinal() >= UNKNOWN_CATEGORY.ordinal();
    }

    /** The code for a sample the numeric core rejected. */
    public static RejectReason of(InvalidSampleException.Problem problem) {
        return switch (problem) {
            case WRONG_FEATURE_COUNT -> WRONG_FEATURE_COUNT;
            case WRONG_TARGET_COUNT -> WRONG_TARGET_COUNT;
            case NON_FINITE_VALUE -> NON_FINITE_VALUE;
            case LABEL_OUT_OF_RANGE -> LABEL_OUT_OF_RANGE;
            case TARGET_OUT_OF_RANGE -> TARGET_OUT_OF_RANGE;
            case LABEL_NOT_SUPPORTED -> LABEL_NOT_SUPPORTED;
        };
    }
}
