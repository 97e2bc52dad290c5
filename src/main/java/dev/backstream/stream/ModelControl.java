package dev.backstream.stream;

import dev.backstream.model.ModelDefinition;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What control commands decided about a model, kept in the model store beside it (key {@code <id>\0control}): its
 * definition (which a {@code create} brought, or an {@code update} changed), whether learning is paused, how many
 * samples were dropped while paused, and how many snapshots were retained for rollbacks. A deleted model that the
 * configuration declares keeps a tombstone ({@link #deleted}), so that its declaration does not bring it back.
 * Mutable, owned by the task's stream thread.
 */
final class ModelControl {
    private static final short ENCODING = 1;
    private static final int PAUSED = 1;
    private static final int DELETED = 2;

    ModelDefinition definition;
    boolean paused;
    boolean deleted;
    long droppedWhilePaused;
    long snapshotsRetained;

    ModelControl(ModelDefinition definition) {
        this.definition = definition;
    }

    /** A tombstone: the declared model {@code id} was deleted. */
    static ModelControl tombstone() {
        ModelControl control = new ModelControl(null);
        control.deleted = true;
        return control;
    }

    byte[] encode() {
        byte[] encodedDefinition = definition == null ? new byte[0] : definition.encode();
        ByteBuffer out = ByteBuffer.allocate(2 + 1 + 8 + 8 + 4 + encodedDefinition.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort(ENCODING).put((byte) ((paused ? PAUSED : 0) | (deleted ? DELETED : 0))).putLong(droppedWhilePaused)
                .putLong(snapshotsRetained).putInt(encodedDefinition.length).put(encodedDefinition);
        return out.array();
    }

    static ModelControl decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            short version = in.getShort();
            if (version != ENCODING) {
                throw new IllegalStateException("model control encoding " + version + " is not supported; expected " + ENCODING);
            }
            int flags = in.get();
            long dropped = in.getLong();
            long retained = in.getLong();
            byte[] definition = new byte[in.getInt()];
            in.get(definition);
            ModelControl control = new ModelControl(definition.length == 0 ? null : ModelDefinition.decode(definition));
            control.paused = (flags & PAUSED) != 0;
            control.deleted = (flags & DELETED) != 0;
            control.droppedWhilePaused = dropped;
            control.snapshotsRetained = retained;
            return control;
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalStateException("truncated or corrupt model control record of " + bytes.length + " bytes", e);
        }
    }
}
