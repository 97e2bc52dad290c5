package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;

import java.util.List;

/**
 * One entry of {@code "fields"}: where its value is, how it becomes columns and what a missing value becomes. The
 * columns of a present value are written by the field; missing values and the indicator column are handled once, by
 * {@link FeatureSpec#encode}.
 */
sealed interface Field permits NumericField, OneHotField, HashField, BooleanField, TimestampField {
    /** Keys every field may have. */
    List<String> COMMON_KEYS = List.of("path", "type", "missing", "indicator");

    EventPath path();

    Missing missing();

    boolean indicator();

    /** The columns of a value, without the indicator. */
    int valueColumns();

    /** A name per value column, in order. */
    List<String> valueColumnNames();

    /** Whether the field has running statistics in the {@link Preprocessing}. */
    default boolean stateful() {
        return false;
    }

    /**
     * Writes the columns of a present {@code value} at {@code out[offset..]}, which are 0 on entry.
     *
     * @param stats the field's running statistics, null for a field that is not {@linkplain #stateful() stateful}
     * @return the raw value the statistics learn from, {@code NaN} for a field that is not stateful
     */
    double encode(JsonNode value, double[] out, int offset, Welford stats) throws FeatureException;

    /** The JSON of the field, defaults written out, keys in a fixed order. */
    ObjectNode toJson();

    /** The common keys' JSON, in the order every field starts with. */
    static ObjectNode commonJson(Field field, String type) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("path", field.path().text());
        node.put("type", type);
        return node;
    }

    static void endJson(Field field, ObjectNode node) {
        node.put("missing", field.missing().json);
        node.put("indicator", field.indicator());
    }
}
