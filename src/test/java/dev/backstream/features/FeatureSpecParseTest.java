package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.backstream.features.Specs.json;
import static dev.backstream.features.Specs.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reading a spec: the canonical form, and an error message naming the file and the JSON path for every fault. */
class FeatureSpecParseTest {
    private static final String SOURCE = "models/flights.json";

    /** Every field type once: numeric [0], one-hot [1], hash [2], boolean [3], timestamp [4]. */
    private static final String VALID = """
            {"fields": [
               {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
               {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"]},
               {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 64},
               {"path": "weekend", "type": "boolean", "missing": "zero"},
               {"path": "date", "type": "timestamp", "parts": ["hour_of_day", "day_of_week"]}],
             "label": {"path": "delay", "type": "threshold", "above": 15}}""";

    @Test
    void writesTheCanonicalJsonWithEveryDefault() {
        FeatureSpec spec = FeatureSpec.parse(json(VALID), SOURCE);
        assertEquals(json("""
                {"id": "id",
                 "fields": [
                   {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
                   {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"], "unknown": "other",
                    "missing": "reject", "indicator": false},
                   {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 64, "missing": "reject", "indicator": false},
                   {"path": "weekend", "type": "boolean", "missing": "zero", "indicator": false},
                   {"path": "date", "type": "timestamp", "parts": ["hour_of_day", "day_of_week"], "zone": "UTC",
                    "missing": "reject", "indicator": false}],
                 "label": {"path": "delay", "type": "threshold", "above": 15.0}}"""), spec.toJson());
    }

    @Test
    void readsItsCanonicalJsonBackAsAnEqualSpec() {
        FeatureSpec spec = FeatureSpec.parse(json(VALID), SOURCE);
        FeatureSpec again = FeatureSpec.parse(spec.toJson(), "snapshot");
        assertEquals(spec, again);
        assertEquals(spec.hashCode(), again.hashCode());
        assertEquals(spec.toJson(), again.toJson());
        FeatureSpec classes = Specs.spec("""
                {"id": "meta.id", "fields": [{"path": "x", "type": "numeric"},
                   {"path": "t", "type": "timestamp", "parts": ["day_of_week"], "zone": "Europe/Paris", "missing": "zero", "indicator": true}],
                 "label": {"path": "status", "type": "class", "classes": ["on_time", "late"]}}""");
        assertEquals(classes, FeatureSpec.parse(classes.toJson(), "snapshot"));
    }

    @Test
    void isNotEqualToASpecThatDiffersInOneSetting() {
        FeatureSpec spec = FeatureSpec.parse(json(VALID), SOURCE);
        ObjectNode changed = object(VALID);
        ((ObjectNode) changed.get("fields").get(2)).put("buckets", 65);
        assertNotEquals(spec, FeatureSpec.parse(changed, SOURCE));
        ObjectNode relabeled = object(VALID);
        ((ObjectNode) relabeled.get("label")).put("above", 16);
        assertNotEquals(spec, FeatureSpec.parse(relabeled, SOURCE));
    }

    private static ObjectNode field(ObjectNode spec, int index) {
        return (ObjectNode) spec.get("fields").get(index);
    }

    private static ObjectNode label(ObjectNode spec) {
        return (ObjectNode) spec.get("label");
    }

    /** The label turned into a class label without its classes. */
    private static ObjectNode classLabel(ObjectNode spec) {
        ObjectNode label = label(spec);
        label.remove("above");
        return label.put("type", "class");
    }

