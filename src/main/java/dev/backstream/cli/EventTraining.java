package dev.backstream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.EventLabel;
import dev.backstream.features.FeatureException;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.message.Prediction;
import dev.backstream.message.RejectReason;
import dev.backstream.nn.InvalidSampleException;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * {@code train} on raw events, with the stream's semantics: an event is encoded when it arrives, with the statistics
 * of the events learned before it; an event with its label is learned at once, one without is scored and kept by its
 * id until a label line joins it; a label line that comes before its event waits for it, and the event is then learned
 * when it comes, exactly as if it carried that label; learning an event is one SGD step on its kept features, then its
 * observed values update the preprocessing state. A second event with the id of a waiting one replaces it.
 *
 * <p>A line is a label line when its fields are {@code "id"} and {@code "label"} and at most {@code "model"}
 * ({@code {"id": "e-17", "label": 1}}); any other object is an event. Each pass starts with no event waiting.
 */
final class EventTraining {
    /** The fields a label line may have. */
    private static final Set<String> LABEL_FIELDS = Set.of("model", "id", "label");

    /** A line that cannot be used: its reason code and what is wrong; the line is skipped. */
    static final class BadLine extends Exception {
        final String reason;

        BadLine(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    /** An event waiting for its label: its features and observed values as encoded when it arrived, and its prediction then. */
    private record Waiting(EncodedEvent encoded, int predictedClass) {
    }

    /** What one line did, for the pass's statistics. */
    record Learned(Outcome outcome, EventLabel label, int predictedClass, boolean joined) {
    }

    private final String modelId;
    private final Mlp model;
    private final FeatureSpec spec;
    private final Preprocessing state;
    private final Map<String, Waiting> waiting = new HashMap<>();
    private final Set<String> joined = new HashSet<>();
    /** Labels whose event has not come yet, by event id. */
    private final Map<String, EventLabel> early = new HashMap<>();

    EventTraining(String modelId, Mlp model, FeatureSpec spec, Preprocessing state) {
        this.modelId = modelId;
        this.model = model;
        this.spec = spec;
        this.state = state;
    }

    /** Starts a pass over the file: no event waiting, no label seen. */
    void startPass() {
        waiting.clear();
        joined.clear();
        early.clear();
    }

    /** The events of this pass still waiting for their label. */
    int waiting() {
        return waiting.size();
    }

    /** The label lines of this pass still waiting for their event (in the stream: {@code UNKNOWN_EVENT_ID} after the TTL). */
    int labelsWaiting() {
        return early.size();
    }

    /**
     * Reads one line: learns an event with its label or a label joined to its event (the step's outcome), or keeps an
     * event without a label (null; its prediction goes to {@code predictions} if given).
     *
     * @param predictions receives the prediction made for each event line, or null
     */
    Learned line(String line, long lineNumber, java.util.function.Consumer<Prediction> predictions) throws BadLine {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadLine(RejectReason.MALFORMED_JSON.name(), "not valid JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw new BadLine(RejectReason.MALFORMED_JSON.name(), "expected a JSON object (an event or a label line)");
        }
        JsonNode model = json.get("model");
        if (model != null && !model.isNull() && !modelId.equals(model.asText())) {
            throw new BadLine(RejectReason.UNKNOWN_MODEL.name(), "line is for model '" + model.asText() + "', this run trains '" + modelId + "'");
        }
        try {
            return isLabelLine(json) ? label(json) : event(json, lineNumber, predictions);
        } catch (FeatureException e) {
            throw new BadLine(e.kind().name(), e.getMessage());
        }
    }

    private static boolean isLabelLine(JsonNode json) {
        if (!json.has("id") || !json.has("label")) {
            return false;
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            if (!LABEL_FIELDS.contains(names.next())) {
                return false;
            }
        }
        return true;
    }

    private Learned label(JsonNode json) throws BadLine, FeatureException {
        JsonNode idNode = json.get("id");
        if (!idNode.isTextual() && !idNode.isIntegralNumber()) {
            throw new BadLine(RejectReason.INVALID_FIELD.name(), "\"id\" must be a string or an integer, found " + idNode);
        }
        String id = idNode.isTextual() ? idNode.textValue() : idNode.toString();
        Waiting event = waiting.get(id);
        if (event == null) {
            if (joined.contains(id)) {
                throw new BadLine("DUPLICATE_LABEL", "event \"" + id + "\" was already learned with its label; a label is learned once");
            }
            if (early.containsKey(id)) {
                throw new BadLine("DUPLICATE_LABEL", "a label for event \"" + id + "\" already waits for it; a label is learned once");
            }
            early.put(id, spec.parseLabel(json.get("label"))); // waits for its event
            return null;
        }
        EventLabel label = spec.parseLabel(json.get("label"));
        Outcome outcome = learn(event.encoded(), label);
        waiting.remove(id);
        joined.add(id);
        return new Learned(outcome, label, event.predictedClass(), true);
    }

    private Learned event(JsonNode json, long lineNumber, java.util.function.Consumer<Prediction> predictions)
            throws BadLine, FeatureException {
        EncodedEvent encoded = spec.encode(json, state);
        EventLabel label = spec.label(json);
        String id = spec.id(json);
        EventLabel waitingLabel = id == null ? null : early.remove(id);
        boolean joinedNow = label == null && waitingLabel != null;
        if (joinedNow) {
            label = waitingLabel; // the label came first: learned now, as if the event carried it
        }
        if (label != null) {
            if (id != null) {
                joined.add(id);
            }
            Outcome outcome = learn(encoded, label);
            if (predictions != null) {
                predictions.accept(prediction(id, outcome, label, lineNumber));
            }
            return new Learned(outcome, label, outcome.predictedClass(), joinedNow);
        }
        if (id == null) {
            throw new BadLine(RejectReason.MISSING_FIELD.name(), "event has neither its label nor an id (at \"" + spec.idPath()
                    + "\") that a label line could name");
        }
        Outcome outcome = predict(encoded.features());
        waiting.put(id, new Waiting(encoded, outcome.predictedClass()));
        if (predictions != null) {
            predictions.accept(prediction(id, outcome, null, lineNumber));
        }
        return null;
    }

    /**
     * One SGD step on the event's features, then the preprocessing state learns its observed values; both or neither:
     * an update rejected as divergent leaves the whole model, its running statistics included, as it was (the stream
     * does the same).
     */
    private Outcome learn(EncodedEvent encoded, EventLabel label) throws BadLine {
        Outcome outcome;
        try {
            outcome = label.classIndex() != null ? model.learn(encoded.features(), label.classIndex())
                    : model.learn(encoded.features(), label.target());
        } catch (InvalidSampleException e) {
            throw new BadLine(RejectReason.of(e.problem()).name(), e.getMessage());
        }
        if (outcome.updateApplied()) {
            state.learn(encoded.observed());
        }
        return outcome;
    }

    private Outcome predict(double[] features) throws BadLine {
        try {
            return model.predict(features);
        } catch (InvalidSampleException e) {
            throw new BadLine(RejectReason.of(e.problem()).name(), e.getMessage());
        }
    }

    private Prediction prediction(String id, Outcome outcome, EventLabel label, long lineNumber) {
        int predicted = outcome.predictedClass();
        return new Prediction(modelId, outcome.modelVersion(), id, outcome.copyOutput(), predicted < 0 ? null : predicted,
                label == null ? null : label.classIndex(), label == null ? null : label.target(),
                outcome.learned() ? outcome.loss() : null, null, null, null, lineNumber, null);
    }
}
