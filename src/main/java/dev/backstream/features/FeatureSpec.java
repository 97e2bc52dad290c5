package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * How a model turns a raw event into its input vector and its label: the {@code "features"} object of a model
 * definition. An immutable value, safe to share between threads; the mutable part (running means and variances) is a
 * {@link Preprocessing} that belongs to the model.
 *
 * <pre>{@code
 * "features": {
 *   "id": "id",
 *   "fields": [
 *     {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
 *     {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 64},
 *     {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"], "unknown": "other"},
 *     {"path": "weekend", "type": "boolean", "missing": "zero"},
 *     {"path": "date", "type": "timestamp", "parts": ["hour_of_day", "day_of_week"]}
 *   ],
 *   "label": {"path": "delay", "type": "threshold", "above": 15}
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A path is a dot-separated list of field names into the event object ({@code "flight.origin"}).</li>
 *   <li>{@code "id"} (default {@code "id"}) is the path of the event id that delayed labels name.</li>
 *   <li>Field types and widths (columns in spec order; a field with {@code "indicator": true} adds one last column,
 *       1 when the field was missing and 0 otherwise):
 *     <ul>
 *       <li>{@code numeric}: 1 column; {@code "encoding"} {@code "raw"} (default) or {@code "standardize"}:
 *           {@code (x − μ) / σ} with Welford's running mean {@code μ} and population standard deviation {@code σ} of
 *           the values learned so far, 0 while {@code σ = 0} (fewer than two distinct values).</li>
 *       <li>{@code categorical}: {@code "one_hot"} over {@code "vocabulary"} plus one "other" column (|vocabulary| + 1
 *           columns; {@code "unknown": "reject"} makes a value outside the vocabulary an {@code UNKNOWN_CATEGORY}
 *           error instead), or {@code "hash"} into {@code "buckets"} columns: the column is MurmurHash3 (x86, 32 bit,
 *           seed 0) of the value's UTF-8 bytes, read as unsigned, modulo {@code buckets}. A number's value is its JSON
 *           text.</li>
 *       <li>{@code boolean}: 1 column, 1 for {@code true}, 0 for {@code false}.</li>
 *       <li>{@code timestamp}: 2 columns per part in {@code "parts"} ({@code hour_of_day}, {@code day_of_week}):
 *           {@code sin} and {@code cos} of {@code 2π · part / period} (periods 24 hours and 7 days; hours include the
 *           minutes as a fraction); the value is epoch milliseconds (a number) or ISO-8601 text
 *           ({@code 2001-01-05T06:30:00Z}, or {@code 2001-01-05 06:30} read in {@code "zone"}, default UTC).</li>
 *     </ul></li>
 *   <li>{@code "missing"} (an absent field or JSON {@code null}): {@code "reject"} (default: {@code MISSING_FIELD}),
 *       {@code "zero"} (every column of the field 0), or {@code "mean"} (numeric only: the running mean of the values
 *       learned so far, 0 before the first).</li>
 *   <li>{@code "label"}: {@code "type": "class"} maps a value through {@code "classes"} to its index; {@code "number"}
 *       is a regression target (one output); {@code "threshold"} gives class 1 when the number is greater than
 *       {@code "above"}, else 0. An event whose label field is absent or null has no label (it is scored and waits for
 *       a label record).</li>
 *   <li>Encoding never changes a {@link Preprocessing}; learning an event does ({@link Preprocessing#learn}), so a
 *       model scores an event with the statistics of the events it learned before it.</li>
 * </ul>
 */
public final class FeatureSpec {

    /**
     * Reads and validates a spec.
     *
     * @param node   the {@code "features"} object
     * @param source where it came from (a file name), the start of every error message
     * @throws IllegalArgumentException naming {@code source} and the JSON path of the first error, e.g.
     *                                  {@code "models/flights.json: features.fields[2].buckets: expected an integer >= 1, found 0"}
     */
    public static FeatureSpec parse(JsonNode node, String source) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The canonical JSON of this spec, defaults written out: {@code parse(toJson(), s)} equals this spec. */
    public ObjectNode toJson() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The number of columns of the input vector: the model's {@code inputs}. */
    public int width() {
        throw new UnsupportedOperationException("not yet");
    }

    /** A name per column, e.g. {@code distance}, {@code origin#17}, {@code carrier=AA}, {@code date.hour_of_day.sin}. */
    public List<String> columnNames() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The path of the event id. */
    public String idPath() {
        throw new UnsupportedOperationException("not yet");
    }

    /** A fresh preprocessing state for this spec: nothing learned yet. */
    public Preprocessing newState() {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Encodes {@code event} with the statistics in {@code state}, which it does not change.
     *
     * @throws FeatureException for a missing field without a missing-value policy, a value of the wrong type, or a
     *                          category the spec rejects
     */
    public EncodedEvent encode(JsonNode event, Preprocessing state) throws FeatureException {
        throw new UnsupportedOperationException("not yet");
    }

    /** The event's id as text (a number's JSON text), or null if the event has none. */
    public String id(JsonNode event) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * The label of {@code event} (its label field), or null when that field is absent or null.
     *
     * @throws FeatureException for a label of the wrong type or an unknown class
     */
    public EventLabel label(JsonNode event) throws FeatureException {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * A label value as a label record carries it ({@code "label"}), read by the same rule as the label field.
     *
     * @throws FeatureException for a null, a value of the wrong type or an unknown class
     */
    public EventLabel parseLabel(JsonNode value) throws FeatureException {
        throw new UnsupportedOperationException("not yet");
    }
}
