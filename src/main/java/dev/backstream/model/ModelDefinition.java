package dev.backstream.model;

import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;

import java.util.Objects;

/**
 * One declared model: its id, the model a fresh start begins from (initialized from a seed, or a warm-start
 * snapshot), and how often it is snapshotted. An immutable value, safe to share between threads: it keeps the starting
 * model's parameters and optimizer state as bytes, never a live model, and {@link #newModel()} builds a new model from
 * them each time.
 */
public final class ModelDefinition {
    /** The one character a model id may not contain: the model store's separator between an id and its other keys. */
    public static final char RESERVED_ID_CHARACTER = '\u0000';
    private final String id;
    private final Architecture architecture;
    private final OptimizerSpec optimizer;
    private final byte[] initial;
    private final long snapshotEveryUpdates;
    private final String source;

    /**
     * @param id                   the model id that samples name
     * @param initial              the starting model; its state is copied, the model itself is not kept
     * @param snapshotEveryUpdates publish a snapshot every this many updates
     * @param source               where the definition came from, for messages
     */
    public ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source) {
        this.id = Objects.requireNonNull(id, "id");
        if (id.indexOf(RESERVED_ID_CHARACTER) >= 0) {
            throw new IllegalArgumentException(source + ": model id \"" + id.replace(RESERVED_ID_CHARACTER, '?')
                    + "\" contains U+0000 at index " + id.indexOf(RESERVED_ID_CHARACTER)
                    + "; expected none (the model store separates a model id from its metrics chunks with it)");
        }
        Objects.requireNonNull(initial, "initial");
        if (snapshotEveryUpdates < 1) {
            throw new IllegalArgumentException(source + ": snapshotEveryUpdates must be >= 1, found " + snapshotEveryUpdates);
        }
        this.architecture = initial.architecture();
        this.optimizer = initial.optimizer();
        this.initial = BinaryModelFormat.encode(initial);
        this.snapshotEveryUpdates = snapshotEveryUpdates;
        this.source = source;
    }

    public String id() {
        return id;
    }

    public Architecture architecture() {
        return architecture;
    }

    public OptimizerSpec optimizer() {
        return optimizer;
    }

    public long snapshotEveryUpdates() {
        return snapshotEveryUpdates;
    }

    public String source() {
        return source;
    }

    /** A new starting model: the declared one, bit for bit, owned by the caller. */
    public Mlp newModel() {
        return BinaryModelFormat.decode(initial);
    }

    /** The size of the starting model in the binary model format. */
    public int encodedBytes() {
        return initial.length;
    }

    @Override
    public String toString() {
        return "ModelDefinition[" + id + " " + architecture.describe() + " " + optimizer.type() + " from " + source + "]";
    }
}
