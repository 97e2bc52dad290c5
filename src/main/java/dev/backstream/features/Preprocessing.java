package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The mutable part of a feature spec: Welford's running count, mean and sum of squared deviations of each stateful
 * field (standardized, or with {@code "missing": "mean"}), in spec order. Part of the model: updated by each learned
 * event, persisted with the model and included in its snapshots. Not thread-safe, like the model.
 */
public final class Preprocessing {

    /** Learns one event's observed values ({@link EncodedEvent#observed()}); a {@code NaN} (missing) is skipped. */
    public void learn(double[] observed) {
        throw new UnsupportedOperationException("not yet");
    }

    /** A deep copy. */
    public Preprocessing copy() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Whether both hold bit-identical counts, means and sums of squares. */
    public boolean bitIdentical(Preprocessing other) {
        throw new UnsupportedOperationException("not yet");
    }

    /** A compact binary encoding (versioned), read back bit-identically by {@link #fromBytes}. */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("not yet");
    }

    /** @throws IllegalArgumentException for bytes that do not fit {@code spec} */
    public static Preprocessing fromBytes(FeatureSpec spec, byte[] bytes) {
        throw new UnsupportedOperationException("not yet");
    }

    /** {@code [{"path": ..., "count": n, "mean": μ, "m2": M2}, ...]}: the snapshot's {@code "preprocessing"}. */
    public JsonNode toJson() {
        throw new UnsupportedOperationException("not yet");
    }

    /** @throws IllegalArgumentException naming the entry at fault */
    public static Preprocessing fromJson(FeatureSpec spec, JsonNode json) {
        throw new UnsupportedOperationException("not yet");
    }
}
