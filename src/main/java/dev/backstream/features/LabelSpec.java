package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static dev.backstream.features.FeatureException.Kind.UNKNOWN_CATEGORY;

/** The {@code "label"} of a spec: where the label is and how its value becomes a class index or a target. */
sealed interface LabelSpec {
    List<String> TYPES = List.of("class", "number", "threshold");

    EventPath path();

    /** The label of a present (non-null) value. */
    EventLabel read(JsonNode value) throws FeatureException;

    ObjectNode toJson();

    private static ObjectNode json(LabelSpec label, String type) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("path", label.path().text());
        node.put("type", type);
        return node;
    }

    /**
     * A named class, mapped to its index in {@code classes}. The value is a scalar's text (a number's or a boolean's
     * JSON text, see {@link FieldValues#scalarText}); a value outside the list is {@code UNKNOWN_CATEGORY}: a model
     * has no output for it.
     */
    final class ClassLabel implements LabelSpec {
        static final List<String> KEYS = List.of("path", "type", "classes");

        private final EventPath path;
        private final List<String> classes;
        private final Map<String, Integer> index = new HashMap<>();

        ClassLabel(EventPath path, List<String> classes) {
            this.path = Objects.requireNonNull(path, "path");
            this.classes = List.copyOf(classes);
            if (this.classes.size() < 2) {
                throw new IllegalArgumentException("classes: expected at least two, found " + classes);
            }
            for (int i = 0; i < this.classes.size(); i++) {
                if (index.put(this.classes.get(i), i) != null) {
                    throw new IllegalArgumentException("classes: duplicate \"" + this.classes.get(i) + "\"");
                }
            }
        }

        List<String> classes() {
            return classes;
        }

        @Override
        public EventPath path() {
            return path;
        }

        @Override
        public EventLabel read(JsonNode value) throws FeatureException {
            String text = FieldValues.scalarText(value, path.text());
            Integer classIndex = index.get(text);
            if (classIndex == null) {
                throw new FeatureException(UNKNOWN_CATEGORY, path.text(), path.text() + ": \"" + text
                        + "\" is not one of the classes " + classes);
            }
            return new EventLabel(classIndex, null);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode node = json(this, "class");
            ArrayNode names = node.putArray("classes");
            classes.forEach(names::add);
            return node;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ClassLabel other && path.equals(other.path) && classes.equals(other.classes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(path, classes);
        }
    }

    /** A regression target: the number itself, one output. */
    record NumberLabel(EventPath path) implements LabelSpec {
        static final List<String> KEYS = List.of("path", "type");

        public NumberLabel {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public EventLabel read(JsonNode value) throws FeatureException {
            return new EventLabel(null, new double[] {FieldValues.number(value, path.text())});
        }

        @Override
        public ObjectNode toJson() {
            return json(this, "number");
        }
    }

    /** Two classes from a number: 1 when it is greater than {@code above}, else 0. */
    record ThresholdLabel(EventPath path, double above) implements LabelSpec {
        static final List<String> KEYS = List.of("path", "type", "above");

        public ThresholdLabel {
            Objects.requireNonNull(path, "path");
            if (!Double.isFinite(above)) {
                throw new IllegalArgumentException("above: expected a finite number, found " + above);
            }
        }

        @Override
        public EventLabel read(JsonNode value) throws FeatureException {
            return new EventLabel(FieldValues.number(value, path.text()) > above ? 1 : 0, null);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode node = json(this, "threshold");
            node.put("above", above);
            return node;
        }
    }
}
