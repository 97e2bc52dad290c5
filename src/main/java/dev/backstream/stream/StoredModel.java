package dev.backstream.stream;

import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The value of the model store: the complete model in {@link BinaryModelFormat}, behind a small header with the
 * coordinates of the last sample applied and the update count of the last published snapshot, so that a restarted
 * task resumes exactly where the committed state left off.
 *
 * <pre>int magic "BSST" | short version 1 | short reserved | int source partition | long source offset
 * | long updates at the last snapshot | binary model</pre>
 */
record StoredModel(Mlp model, int sourcePartition, long sourceOffset, long lastSnapshotUpdates) {
    static final int MAGIC = 0x54535342;
    static final short VERSION = 1;
    private static final int HEADER = 4 + 2 + 2 + 4 + 8 + 8;

    /** Encodes into {@code bytes}, which must be exactly {@link #encodedSize} long, and returns it. */
    byte[] encodeInto(byte[] bytes) {
        ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(sourcePartition).putLong(sourceOffset).putLong(lastSnapshotUpdates);
        BinaryModelFormat.encode(model, out);
        return bytes;
    }

    static StoredModel decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER || in.getInt() != MAGIC) {
            throw new IllegalStateException("the model store holds a value that is not a Backstream model (" + bytes.length + " bytes)");
        }
        short version = in.getShort();
        if (version != VERSION) {
            throw new IllegalStateException("stored model version " + version + " is not supported; expected " + VERSION);
        }
        in.getShort();
        int partition = in.getInt();
        long offset = in.getLong();
        long lastSnapshot = in.getLong();
        return new StoredModel(BinaryModelFormat.decode(in), partition, offset, lastSnapshot);
    }

    /** The exact size of {@link #encodeInto} for {@code model}. */
    static int encodedSize(Mlp model) {
        return HEADER + BinaryModelFormat.encodedSize(model);
    }
}
