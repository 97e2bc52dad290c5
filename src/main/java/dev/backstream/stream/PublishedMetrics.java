package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest metrics of each model this instance's tasks own, as last published to the metrics topic, and a short
 * history of them for the dashboard's charts: written by the stream threads, read by the HTTP layer (the models API,
 * the dashboard, the Prometheus endpoint). Thread-safe; values are immutable records. A model whose task moved away is
 * removed when its task closes.
 *
 * <p>The histories are bounded in total, not only per model: with thousands of models, {@value #HISTORY} records each
 * would be hundreds of megabytes. The histories of all models together keep the newest records published here, at
 * most the budget ({@link #HISTORY_BUDGET} by default) in total and at most {@value #HISTORY} a model: each publication
 * beyond the budget drops the oldest record held, whichever model it belongs to, so a model that stops publishing
 * loses its history as the others publish. Each model's latest record is kept apart from the histories, and
 * {@link #history} returns it when the model's history was dropped entirely, so that a chart always has a point.
 */
public final class PublishedMetrics {
    /** The most of a model's latest metrics {@link #history} keeps: 5 minutes at one record a second. */
    public static final int HISTORY = 300;
    /** The most metrics records the histories of all models keep together (300 each for up to 66 models). */
    public static final int HISTORY_BUDGET = 20_000;

    /**
     * One record held in a history. Compared by identity, so that the same metrics published twice are two entries and
     * the global order can drop exactly the one a model's history drops.
     */
    private static final class Held {
        final String model;
        final ModelMetrics metrics;

        Held(String model, ModelMetrics metrics) {
            this.model = model;
            this.metrics = metrics;
        }
    }

    private final int budget;
    private final Map<String, ModelMetrics> latest = new ConcurrentHashMap<>();
    /** Guards {@link #history} and {@link #held}; publication is once per model per metrics.interval.ms, so one lock. */
    private final Object lock = new Object();
    /** Each model's held records, oldest first; a model whose records were all dropped has no entry. */
    private final Map<String, Deque<Held>> history = new HashMap<>();
    /** Every record held, oldest published first: its size is the total the budget bounds. */
    private final LinkedHashSet<Held> held = new LinkedHashSet<>();

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

    /**
     * Records {@code metrics} as the latest of its model and appends it to the model's history, then drops the model's
     * oldest record beyond {@value #HISTORY} and the oldest records of all models beyond the budget.
     */
    public void published(ModelMetrics metrics) {
        latest.put(metrics.model(), metrics);
        Held record = new Held(metrics.model(), metrics);
        synchronized (lock) {
            // no capacity reserved up front: with many models most histories stay far below HISTORY
            Deque<Held> recent = history.computeIfAbsent(metrics.model(), model -> new ArrayDeque<>());
            recent.addLast(record);
            held.add(record);
            if (recent.size() > HISTORY) {
                held.remove(recent.removeFirst());
            }
            while (held.size() > budget) {
                dropOldest();
            }
        }
    }

    /** Drops the oldest record held, which is also the oldest of its model's history. Called holding the lock. */
    private void dropOldest() {
        Iterator<Held> oldestFirst = held.iterator();
        Held oldest = oldestFirst.next();
        oldestFirst.remove();
        Deque<Held> recent = history.get(oldest.model);
        recent.removeFirst();
        if (recent.isEmpty()) {
            history.remove(oldest.model);
        }
    }

    /** Forgets {@code model} (its task moved to another instance, or it was deleted), giving its records back. */
    public void removed(String model) {
        latest.remove(model);
        synchronized (lock) {
            Deque<Held> recent = history.remove(model);
            if (recent != null) {
                // one by one: Set.removeAll may instead ask the deque's contains for every record held
                for (Held record : recent) {
                    held.remove(record);
                }
            }
        }
    }

    /** The latest metrics of {@code model}, if it is owned here and published any. */
    public Optional<ModelMetrics> latest(String model) {
        return Optional.ofNullable(latest.get(model));
    }

    /**
     * The last metrics published here for {@code model}, oldest first: the recent history a chart starts from. At most
     * {@value #HISTORY}, fewer when the records of other models published since are needed to keep the histories
     * within the {@link #HISTORY_BUDGET}; only the latest record when all the others were dropped. Empty for a model
     * not owned here (or that has not published); it starts afresh when a model's task moves.
     */
    public List<ModelMetrics> history(String model) {
        synchronized (lock) {
            Deque<Held> recent = history.get(model);
            if (recent != null) {
                return recent.stream().map(record -> record.metrics).toList();
            }
        }
        ModelMetrics last = latest.get(model);
        return last == null ? List.of() : List.of(last);
    }

    /** How many records the histories of all models hold together (at most the budget). */
    int retained() {
        synchronized (lock) {
            return held.size();
        }
    }

    /** The latest metrics of every model owned here, in no particular order. */
    public Collection<ModelMetrics> all() {
        return List.copyOf(latest.values());
    }
}
