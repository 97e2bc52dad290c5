package dev.backstream.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.drift.DriftSettings;
import dev.backstream.json.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's drift detection, from the {@code "drift"} object of its definition:
 * {@code {"detector": "adwin", "delta": 0.002, "monitor": "error", "action": "reset"}}. The detector (ADWIN, the
 * default, or Page-Hinkley, with River's parameter names) watches the model's prequential error (0 or 1 per labeled
 * prediction, the default for classifiers) or loss (the default for regression); on a detected rise (a fall is the
 * model learning, and is not reported) the application publishes a {@code drift_detected} model event and takes the
 * action: {@code none} (the default), {@code reset} (the model starts again from its definition) or
 * {@code challenger} (the best of the model's challengers takes its place if its windowed loss beats the model's by
 * the {@code "promotion"} margin, {@code {"margin": 0.05, "samples": 500}} by default).
 *
 * @param json      the object as declared, kept to store and show the definition as written
 * @param settings  the detector's validated settings
 * @param monitor   what the detector watches
 * @param action    what a detection does
 * @param promotion when the {@code challenger} action promotes a challenger (declared or default for any action)
 */
public record DriftSpec(String json, DriftSettings settings, Monitor monitor, Action action, Promotion promotion) {

    /** The value the detector takes per labeled prediction. */
    public enum Monitor { ERROR, LOSS }

    /** What a detection does besides its model event. */
    public enum Action { NONE, RESET, CHALLENGER }

    /**
     * The condition for the {@code challenger} action: a challenger is promoted if its windowed loss is below the
     * champion's by at least {@code margin} (relative: {@code challenger < champion × (1 − margin)}) and both windows
     * hold at least {@code samples} labeled predictions.
     *
     * @param margin  in [0, 1)
     * @param samples at least 1
     */
    public record Promotion(double margin, long samples) {
        public static final Promotion DEFAULT = new Promotion(0.05, 500);

        public Promotion {
            if (!(margin >= 0 && margin < 1)) {
                throw new IllegalArgumentException("drift.promotion.margin: expected a number in [0, 1), found " + margin);
            }
            if (samples < 1) {
                throw new IllegalArgumentException("drift.promotion.samples: expected an integer >= 1, found " + samples);
            }
        }

        /** Whether a challenger's window loss beats the champion's by the margin, both windows holding enough samples. */
        public boolean beats(double challengerLoss, long challengerSamples, double championLoss, long championSamples) {
            return challengerSamples >= samples && championSamples >= samples && challengerLoss < championLoss * (1 - margin);
        }
    }

    /**
     * Reads the {@code "drift"} object of a definition of a model that {@code classifies} (or not).
     *
     * @throws IllegalArgumentException naming the field, for anything invalid
     */
    public static DriftSpec parse(JsonNode node, boolean classifies) {
        if (!(node instanceof ObjectNode object)) {
            throw new IllegalArgumentException("drift: expected an object, found " + node);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        String detector = "adwin";
        Monitor monitor = classifies ? Monitor.ERROR : Monitor.LOSS;
        Action action = Action.NONE;
        Promotion promotion = Promotion.DEFAULT;
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "detector" -> detector = value.asText();
                case "monitor" -> monitor = enumValue(Monitor.class, "drift.monitor", value);
                case "action" -> action = enumValue(Action.class, "drift.action", value);
                case "promotion" -> promotion = promotion(value);
                default -> parameters.put(field.getKey(), value.isIntegralNumber() ? (Object) value.asLong()
                        : value.isNumber() ? (Object) value.asDouble() : value.isBoolean() ? (Object) value.asBoolean() : value.asText());
            }
        }
        if (monitor == Monitor.ERROR && !classifies) {
            throw new IllegalArgumentException("drift.monitor: \"error\" needs a classifier; this model is a regression, monitor \"loss\"");
        }
        DriftSettings settings;
        try {
            settings = DriftSettings.of(detector, parameters);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("drift: " + e.getMessage(), e);
        }
        try {
            return new DriftSpec(Json.MAPPER.writeValueAsString(object), settings, monitor, action, promotion);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("drift: " + e.getOriginalMessage(), e);
        }
    }

    private static Promotion promotion(JsonNode value) {
        if (!(value instanceof ObjectNode object)) {
            throw new IllegalArgumentException("drift.promotion: expected an object {\"margin\": 0.05, \"samples\": 500}, found " + value);
        }
        double margin = Promotion.DEFAULT.margin();
        long samples = Promotion.DEFAULT.samples();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            JsonNode number = field.getValue();
            switch (field.getKey()) {
                case "margin" -> {
                    if (!number.isNumber()) {
                        throw new IllegalArgumentException("drift.promotion.margin: expected a number in [0, 1), found " + number);
                    }
                    margin = number.asDouble();
                }
                case "samples" -> {
                    if (!number.isIntegralNumber() || !number.canConvertToLong()) {
                        throw new IllegalArgumentException("drift.promotion.samples: expected an integer >= 1, found " + number);
                    }
                    samples = number.asLong();
                }
                default -> throw new IllegalArgumentException("drift.promotion: \"" + field.getKey()
                        + "\" is not a field; expected \"margin\" and \"samples\"");
            }
        }
        return new Promotion(margin, samples);
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String field, JsonNode value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.asText())) {
                return constant;
            }
        }
        throw new IllegalArgumentException(field + ": \"" + value.asText() + "\" is not one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList());
    }
}
