package dev.backstream.app;

import dev.backstream.nn.Mlp;

import java.util.Objects;

/**
 * One declared model: its id, the model a fresh start begins from (initialized from a seed, or a warm-start
 * snapshot), and how often it is snapshotted.
 *
 * @param id                   the model id that samples name
 * @param initial              the starting model; never mutated (see {@link #newModel()})
 * @param snapshotEveryUpdates publish a snapshot every this many updates
 * @param source               where the definition came from, for messages
 */
public record ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source) {
    public ModelDefinition {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(initial, "initial");
        if (snapshotEveryUpdates < 1) {
            throw new IllegalArgumentException(source + ": snapshotEveryUpdates must be >= 1, found " + snapshotEveryUpdates);
        }
    }

    /** A fresh copy of the starting model. */
    public Mlp newModel() {
        return initial.copy();
    }
}
