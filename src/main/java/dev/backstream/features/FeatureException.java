package dev.backstream.features;

/**
 * An event that the spec cannot encode, with a stable reason code (the dead letter's {@code reason}) and the JSON path
 * of the field at fault.
 */
public final class FeatureException extends Exception {
    /** Stable reason codes; each has a {@code RejectReason} of the same name. */
    public enum Kind {
        /** A field the spec requires (no missing-value policy, or the label of a label record) is absent or null. */
        MISSING_FIELD,
        /** A field has the wrong type (e.g. a string where the spec declares a number), or a non-finite number. */
        INVALID_FIELD,
        /** A categorical value outside the declared vocabulary, where the spec says to reject it. */
        UNKNOWN_CATEGORY
    }

    private final Kind kind;
    private final String path;

    public FeatureException(Kind kind, String path, String message) {
        super(message);
        this.kind = kind;
        this.path = path;
    }

    public Kind kind() {
        return kind;
    }

    /** The JSON path of the field at fault, as written in the spec (e.g. {@code "origin"} or {@code "flight.distance"}). */
    public String path() {
        return path;
    }
}
