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
 * The latest metrics of each model this instance's tasks own, as last published to the metrics topic, and a short
 * history of them for the dashboard's charts: written by the stream threads, read by the HTTP layer (the models API,
 * the dashboard, the Prometheus endpoint). Thread-safe; values are immutable records. A model whose task moved away is
 * removed when its task closes.
 *
 * <p>The history is bounded in total, not only per model: with thousands of models, {@value #HISTORY} records each
 * would be hundreds of megabytes. Each model keeps its last {@code min(}{@value #HISTORY}{@code , max(1, budget / models))}
 * records ({@link #HISTORY_BUDGET} by default), so the total stays within the budget (and one record per model beyond
 * it); the depth follows the number of models known now, and a model's older records are dropped at its next
 * publication (and never returned by {@link #history} beyond the depth).
 */
public final class PublishedMetrics {
    /** The most of a model's latest metrics {@link #history} keeps: 5 minutes at one record a second. */
    public static final int HISTORY = 300;
    /** The most metrics records the histories of all models keep together (300 each up to 333 models). */
    public static final int HISTORY_BUDGET = 20_000;

    private final int budget;
    private final Map<String, ModelMetrics> latest = new ConcurrentHashMap<>();
    private final Map<String, Deque<ModelMetrics>> history = new ConcurrentHashMap<>();

    public PublishedMetrics() {
        this(HISTORY_BUDGET);
    }

    /** @param budget the most records of all histories together, at least 1 (tests use small ones) */
    PublishedMetrics(int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("history budget: expected >= 1, found " + budget);
        }
        this.budget = budget;
    }

    /** How many records each model's history keeps now. */
    private int depth() {
        return Math.min(HISTORY, Math.max(1, budget / Math.max(1, latest.size())));
    }

    /** Records {@code metrics} as the latest of its model, trimming its history to the current depth. */
    public void published(ModelMetrics metrics) {
        latest.put(metrics.model(), metrics);
        int depth = depth();
        // no capacity reserved up front: with many models most histories stay far below HISTORY
        Deque<ModelMetrics> recent = history.computeIfAbsent(metrics.model(), model -> new ArrayDeque<>());
        synchronized (recent) {
            recent.addLast(metrics);
            while (recent.size() > depth) {
                recent.removeFirst();
            }
        }
    }

    /** Forgets {@code model} (its task moved to another instance, or it was deleted). */
    public void removed(String model) {
        latest.remove(model);
        history.remove(model);
    }

    /** The latest metrics of {@code model}, if it is owned here and published any. */
    public Optional<ModelMetrics> latest(String model) {
        return Optional.ofNullable(latest.get(model));
    }

    /**
     * The last metrics published here for {@code model}, oldest first, at most the current depth (at most
     * {@value #HISTORY}, fewer when many models share the {@link #HISTORY_BUDGET}): the recent history a chart starts
     * from. Empty for a model not owned here; it starts afresh when a model's task moves.
     */
    public List<ModelMetrics> history(String model) {
        Deque<ModelMetrics> recent = history.get(model);
        if (recent == null) {
            return List.of();
        }
        int depth = depth();
        synchronized (recent) {
            List<ModelMetrics> all = List.copyOf(recent);
            return all.size() <= depth ? all : all.subList(all.size() - depth, all.size());
        }
    }

    /** The latest metrics of every model owned here, in no particular order. */
    public Collection<ModelMetrics> all() {
        return List.copyOf(latest.values());
    }
}
