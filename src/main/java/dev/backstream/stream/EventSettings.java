package dev.backstream.stream;

/**
 * How raw events and delayed labels are read and kept.
 *
 * @param defaultModel the model of events and label records without a {@code "model"} field ({@code events.model}), or
 *                     null: they must name it
 * @param labelsTtlMs  a label joins its kept event if its timestamp is at most this many milliseconds after the event's
 *                     (record timestamps, not wall clock); later, the event has expired ({@code labels.ttl.ms})
 * @param maxPending   the most events waiting for their labels and labels waiting for their events (processed before
 *                     them) one model keeps; the oldest of either is evicted beyond it ({@code labels.max.pending})
 */
public record EventSettings(String defaultModel, long labelsTtlMs, int maxPending) {
    public EventSettings {
        if (defaultModel != null && defaultModel.isEmpty()) {
            defaultModel = null;
        }
        if (labelsTtlMs < 1 || maxPending < 1) {
            throw new IllegalArgumentException("labelsTtlMs and maxPending must be positive, found " + labelsTtlMs + " and " + maxPending);
        }
    }

    /** The defaults: events name their model, a TTL of one hour, 100,000 pending events per model. */
    public static EventSettings defaults() {
        return new EventSettings(null, 3_600_000L, 100_000);
    }
}
