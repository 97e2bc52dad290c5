package dev.backstream.snapshot;

import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.nn.Mlp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A model with its id, as exchanged in the {@code backstream.mlp/v1} and {@code backstream.mlp/v2} JSON formats, plus
 * any extra top-level fields (metrics, source offsets, a seed) that the format allows.
 *
 * <p>A model with a feature spec is written as {@code backstream.mlp/v2}: the spec and its preprocessing state say how
 * a raw event becomes the model's input, so the snapshot alone scores a raw event. Without a spec it is
 * {@code backstream.mlp/v1}.
 *
 * @param modelId       the model's id
 * @param model         the model; the snapshot shares it, it is not copied
 * @param extras        extra top-level fields in document order, as plain Java values (maps, lists, strings, numbers)
 * @param features      how raw events become the model's inputs, or null (a {@code v1} snapshot); its width is the
 *                      model's inputs
 * @param preprocessing the spec's running statistics, shared, not copied; null without a spec, and a fresh state
 *                      ({@link FeatureSpec#newState()}) when a spec is given without one
 */
public record Snapshot(String modelId, Mlp model, Map<String, Object> extras, FeatureSpec features, Preprocessing preprocessing) {
    public Snapshot {
        if (modelId == null || modelId.isEmpty()) {
            throw new IllegalArgumentException("a snapshot needs a non-empty modelId");
        }
        Objects.requireNonNull(model, "model");
        extras = extras == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extras));
        for (String field : extras.keySet()) {
            if (SnapshotJson.RESERVED_FIELDS.contains(field)) {
                throw new IllegalArgumentException("extra field '" + field + "' would overwrite a field of the format");
            }
        }
        if (features == null) {
            if (preprocessing != null) {
                throw new IllegalArgumentException("a snapshot with a preprocessing state needs the feature spec it belongs to");
            }
        } else {
            if (features.width() != model.architecture().inputs()) {
                throw new IllegalArgumentException("the feature spec makes " + features.width() + " columns; expected the model's "
                        + model.architecture().inputs() + " inputs");
            }
            if (preprocessing == null) {
                preprocessing = features.newState();
            }
        }
    }

    /** A snapshot without a feature spec ({@code backstream.mlp/v1}). */
    public Snapshot(String modelId, Mlp model, Map<String, Object> extras) {
        this(modelId, model, extras, null, null);
    }

    /** A snapshot without a feature spec or extras. */
    public Snapshot(String modelId, Mlp model) {
        this(modelId, model, Map.of());
    }

    /** The format this snapshot is written in: {@link SnapshotJson#FORMAT_V2} with a feature spec, else {@link SnapshotJson#FORMAT}. */
    public String format() {
        return features == null ? SnapshotJson.FORMAT : SnapshotJson.FORMAT_V2;
    }
}
