package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the JSON of a spec and reports its first fault as {@code "<source>: <json path>: expected ..., found ..."}, so
 * that a start-up error points at the file and the exact key to fix.
 */
final class SpecReader {
    private final String source;

    SpecReader(String source) {
        this.source = source;
    }

    IllegalArgumentException error(String at, String message) {
        return new IllegalArgumentException(source + ": " + at + ": " + message);
    }

    IllegalArgumentException expected(String at, String expected, JsonNode found) {
        return error(at, "expected " + expected + ", found " + describe(found));
    }

    /** A node's JSON text, or "nothing" for an absent key. */
    static String describe(JsonNode found) {
        if (found == null || found.isMissingNode()) {
            return "nothing";
        }
        String text = found.toString();
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    static String at(String parent, String key) {
        return parent + "." + key;
    }

    JsonNode object(JsonNode node, String at) {
        if (node == null || !node.isObject()) {
            throw expected(at, "an object", node);
        }
        return node;
    }

    /** Rejects every key outside {@code allowed}: a misspelt optional key would otherwise be silently ignored. */
    void onlyKeys(JsonNode object, String at, List<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw error(at(at, name), "unknown key; allowed: " + String.join(", ", allowed));
            }
        }
    }

    /** A required text, or {@code orElse} when the key is absent (null: required). */
    String text(JsonNode object, String at, String key, String orElse) {
        JsonNode value = object.path(key);
        if (value.isMissingNode() && orElse != null) {
            return orElse;
        }
        if (!value.isTextual() || value.textValue().isEmpty()) {
            throw expected(at(at, key), "a non-empty text", value);
        }
        return value.textValue();
    }

    /** One of {@code options}, or {@code orElse} when the key is absent (null: required). */
    String choice(JsonNode object, String at, String key, List<String> options, String orElse) {
        JsonNode value = object.path(key);
        if (value.isMissingNode() && orElse != null) {
            return orElse;
        }
        if (!value.isTextual() || !options.contains(value.textValue())) {
            throw expected(at(at, key), "one of " + String.join(", ", options), value);
        }
        return value.textValue();
    }

    boolean bool(JsonNode object, String at, String key, boolean orElse) {
        JsonNode value = object.path(key);
        if (value.isMissingNode()) {
            return orElse;
        }
        if (!value.isBoolean()) {
            throw expected(at(at, key), "true or false", value);
        }
        return value.booleanValue();
    }

    int integer(JsonNode object, String at, String key, int min, int max) {
        JsonNode value = object.path(key);
        if (!value.isIntegralNumber() || value.bigIntegerValue().compareTo(BigInteger.valueOf(min)) < 0) {
            throw expected(at(at, key), "an integer >= " + min, value);
        }
        if (value.bigIntegerValue().compareTo(BigInteger.valueOf(max)) > 0) {
            throw expected(at(at, key), "an integer <= " + max, value);
        }
        return value.intValue();
    }

    double finiteNumber(JsonNode object, String at, String key) {
        JsonNode value = object.path(key);
        if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
            throw expected(at(at, key), "a finite number", value);
        }
        return value.doubleValue();
    }

    /**
     * A required array of distinct texts, at least {@code minSize} of them, each one of {@code options} unless that is
     * null.
     */
    List<String> distinctTexts(JsonNode object, String at, String key, int minSize, List<String> options) {
        JsonNode value = object.path(key);
        if (!value.isArray() || value.size() < minSize) {
            throw expected(at(at, key), options == null
                    ? "an array of at least " + minSize + " distinct non-empty texts"
                    : "an array of at least " + minSize + " of " + String.join(", ", options) + ", without repeats", value);
        }
        List<String> texts = new ArrayList<>(value.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemAt = at(at, key) + "[" + i + "]";
            boolean fits = item.isTextual() && (options == null ? !item.textValue().isEmpty() : options.contains(item.textValue()));
            if (!fits) {
                throw expected(itemAt, options == null ? "a non-empty text" : "one of " + String.join(", ", options), item);
            }
            if (!seen.add(item.textValue())) {
                throw error(itemAt, "duplicate " + item);
            }
            texts.add(item.textValue());
        }
        return List.copyOf(texts);
    }
}
