package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest metrics of each model this instance's tasks own, as last published to the metrics topic: written by the
 * stream threads, read by the HTTP layer (the Prometheus endpoint). Thread-safe; values are immutable records. A model
 * whose task moved away is removed when its task closes.
 */
public final class PublishedMetrics {
    private final Map<String, ModelMetrics> latest = new ConcurrentHashMap<>();

    /** Records {@code metrics} as the latest of its model. */
    public void published(ModelMetrics metrics) {
        latest.put(metrics.model(), metrics);
    }

    /** Forgets {@code model} (its task moved to another instance). */
    public void removed(String model) {
        latest.remove(model);
    }

    /** The latest metrics of every model owned here, in no particular order. */
    public Collection<ModelMetrics> all() {
        return List.copyOf(latest.values());
    }
}
