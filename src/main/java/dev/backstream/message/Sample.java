package dev.backstream.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.InvalidSampleException;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sample: {@code {"model": "xor", "features": [0, 1], "label": 1}} or
 * {@code {"model": "ridership", "features": [...], "target": [13.2]}}, with an optional {@code "id"} echoed in
 * predictions. A score request is a sample with neither label nor target.
 *
 * @param model    the model id; non-empty
 * @param features the input vector (defensively copied)
 * @param label    a class index, or null
 * @param target   one value per output unit, or null; never both label and target
 * @param id       the caller's id for the sample, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sample(String model, double[] features, Integer label, double[] target, String id) {

    public Sample {
        if (model == null) {
            throw new InvalidMessageException(RejectReason.MISSING_FIELD, "sample has no \"model\"; expected a non-empty model id");
        }
        if (model.isEmpty()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"model\" is empty; expected a non-empty model id");
        }
        ModelIds.check(model, "model");
        if (features == null) {
            throw new InvalidMessageException(RejectReason.MISSING_FIELD, "sample has no \"features\"; expected an array of numbers");
        }
        if (label != null && target != null) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "sample has both \"label\" and \"target\"; expected one of them");
        }
        features = features.clone();
        target = target == null ? null : target.clone();
    }

    /** Whether the sample carries a label or a target (and can be learned from). */
    @JsonIgnore
    public boolean isLabeled() {
        return label != null || target != null;
    }

    @Override
    public double[] features() {
        return features.clone();
    }

    @Override
    public double[] target() {
        return target == null ? null : target.clone();
    }

    /**
     * The class a labeled sample of a classifier belongs to: its label, or for a target the arg-max (a softmax
     * output) or {@code target ≥ 0.5} (a single sigmoid unit).
     *
     * @throws IllegalStateException for an unlabeled sample
     */
    public int trueClass() {
        if (label != null) {
            return label;
        }
        if (target == null) {
            throw new IllegalStateException("an unlabeled sample has no class");
        }
        if (target.length == 1) {
            return target[0] >= 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int i = 1; i < target.length; i++) {
            if (target[i] > target[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Target value {@code i}, read without copying the array (for the hot path); the sample must have a target. */
    public double target(int i) {
        return target[i];
    }

    /**
     * Checks this sample against a model's shape without touching any model: feature count and values, and the label
     * or target if present.
     *
     * @throws InvalidMessageException with the core's reason and evidence
     */
    public void validateFor(Architecture architecture) {
        try {
            architecture.validateFeatures(features);
            if (label != null) {
                architecture.validateLabel(label);
            } else if (target != null) {
                architecture.validateTarget(target);
            }
        } catch (InvalidSampleException e) {
            throw new InvalidMessageException(RejectReason.of(e.problem()), e.getMessage(), e);
        }
    }

    /**
     * Applies one learning step of {@code model} to this sample: the shared path of the stream processor and the
     * offline {@code train} command.
     *
     * @throws InvalidMessageException with {@link RejectReason#MISSING_FIELD} if the sample has no label or target,
     *                                 or the core's reason if the model rejects the sample
     */
    public Outcome learnOn(Mlp model) {
        try {
            if (label != null) {
                return model.learn(features, label);
            }
            if (target != null) {
                return model.learn(features, target);
            }
        } catch (InvalidSampleException e) {
            throw new InvalidMessageException(RejectReason.of(e.problem()), e.getMessage(), e);
        }
        throw new InvalidMessageException(RejectReason.MISSING_FIELD, "sample has neither \"label\" nor \"target\"; a labeled sample needs one");
    }

    /** Scores this sample with {@code model}, which does not change. */
    public Outcome scoreOn(Mlp model) {
        try {
            return model.predict(features);
        } catch (InvalidSampleException e) {
            throw new InvalidMessageException(RejectReason.of(e.problem()), e.getMessage(), e);
        }
    }

    /**
     * This sample as UTF-8 JSON, the form the samples and score-requests topics carry: {@code model},
     * {@code features}, then {@code label} or {@code target}, then {@code id}, absent ones omitted. Strings are escaped
     * per RFC 8259 (any model id or id is safe); numbers are written in the shortest form that reads back to the same
     * double, so {@code new SampleParser().parse(sample.toJson())} equals this sample. The one writer of sample JSON:
     * the CLI, the JIT warm-up and the tests all use it.
     *
     * @throws IllegalArgumentException if a feature or target value is NaN or infinite: JSON has no such number, and
     *                                  writing {@code null} instead would only produce a record the application rejects
     */
    public byte[] toJson() {
        requireFinite("features", features);
        if (target != null) {
            requireFinite("target", target);
        }
        JsonWriter json = new JsonWriter();
        json.field("model", model).field("features", features);
        if (label != null) {
            json.field("label", label.longValue());
        }
        if (target != null) {
            json.field("target", target);
        }
        if (id != null) {
            json.field("id", id);
        }
        return json.end();
    }

    private static void requireFinite(String field, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(field + "[" + i + "] = " + values[i] + "; JSON samples carry finite numbers only");
            }
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Sample s && model.equals(s.model) && Arrays.equals(features, s.features)
                && Objects.equals(label, s.label) && Arrays.equals(target, s.target) && Objects.equals(id, s.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, Arrays.hashCode(features), label, Arrays.hashCode(target), id);
    }

    @Override
    public String toString() {
        return "Sample[model=" + model + ", features=" + features.length + " values, label=" + label + ", target="
                + Arrays.toString(target) + ", id=" + id + "]";
    }
}
