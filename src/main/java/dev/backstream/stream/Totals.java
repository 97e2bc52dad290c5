package dev.backstream.stream;

import dev.backstream.message.RejectReason;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this process did since it started, never reset: records learned and predictions per model, dead letters per
 * reason. {@link Activity} counts into it beside its own per-minute counts; the Prometheus endpoint reads it as
 * counters (a Prometheus counter starts again from zero when its process restarts). Thread-safe.
 */
public final class Totals {
    private final Map<String, LongAdder> learned = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> predictions = new ConcurrentHashMap<>();
    private final Map<RejectReason, LongAdder> deadLetters = new ConcurrentHashMap<>();
    /** Set by the first prediction; read without locking by the JIT warm-up, which stops then. */
    private volatile boolean predicted;

    void countLearned(String model) {
        learned.computeIfAbsent(model, m -> new LongAdder()).increment();
    }

    void countPrediction(String model) {
        predictions.computeIfAbsent(model, m -> new LongAdder()).increment();
        if (!predicted) {
            predicted = true;
        }
    }

    /** Whether this process has published any prediction since it started. */
    public boolean anyPrediction() {
        return predicted;
    }

    void countDeadLetter(RejectReason reason) {
        deadLetters.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** The models that learned or predicted anything since start. */
    public Set<String> models() {
        Set<String> models = new java.util.TreeSet<>(learned.keySet());
        models.addAll(predictions.keySet());
        return models;
    }

    /** Samples {@code model} learned from (updates applied) since start. */
    public long learned(String model) {
        LongAdder count = learned.get(model);
        return count == null ? 0 : count.sum();
    }

    /** Predictions {@code model} made since start, for samples and score requests. */
    public long predictions(String model) {
        LongAdder count = predictions.get(model);
        return count == null ? 0 : count.sum();
    }

    /** Dead letters written for {@code reason} since start. */
    public long deadLetters(RejectReason reason) {
        LongAdder count = deadLetters.get(reason);
        return count == null ? 0 : count.sum();
    }
}
