package dev.backstream.model;

import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
    private static final short ENCODING = 1;

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

    /** This definition with another snapshot cadence. */
    public ModelDefinition withSnapshotEveryUpdates(long snapshotEveryUpdates) {
        return new ModelDefinition(id, newModel(), snapshotEveryUpdates, source);
    }

    /** This definition whose starting model learns with {@code learningRate} (a reset starts from it). */
    public ModelDefinition withLearningRate(double learningRate) {
        return new ModelDefinition(id, newModel().withOptimizer(optimizer.withLearningRate(learningRate)), snapshotEveryUpdates, source);
    }

    /** An upper bound on the JSON snapshot of this model: at most 25 characters per number plus structure. */
    public int snapshotBytesBound() {
        return 4096 + 26 * architecture.parameterCount() * (1 + optimizer.stateVectors());
    }

    /** The definition in a binary form for the model store: {@link #decode} gives an equal definition back. */
    public byte[] encode() {
        byte[] name = id.getBytes(StandardCharsets.UTF_8);
        byte[] from = source.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(2 + 4 + name.length + 8 + 4 + from.length + 4 + initial.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort(ENCODING).putInt(name.length).put(name).putLong(snapshotEveryUpdates).putInt(from.length).put(from)
                .putInt(initial.length).put(initial);
        return out.array();
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws IllegalStateException for anything else
     */
    public static ModelDefinition decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            short version = in.getShort();
            if (version != ENCODING) {
                throw new IllegalStateException("model definition encoding " + version + " is not supported; expected " + ENCODING);
            }
            String id = new String(bytes(in), StandardCharsets.UTF_8);
            long every = in.getLong();
            String source = new String(bytes(in), StandardCharsets.UTF_8);
            byte[] initial = bytes(in);
            if (in.hasRemaining()) {
                throw new IllegalStateException(in.remaining() + " unexpected bytes after a model definition");
            }
            return new ModelDefinition(id, BinaryModelFormat.decode(initial), every, source);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new IllegalStateException("truncated or corrupt model definition of " + bytes.length + " bytes", e);
        }
    }

    private static byte[] bytes(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return bytes;
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
