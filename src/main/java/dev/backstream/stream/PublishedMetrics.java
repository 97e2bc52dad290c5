package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest metrics of each model this instance's tasks own, as last published to the metrics topic: written by the
 * stream threads, read by the HTTP layer (the Prometheus endpoint). Thread-safe; values are immutable records. A model
 * whose task moved away is removed when its task closes.
 */
public final class PublishedMetrics {
    /** How many of each model's latest metrics {@link #history} keeps: 5 minutes at one record a second. */
    public static final int HISTORY = 300;
    public static final int HISTORY_BUDGET = 100_000;

    private final int budget;

    public PublishedMetrics() {
        this(HISTORY_BUDGET);
    }

    PublishedMetrics(int budget) {
        this.budget = budget;
    }

    private final Map<String, ModelMetrics> latest = new ConcurrentHashMap<>();
    private final Map<String, Deque<ModelMetrics>> history = new ConcurrentHashMap<>();

    /** Records {@code metrics} as the latest of its model. */
    public void published(ModelMetrics metrics) {
        latest.put(metrics.model(), metrics);
        Deque<ModelMetrics> recent = history.computeIfAbsent(metrics.model(), model -> new ArrayDeque<>(HISTORY));
        synchronized (recent) {
            if (recent.size() == HISTORY) {
                recent.removeFirst();
            }
            recent.addLast(metrics);
        }
    }

    /** Forgets {@code model} (its task moved to another instance). */
    public void removed(String model) {
        latest.remove(model);
        history.remove(model);
    }

    /** The latest metrics of {@code model}, if it is owned here and published any. */
    public Optional<ModelMetrics> latest(String model) {
        return Optional.ofNullable(latest.get(model));
    }

    /**
     * The last {@value #HISTORY} metrics published here for {@code model}, oldest first: the recent history a chart
     * starts from. Empty for a model not owned here; it starts afresh when a model's task moves.
     */
    public List<ModelMetrics> history(String model) {
        Deque<ModelMetrics> recent = history.get(model);
        if (recent == null) {
            return List.of();
        }
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The latest metrics of every model owned here, in no particular order. */
    public Collection<ModelMetrics> all() {
        return List.copyOf(latest.values());
    }
}
