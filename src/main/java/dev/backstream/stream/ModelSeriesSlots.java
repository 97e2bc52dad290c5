package dev.backstream.stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * Which models of this instance have per-model metric series ({@code metrics.model.series.max}): the Kafka Streams
 * metrics of group {@value ModelSensors#GROUP} and the Prometheus {@code backstream_model_*} series. Each series costs
 * CPU and heap out of proportion to a small model (14 Kafka metrics and one per dead-letter reason, each a JMX
 * attribute, and about 15 Prometheus series), so at most {@link #max()} models hold a slot, counted across all stream threads and tasks of the process.
 *
 * <p>First come, first served: a model asks for a slot each time its metrics are published until it gets one, and
 * keeps it until its series are removed (its task closes, it is deleted), which frees the slot for the next model to
 * publish. A model without a slot still publishes its metrics records and is still shown by the HTTP API
 * ({@link PublishedMetrics}). The first refusal is logged once, at INFO, naming the setting. Thread-safe.
 */
public final class ModelSeriesSlots {
    /** The default of {@code metrics.model.series.max}. */
    public static final int DEFAULT_MAX = 100;

    private static final Logger LOG = LoggerFactory.getLogger(ModelSeriesSlots.class);

    private final int max;
    private final Set<String> holders = new HashSet<>();
    private boolean refusalLogged;

    /** @param max the most models with series ({@code metrics.model.series.max}), at least 0 */
    public ModelSeriesSlots(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("metrics.model.series.max: expected >= 0, found " + max);
        }
        this.max = max;
    }

    /** The most models with series at once. */
    public int max() {
        return max;
    }

    /**
     * Gives {@code model} a slot if it holds none and one is free.
     *
     * @return whether {@code model} holds a slot now
     */
    public synchronized boolean acquire(String model) {
        if (holders.contains(model)) {
            return true;
        }
        if (holders.size() < max) {
            holders.add(model);
            return true;
        }
        if (!refusalLogged) {
            refusalLogged = true;
            // once per instance: one line per model would be thousands of lines for the case the cap is made for
            LOG.info("per-model JMX and Prometheus metric series reached metrics.model.series.max = {} models on this instance; "
                    + "model {} and any further ones are on the metrics topic and the HTTP API only (logged once)", max, model);
        }
        return false;
    }

    /** Frees {@code model}'s slot, if it holds one. */
    synchronized void release(String model) {
        holders.remove(model);
    }

    /** Whether {@code model} holds a slot. */
    public synchronized boolean holds(String model) {
        return holders.contains(model);
    }

    /** The models holding a slot now, a copy. */
    public synchronized Set<String> models() {
        return Set.copyOf(holders);
    }
}