    private static Arguments fault(String message, Consumer<ObjectNode> breakIt) {
        return Arguments.of(message, breakIt);
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                // the features object
                fault("features.ids: unknown key; allowed: id, fields, label", s -> s.put("ids", "x")),
                fault("features.id: expected a non-empty text, found 5", s -> s.put("id", 5)),
                fault("features.id: expected a dot-separated path of non-empty names, found \"meta..id\"", s -> s.put("id", "meta..id")),
                fault("features.fields: expected a non-empty array of fields, found nothing", s -> s.remove("fields")),
                fault("features.fields: expected a non-empty array of fields, found []", s -> s.putArray("fields")),
                fault("features.fields[1]: expected an object, found 3", s -> ((ArrayNode) s.get("fields")).set(1, 3)),
                // any field
                fault("features.fields[0].type: expected one of numeric, categorical, boolean, timestamp, found nothing",
                        s -> field(s, 0).remove("type")),
                fault("features.fields[0].type: expected one of numeric, categorical, boolean, timestamp, found \"number\"",
                        s -> field(s, 0).put("type", "number")),
                fault("features.fields[0].path: expected a non-empty text, found nothing", s -> field(s, 0).remove("path")),
                fault("features.fields[0].path: expected a non-empty text, found \"\"", s -> field(s, 0).put("path", "")),
                fault("features.fields[0].path: expected a dot-separated path of non-empty names, found \"flight.\"",
                        s -> field(s, 0).put("path", "flight.")),
                fault("features.fields[3].path: \"distance\" is already the path of features.fields[0]", s -> field(s, 3).put("path", "distance")),
                fault("features.fields[0].missing: expected one of reject, zero, mean, found \"drop\"", s -> field(s, 0).put("missing", "drop")),
                fault("features.fields[0].indicator: expected true or false, found \"yes\"", s -> field(s, 0).put("indicator", "yes")),
                fault("features.fields[0].indicator: true needs \"missing\": \"zero\" or \"mean\" (with \"reject\" a missing field is an "
                        + "error, so the indicator would always be 0)", s -> field(s, 0).put("missing", "reject")),
                // numeric
                fault("features.fields[0].encoding: expected one of raw, standardize, found \"scale\"", s -> field(s, 0).put("encoding", "scale")),
                fault("features.fields[0].buckets: unknown key; allowed: path, type, encoding, missing, indicator",
                        s -> field(s, 0).put("buckets", 4)),
                // one-hot
                fault("features.fields[1].encoding: expected one of one_hot, hash, found nothing", s -> field(s, 1).remove("encoding")),
                fault("features.fields[1].vocabulary: expected an array of at least 1 distinct non-empty texts, found nothing",
                        s -> field(s, 1).remove("vocabulary")),
                fault("features.fields[1].vocabulary: expected an array of at least 1 distinct non-empty texts, found []",
                        s -> field(s, 1).putArray("vocabulary")),
                fault("features.fields[1].vocabulary[1]: expected a non-empty text, found 3", s -> field(s, 1).putArray("vocabulary").add("AA").add(3)),
                fault("features.fields[1].vocabulary[1]: duplicate \"AA\"", s -> field(s, 1).putArray("vocabulary").add("AA").add("AA")),
                fault("features.fields[1].unknown: expected one of other, reject, found \"drop\"", s -> field(s, 1).put("unknown", "drop")),
                fault("features.fields[1].missing: expected one of reject, zero, found \"mean\"", s -> field(s, 1).put("missing", "mean")),
                fault("features.fields[1].buckets: unknown key; allowed: path, type, encoding, vocabulary, unknown, missing, indicator",
                        s -> field(s, 1).put("buckets", 4)),
                // hash
                fault("features.fields[2].buckets: expected an integer >= 1, found 0", s -> field(s, 2).put("buckets", 0)),
                fault("features.fields[2].buckets: expected an integer >= 1, found nothing", s -> field(s, 2).remove("buckets")),
                fault("features.fields[2].buckets: expected an integer >= 1, found 2.5", s -> field(s, 2).put("buckets", 2.5)),
                fault("features.fields[2].buckets: expected an integer <= 16777216, found 16777217", s -> field(s, 2).put("buckets", 16777217)),
                fault("features.fields[2].buckets: expected an integer <= 16777216, found 100000000000000000000",
                        s -> field(s, 2).put("buckets", new java.math.BigInteger("100000000000000000000"))),
                fault("features.fields[2].vocabulary: unknown key; allowed: path, type, encoding, buckets, missing, indicator",
                        s -> field(s, 2).putArray("vocabulary").add("AA")),
                // boolean
                fault("features.fields[3].encoding: unknown key; allowed: path, type, missing, indicator", s -> field(s, 3).put("encoding", "raw")),
                fault("features.fields[3].missing: expected one of reject, zero, found \"mean\"", s -> field(s, 3).put("missing", "mean")),
                // timestamp
                fault("features.fields[4].parts: expected an array of at least 1 of hour_of_day, day_of_week, without repeats, found nothing",
                        s -> field(s, 4).remove("parts")),
                fault("features.fields[4].parts[0]: expected one of hour_of_day, day_of_week, found \"minute\"",
                        s -> field(s, 4).putArray("parts").add("minute")),
                fault("features.fields[4].parts[1]: duplicate \"day_of_week\"", s -> field(s, 4).putArray("parts").add("day_of_week").add("day_of_week")),
                fault("features.fields[4].zone: expected a time-zone id such as UTC, Europe/Paris or +01:00, found \"Mars/Olympus\"",
                        s -> field(s, 4).put("zone", "Mars/Olympus")),
                fault("features.fields[4].zone: expected a non-empty text, found 1", s -> field(s, 4).put("zone", 1)),
                fault("features.fields[4].encoding: unknown key; allowed: path, type, parts, zone, missing, indicator",
                        s -> field(s, 4).put("encoding", "cyclic")),
                // the label
                fault("features.label: expected an object, found nothing", s -> s.remove("label")),
                fault("features.label.type: expected one of class, number, threshold, found \"binary\"", s -> label(s).put("type", "binary")),
                fault("features.label.path: expected a non-empty text, found nothing", s -> label(s).remove("path")),
                fault("features.label.path: \"distance\" is also the path of features.fields[0]: a model must not see its label among its inputs",
                        s -> label(s).put("path", "distance")),
                fault("features.label.classes: unknown key; allowed: path, type, above", s -> label(s).putArray("classes").add("a").add("b")),
                fault("features.label.above: expected a finite number, found nothing", s -> label(s).remove("above")),
                fault("features.label.above: expected a finite number, found \"15\"", s -> label(s).put("above", "15")),
                fault("features.label.above: unknown key; allowed: path, type", s -> label(s).put("type", "number")),
                fault("features.label.classes: expected an array of at least 2 distinct non-empty texts, found [\"late\"]",
                        s -> classLabel(s).putArray("classes").add("late")),
                fault("features.label.classes[1]: duplicate \"late\"",
                        s -> classLabel(s).putArray("classes").add("late").add("late")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void namesTheSourceAndTheJsonPathOfEachFault(String message, Consumer<ObjectNode> breakIt) {
        ObjectNode spec = object(VALID);
        FeatureSpec.parse(spec, SOURCE); // valid before it is broken
        breakIt.accept(spec);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureSpec.parse(spec, SOURCE));
        assertEquals(SOURCE + ": " + message, e.getMessage());
    }

    @Test
    void rejectsAFeaturesValueThatIsNotAnObject() {
        JsonNode notAnObject = json("[]");
        assertEquals(SOURCE + ": features: expected an object, found []",
                assertThrows(IllegalArgumentException.class, () -> FeatureSpec.parse(notAnObject, SOURCE)).getMessage());
    }
}
