package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 *   <li>A path is a dot-separated list of field names into the event object ({@code "flight.origin"}). A field is
 *       missing when a name along its path is absent or the value is JSON {@code null}; a step that is neither an
 *       object nor null is {@code INVALID_FIELD}. Two fields may not share a path, and the label's path is none of
 *       the fields' (a model must not see its label).</li>
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
 *           seed 0) of the value's UTF-8 bytes, read as unsigned, modulo {@code buckets} (1 to 2²⁴). A value is a
 *           string as it is, or a number's or a boolean's JSON text: an integer as its digits, any other number as
 *           {@code Double.toString} of its value ({@code 7.50} → {@code "7.5"}).</li>
 *       <li>{@code boolean}: 1 column, 1 for {@code true}, 0 for {@code false}.</li>
 *       <li>{@code timestamp}: 2 columns per part in {@code "parts"} ({@code hour_of_day}, {@code day_of_week}):
 *           {@code sin} and {@code cos} of {@code 2π · part / period} (periods 24 hours and 7 days; hours include the
 *           minutes as a fraction; days count from Monday = 0 to Sunday = 6, ISO-8601's order), both read in
 *           {@code "zone"} (default UTC) and computed with {@code StrictMath}; the value is epoch milliseconds (an
 *           integer) or ISO-8601 text ({@code 2001-01-05T06:30:00Z} is that instant; {@code 2001-01-05T06:30:00},
 *           {@code 2001-01-05 06:30} and {@code 2001-01-05 06:30:00} are read in {@code "zone"}).</li>
 *       <li>A value of the wrong JSON type or a non-finite number is {@code INVALID_FIELD}, naming the expected type.
 *           A field with running statistics accepts numbers within ±1e100, so that its statistics stay finite.</li>
 *     </ul></li>
 *   <li>{@code "missing"} (an absent field or JSON {@code null}): {@code "reject"} (default: {@code MISSING_FIELD}),
 *       {@code "zero"} (every column of the field 0), or {@code "mean"} (numeric only: the running mean of the values
 *       learned so far, 0 before the first; standardized, that is 0). {@code "indicator": true} needs {@code "zero"}
 *       or {@code "mean"}.</li>
 *   <li>{@code "label"} (required): {@code "type": "class"} maps a value (read as text, like a categorical value)
 *       through {@code "classes"} (at least two) to its index, a value outside them being {@code UNKNOWN_CATEGORY};
 *       {@code "number"}
 *       is a regression target (one output); {@code "threshold"} gives class 1 when the number is greater than
 *       {@code "above"}, else 0. An event whose label field is absent or null has no label (it is scored and waits for
 *       a label record).</li>
 *   <li>Encoding never changes a {@link Preprocessing}; learning an event does ({@link Preprocessing#learn}), so a
 *       model scores an event with the statistics of the events it learned before it.</li>
 * </ul>
 */
public final class FeatureSpec {
    private static final List<String> KEYS = List.of("id", "fields", "label");
    private static final List<String> TYPES = List.of("numeric", "categorical", "boolean", "timestamp");
    private static final List<String> CATEGORICAL_ENCODINGS = List.of("one_hot", "hash");
    private static final List<String> MISSING_NOT_NUMERIC = List.of("reject", "zero");

    private final EventPath id;
    private final List<Field> fields;
    private final LabelSpec label;
    private final int width;
    /** The first column of each field. */
    private final int[] offsets;
    /** Each field's index among the stateful fields, −1 for a field without running statistics. */
    private final int[] stateIndex;
    /** The paths of the stateful fields, in spec order: the identity of a {@link Preprocessing}'s entries. */
    private final List<String> statefulPaths;

    FeatureSpec(EventPath id, List<Field> fields, LabelSpec label) {
        this.id = Objects.requireNonNull(id, "id");
        this.fields = List.copyOf(fields);
        this.label = Objects.requireNonNull(label, "label");
        this.offsets = new int[this.fields.size()];
        this.stateIndex = new int[this.fields.size()];
        List<String> stateful = new ArrayList<>();
        long columns = 0;
        for (int i = 0; i < this.fields.size(); i++) {
            Field field = this.fields.get(i);
            offsets[i] = (int) columns;
            columns += field.valueColumns() + (field.indicator() ? 1 : 0);
            if (columns > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the fields make more than " + (Integer.MAX_VALUE - 8) + " columns");
            }
            stateIndex[i] = field.stateful() ? stateful.size() : -1;
            if (field.stateful()) {
                stateful.add(field.path().text());
            }
        }
        this.width = (int) columns;
        this.statefulPaths = List.copyOf(stateful);
    }

    /**
     * Reads and validates a spec.
     *
     * @param node   the {@code "features"} object
     * @param source where it came from (a file name), the start of every error message
     * @throws IllegalArgumentException naming {@code source} and the JSON path of the first error, e.g.
     *                                  {@code "models/flights.json: features.fields[2].buckets: expected an integer >= 1, found 0"};
     *                                  an unknown key is an error too, listing the keys allowed there
     */
    public static FeatureSpec parse(JsonNode node, String source) {
        SpecReader reader = new SpecReader(source);
        String at = "features";
        reader.object(node, at);
        reader.onlyKeys(node, at, KEYS);
        EventPath id = path(reader, node, at, "id", "id");
        JsonNode fieldsNode = node.path("fields");
        if (!fieldsNode.isArray() || fieldsNode.isEmpty()) {
            throw reader.expected(at + ".fields", "a non-empty array of fields", fieldsNode);
        }
        List<Field> fields = new ArrayList<>(fieldsNode.size());
        Map<EventPath, String> seen = new HashMap<>();
        for (int i = 0; i < fieldsNode.size(); i++) {
            String fieldAt = at + ".fields[" + i + "]";
            Field field = field(reader, fieldsNode.get(i), fieldAt);
            String earlier = seen.putIfAbsent(field.path(), fieldAt);
            if (earlier != null) {
                // one field per path keeps column names and the preprocessing entries unambiguous
                throw reader.error(fieldAt + ".path", "\"" + field.path() + "\" is already the path of " + earlier);
            }
            fields.add(field);
        }
        LabelSpec label = label(reader, node.get("label"), at + ".label");
        String labelTwin = seen.get(label.path());
        if (labelTwin != null) {
            throw reader.error(at + ".label.path", "\"" + label.path() + "\" is also the path of " + labelTwin
                    + ": a model must not see its label among its inputs");
        }
        try {
            return new FeatureSpec(id, fields, label);
        } catch (IllegalArgumentException e) {
            throw reader.error(at + ".fields", e.getMessage());
        }
    }

    private static EventPath path(SpecReader reader, JsonNode object, String at, String key, String orElse) {
        String text = reader.text(object, at, key, orElse);
        try {
            return EventPath.of(text);
        } catch (IllegalArgumentException e) {
            throw reader.error(at + "." + key, e.getMessage());
        }
    }

    private static Field field(SpecReader reader, JsonNode node, String at) {
        reader.object(node, at);
        String type = reader.choice(node, at, "type", TYPES, null);
        switch (type) {
            case "numeric" -> {
                reader.onlyKeys(node, at, NumericField.KEYS);
                EventPath path = path(reader, node, at, "path", null);
                boolean standardize = reader.choice(node, at, "encoding", NumericField.ENCODINGS, "raw").equals("standardize");
                Missing missing = Missing.of(reader.choice(node, at, "missing", Missing.NAMES, "reject"));
                return new NumericField(path, standardize, missing, indicator(reader, node, at, missing));
            }
            case "categorical" -> {
                String encoding = reader.choice(node, at, "encoding", CATEGORICAL_ENCODINGS, null);
                if (encoding.equals("hash")) {
                    reader.onlyKeys(node, at, HashField.KEYS);
                    EventPath path = path(reader, node, at, "path", null);
                    int buckets = reader.integer(node, at, "buckets", 1, HashField.MAX_BUCKETS);
                    Missing missing = Missing.of(reader.choice(node, at, "missing", MISSING_NOT_NUMERIC, "reject"));
                    return new HashField(path, buckets, missing, indicator(reader, node, at, missing));
                }
                reader.onlyKeys(node, at, OneHotField.KEYS);
                EventPath path = path(reader, node, at, "path", null);
                List<String> vocabulary = reader.distinctTexts(node, at, "vocabulary", 1, null);
                boolean reject = reader.choice(node, at, "unknown", OneHotField.UNKNOWN, "other").equals("reject");
                Missing missing = Missing.of(reader.choice(node, at, "missing", MISSING_NOT_NUMERIC, "reject"));
                return new OneHotField(path, vocabulary, reject, missing, indicator(reader, node, at, missing));
            }
            case "boolean" -> {
                reader.onlyKeys(node, at, BooleanField.KEYS);
                EventPath path = path(reader, node, at, "path", null);
                Missing missing = Missing.of(reader.choice(node, at, "missing", MISSING_NOT_NUMERIC, "reject"));
                return new BooleanField(path, missing, indicator(reader, node, at, missing));
            }
            default -> {
                reader.onlyKeys(node, at, TimestampField.KEYS);
                EventPath path = path(reader, node, at, "path", null);
                List<TimestampField.Part> parts = reader.distinctTexts(node, at, "parts", 1, TimestampField.Part.NAMES)
                        .stream().map(TimestampField.Part::of).toList();
                String zoneId = reader.text(node, at, "zone", "UTC");
                ZoneId zone;
                try {
                    zone = ZoneId.of(zoneId);
                } catch (DateTimeException e) {
                    throw reader.expected(at + ".zone", "a time-zone id such as UTC, Europe/Paris or +01:00", node.get("zone"));
                }
                Missing missing = Missing.of(reader.choice(node, at, "missing", MISSING_NOT_NUMERIC, "reject"));
                return new TimestampField(path, parts, zone, missing, indicator(reader, node, at, missing));
            }
        }
    }

    private static boolean indicator(SpecReader reader, JsonNode node, String at, Missing missing) {
        boolean indicator = reader.bool(node, at, "indicator", false);
        if (indicator && missing == Missing.REJECT) {
            throw reader.error(at + ".indicator", "true needs \"missing\": \"zero\" or \"mean\" (with \"reject\" a missing field"
                    + " is an error, so the indicator would always be 0)");
        }
        return indicator;
    }

    private static LabelSpec label(SpecReader reader, JsonNode node, String at) {
        reader.object(node, at);
        String type = reader.choice(node, at, "type", LabelSpec.TYPES, null);
        switch (type) {
            case "class" -> {
                reader.onlyKeys(node, at, LabelSpec.ClassLabel.KEYS);
                EventPath path = path(reader, node, at, "path", null);
                return new LabelSpec.ClassLabel(path, reader.distinctTexts(node, at, "classes", 2, null));
            }
            case "number" -> {
                reader.onlyKeys(node, at, LabelSpec.NumberLabel.KEYS);
                return new LabelSpec.NumberLabel(path(reader, node, at, "path", null));
            }
            default -> {
                reader.onlyKeys(node, at, LabelSpec.ThresholdLabel.KEYS);
                EventPath path = path(reader, node, at, "path", null);
                return new LabelSpec.ThresholdLabel(path, reader.finiteNumber(node, at, "above"));
            }
        }
    }

    /** The canonical JSON of this spec, defaults written out: {@code parse(toJson(), s)} equals this spec. */
    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", id.text());
        ArrayNode array = node.putArray("fields");
        fields.forEach(field -> array.add(field.toJson()));
        node.set("label", label.toJson());
        return node;
    }

    /** The number of columns of the input vector: the model's {@code inputs}. */
    public int width() {
        return width;
    }

    /**
     * A name per column, in column order: {@code distance} (numeric, boolean), {@code origin#17} (hash bucket 17),
     * {@code carrier=AA} and {@code carrier=(other)} (one-hot), {@code date.hour_of_day.sin} and
     * {@code date.hour_of_day.cos} (timestamp parts), and {@code distance.missing} for a missing indicator.
     */
    public List<String> columnNames() {
        List<String> names = new ArrayList<>(width);
        for (Field field : fields) {
            names.addAll(field.valueColumnNames());
            if (field.indicator()) {
                names.add(field.path().text() + ".missing");
            }
        }
        return names;
    }

    /** The path of the event id. */
    public String idPath() {
        return id.text();
    }

    /** The path of the label field. */
    public String labelPath() {
        return label.path().text();
    }

    /**
     * The number of classes the label names: the length of {@code "classes"} for a class label, 2 for a threshold
     * (0 and 1), and 0 for a number (a regression target with one output).
     */
    public int labelClassCount() {
        if (label instanceof LabelSpec.ClassLabel classes) {
            return classes.classes().size();
        }
        return label instanceof LabelSpec.ThresholdLabel ? 2 : 0;
    }

    /** A fresh preprocessing state for this spec: nothing learned yet. */
    public Preprocessing newState() {
        return new Preprocessing(statefulPaths);
    }

    /** The paths of the fields with running statistics, in spec order: the entries of a {@link Preprocessing}. */
    List<String> statefulPaths() {
        return statefulPaths;
    }

    /**
     * Encodes {@code event} with the statistics in {@code state}, which it does not change.
     *
     * @throws FeatureException         for a missing field without a missing-value policy, a value of the wrong type, or a
     *                                  category the spec rejects
     * @throws IllegalArgumentException for a state made for another spec
     */
    public EncodedEvent encode(JsonNode event, Preprocessing state) throws FeatureException {
        Objects.requireNonNull(event, "event");
        state.requireFits(this);
        double[] features = new double[width];
        double[] observed = new double[statefulPaths.size()];
        for (int i = 0; i < fields.size(); i++) {
            Field field = fields.get(i);
            int offset = offsets[i];
            int s = stateIndex[i];
            Welford stats = s >= 0 ? state.stats(s) : null;
            JsonNode value = field.path().find(event);
            if (value != null) {
                double raw = field.encode(value, features, offset, stats);
                if (s >= 0) {
                    observed[s] = raw;
                }
                continue;
            }
            switch (field.missing()) {
                case REJECT -> throw new FeatureException(FeatureException.Kind.MISSING_FIELD, field.path().text(),
                        field.path().text() + ": missing, and the spec has no missing-value policy for it");
                case ZERO -> { } // the columns are 0 already
                case MEAN -> ((NumericField) field).encodeMean(features, offset, stats);
            }
            if (field.indicator()) {
                features[offset + field.valueColumns()] = 1.0;
            }
            if (s >= 0) {
                observed[s] = Double.NaN;
            }
        }
        return new EncodedEvent(features, observed);
    }

    /** The event's id as text (a number's JSON text), or null if the event has none (or it is an object or array). */
    public String id(JsonNode event) {
        try {
            JsonNode value = id.find(event);
            return value == null || value.isContainerNode() ? null : FieldValues.scalarText(value, id.text());
        } catch (FeatureException e) {
            return null;
        }
    }

    /**
     * The label of {@code event} (its label field), or null when that field is absent or null.
     *
     * @throws FeatureException for a label of the wrong type or an unknown class
     */
    public EventLabel label(JsonNode event) throws FeatureException {
        JsonNode value = label.path().find(event);
        return value == null ? null : label.read(value);
    }

    /**
     * A label value as a label record carries it ({@code "label"}), read by the same rule as the label field.
     *
     * @throws FeatureException for a null, a value of the wrong type or an unknown class
     */
    public EventLabel parseLabel(JsonNode value) throws FeatureException {
        if (value == null || value.isMissingNode() || value.isNull()) {
            throw new FeatureException(FeatureException.Kind.MISSING_FIELD, label.path().text(),
                    "label: missing (the label of " + label.path().text() + ")");
        }
        return label.read(value);
    }

    /** Specs are equal when their canonical JSON is: same id path, fields and label, defaults included. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureSpec other && id.equals(other.id) && fields.equals(other.fields) && label.equals(other.label);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, fields, label);
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
