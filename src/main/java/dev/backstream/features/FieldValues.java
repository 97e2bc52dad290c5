package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;

import static dev.backstream.features.FeatureException.Kind.INVALID_FIELD;

/** How event values are read, one rule per expected type, shared by features and labels. */
final class FieldValues {
    private FieldValues() {
    }

    /** A JSON number that is finite (a tree built in code may hold NaN or an infinity; the JSON parser never does). */
    static double number(JsonNode value, String path) throws FeatureException {
        if (!value.isNumber()) {
            throw invalid(path, "a number", value);
        }
        double x = value.doubleValue();
        if (!Double.isFinite(x)) {
            throw invalid(path, "a finite number", value);
        }
        return x;
    }

    /**
     * A scalar's text: a string as it is, a boolean as {@code true}/{@code false}, an integer as its decimal digits and
     * any other number as Java's {@code Double.toString} of its value ({@code 7.50} → {@code "7.5"}, {@code 1e3} →
     * {@code "1000.0"}), so the text does not depend on how the producer spelled the number.
     */
    static String scalarText(JsonNode value, String path) throws FeatureException {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? "true" : "false";
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isNumber()) {
            return Double.toString(number(value, path));
        }
        throw invalid(path, "a string, a number or a boolean", value);
    }

    static FeatureException invalid(String path, String expected, JsonNode found) {
        return new FeatureException(INVALID_FIELD, path, path + ": expected " + expected + ", found " + SpecReader.describe(found));
    }
}
