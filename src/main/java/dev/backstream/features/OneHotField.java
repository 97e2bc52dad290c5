package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static dev.backstream.features.FeatureException.Kind.UNKNOWN_CATEGORY;

/**
 * A categorical value one-hot over a declared vocabulary, plus one last "other" column for any value outside it, or,
 * with {@code "unknown": "reject"}, an {@code UNKNOWN_CATEGORY} error for such a value (the "other" column then stays
 * 0, but it is kept so that both policies give the same width).
 */
final class OneHotField implements Field {
    static final List<String> KEYS = List.of("path", "type", "encoding", "vocabulary", "unknown", "missing", "indicator");
    static final List<String> UNKNOWN = List.of("other", "reject");

    private final EventPath path;
    private final List<String> vocabulary;
    private final boolean rejectUnknown;
    private final Missing missing;
    private final boolean indicator;
    private final Map<String, Integer> columns;

    OneHotField(EventPath path, List<String> vocabulary, boolean rejectUnknown, Missing missing, boolean indicator) {
        this.path = Objects.requireNonNull(path, "path");
        this.vocabulary = List.copyOf(vocabulary);
        this.rejectUnknown = rejectUnknown;
        this.missing = Objects.requireNonNull(missing, "missing");
        this.indicator = indicator;
        if (this.vocabulary.isEmpty()) {
            throw new IllegalArgumentException("vocabulary: expected at least one value");
        }
        if (missing == Missing.MEAN) {
            throw new IllegalArgumentException("\"mean\" applies to numeric fields only");
        }
        this.columns = new HashMap<>();
        for (int i = 0; i < this.vocabulary.size(); i++) {
            if (columns.put(this.vocabulary.get(i), i) != null) {
                throw new IllegalArgumentException("vocabulary: duplicate \"" + this.vocabulary.get(i) + "\"");
            }
        }
    }

    @Override
    public EventPath path() {
        return path;
    }

    @Override
    public Missing missing() {
        return missing;
    }

    @Override
    public boolean indicator() {
        return indicator;
    }

    @Override
    public int valueColumns() {
        return vocabulary.size() + 1;
    }

    @Override
    public List<String> valueColumnNames() {
        List<String> names = new ArrayList<>(valueColumns());
        for (String value : vocabulary) {
            names.add(path.text() + "=" + value);
        }
        names.add(path.text() + "=(other)");
        return names;
    }

    @Override
    public double encode(JsonNode value, double[] out, int offset, Welford stats) throws FeatureException {
        String text = FieldValues.scalarText(value, path.text());
        Integer column = columns.get(text);
        if (column == null) {
            if (rejectUnknown) {
                throw new FeatureException(UNKNOWN_CATEGORY, path.text(), path.text() + ": \"" + text
                        + "\" is not in the vocabulary (" + vocabulary.size() + " values) and the spec rejects unknown values");
            }
            column = vocabulary.size();
        }
        out[offset + column] = 1.0;
        return Double.NaN;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Field.commonJson(this, "categorical");
        node.put("encoding", "one_hot");
        ArrayNode values = node.putArray("vocabulary");
        vocabulary.forEach(values::add);
        node.put("unknown", rejectUnknown ? "reject" : "other");
        Field.endJson(this, node);
        return node;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OneHotField other && path.equals(other.path) && vocabulary.equals(other.vocabulary)
                && rejectUnknown == other.rejectUnknown && missing == other.missing && indicator == other.indicator;
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, vocabulary, rejectUnknown, missing, indicator);
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
