package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;
import java.util.regex.Pattern;

/** A dot-separated path of field names into an event object ({@code "flight.origin"}), split once when the spec is read. */
final class EventPath {
    private static final Pattern DOT = Pattern.compile("\\.");

    private final String text;
    private final String[] names;

    private EventPath(String text, String[] names) {
        this.text = text;
        this.names = names;
    }

    /** @throws IllegalArgumentException for an empty path or an empty name ({@code "a..b"}, {@code ".a"}) */
    static EventPath of(String text) {
        String[] names = DOT.split(text, -1);
        for (String name : names) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("expected a dot-separated path of non-empty names, found \"" + text + "\"");
            }
        }
        return new EventPath(text, names);
    }

    String text() {
        return text;
    }

    /**
     * The value at this path, or null when the event lacks it or holds JSON {@code null} there.
     *
     * @throws FeatureException (INVALID_FIELD) when a step of the path is a value other than an object or null: the
     *                          event's shape contradicts the spec, which is not the same as a field left out
     */
    JsonNode find(JsonNode event) throws FeatureException {
        JsonNode node = event;
        for (int i = 0; i < names.length; i++) {
            if (node == null || node.isMissingNode() || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                String prefix = i == 0 ? "the event" : String.join(".", Arrays.copyOf(names, i));
                throw new FeatureException(FeatureException.Kind.INVALID_FIELD, text,
                        text + ": expected " + prefix + " to be an object, found " + SpecReader.describe(node));
            }
            node = node.get(names[i]);
        }
        return node == null || node.isMissingNode() || node.isNull() ? null : node;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventPath other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
