package dev.backstream.snapshot;

import dev.backstream.nn.Mlp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A model with its id, as exchanged in the {@code backstream.mlp/v1} JSON format, plus any extra top-level fields
 * (metrics, source offsets, a seed) that the format allows.
 *
 * @param modelId the model's id
 * @param model   the model; the snapshot shares it, it is not copied
 * @param extras  extra top-level fields in document order, as plain Java values (maps, lists, strings, numbers)
 */
public record Snapshot(String modelId, Mlp model, Map<String, Object> extras) {
    public Snapshot {
        if (modelId == null || modelId.isEmpty()) {
            throw new IllegalArgumentException("a snapshot needs a non-empty modelId");
        }
        Objects.requireNonNull(model, "model");
        extras = extras == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extras));
        for (String field : extras.keySet()) {
            if (SnapshotJson.REQUIRED_FIELDS.contains(field)) {
                throw new IllegalArgumentException("extra field '" + field + "' would overwrite a field of the format");
            }
        }
    }

    public Snapshot(String modelId, Mlp model) {
        this(modelId, model, Map.of());
    }
}
