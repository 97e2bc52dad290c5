package dev.backstream.message;

/**
 * The rule every model id in a record obeys: non-empty, and text that UTF-8 can carry. An id with an unpaired
 * surrogate (JSON allows {@code "\ud800"}) would become {@code '?'} in the UTF-8 key that routes it, and reach
 * another model's task, or fail to read back from the repartition topic for ever.
 */
public final class ModelIds {
    private ModelIds() {
    }

    /**
     * Checks {@code id}, naming {@code field} in the message.
     *
     * @throws InvalidMessageException MISSING_FIELD for null, INVALID_FIELD for an empty id or an unpaired surrogate
     */
    public static void check(String id, String field) {
        if (id == null) {
            throw new InvalidMessageException(RejectReason.MISSING_FIELD, "no \"" + field + "\"; expected a non-empty model id");
        }
        if (id.isEmpty()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is empty; expected a non-empty model id");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" has an unpaired surrogate (U+"
                        + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + ") at index " + i + "; expected text UTF-8 can carry");
            }
        }
    }
}
