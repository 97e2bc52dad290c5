package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * The value of the model store: the complete model in {@link BinaryModelFormat}, behind a small header with the
 * coordinates of the last sample applied and the update count of the last published snapshot, followed by the model's
 * {@link PrequentialMetrics}, so that a restarted task resumes exactly where the committed state left off, metrics
 * window included.
 *
 * <p>From version 3 on, a window of more than {@link PrequentialMetrics#CHUNK} entries is stored in sealed chunks under
 * keys of their own (see {@link ModelStore}), and the value holds only the entries not yet sealed: with a commit per
 * record, a 1,000-entry window no longer rewrites ~24 KB per commit.
 *
 * <pre>version 3:
 * int magic "BSST" | short version 3 | short reserved | int source partition | long source offset
 * | long updates at the last snapshot | binary model
 * | short source topic length (-1: none) | UTF-8 source topic | long source timestamp | prequential metrics (format 3,
 * the newest entries inline, the older ones in sealed chunks)
 *
 * version 2 (still read; the whole window inline, sealed into chunks at the model's next commit):
 * as version 3 with version 2 and the metrics in format 2
 *
 * version 1 (still read; the metrics start empty and the source topic and timestamp are unknown):
 * int magic "BSST" | short version 1 | short reserved | int source partition | long source offset
 * | long updates at the last snapshot | binary model</pre>
 *
 * @param source  the source record of the last update applied (partition and offset -1 if none; topic null if unknown)
 * @param metrics the model's metrics
 */
record StoredModel(Mlp model, SourceRecord source, long lastSnapshotUpdates, PrequentialMetrics metrics) {
    static final int MAGIC = 0x54535342;
    static final short VERSION = 3;
    static final short VERSION_2 = 2;
    static final short VERSION_1 = 1;
    /** For values whose metrics refer to no chunk (versions 1 and 2, small windows, tests): any chunk is missing. */
    static final IntFunction<byte[]> NO_CHUNKS = slot -> null;
    private static final int HEADER = 4 + 2 + 2 + 4 + 8 + 8;

    /** Encodes into {@code bytes}, which must be exactly {@link #encodedSize} long, and returns it. */
    byte[] encodeInto(byte[] bytes) {
        ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(source.partition()).putLong(source.offset()).putLong(lastSnapshotUpdates);
        BinaryModelFormat.encode(model, out);
        if (source.topic() == null) {
            out.putShort((short) -1);
        } else {
            byte[] topic = source.topic().getBytes(StandardCharsets.UTF_8);
            out.putShort((short) topic.length).put(topic);
        }
        out.putLong(source.timestamp());
        metrics.encode(out);
        return bytes;
    }

    /**
     * Decodes only the model and its source record of a version 3, 2 or 1 value, not the metrics (for readers other
     * than the learner, which need no metrics chunks).
     */
    static ModelAndSource decodeModel(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return readModelAndSource(in, checkHeader(bytes, in), new long[1]);
    }

    /** The header of the model in a version 3, 2 or 1 value (its architecture, optimizer and counters), nothing decoded. */
    static BinaryModelFormat.Header modelHeader(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        checkHeader(bytes, in);
        in.position(HEADER);
        return BinaryModelFormat.skip(in);
    }

    /**
     * Reads, after the header, the model and the source record of a value of {@code version}, leaving {@code in} at
     * the metrics; {@code lastSnapshot[0]} receives the last snapshot's update count.
     */
    private static ModelAndSource readModelAndSource(ByteBuffer in, short version, long[] lastSnapshot) {
        in.getShort();
        int partition = in.getInt();
        long offset = in.getLong();
        lastSnapshot[0] = in.getLong();
        Mlp model = BinaryModelFormat.decode(in);
        String topic = null;
        long timestamp = -1;
        if (version != VERSION_1) {
            short topicLength = in.getShort();
            if (topicLength >= 0) {
                byte[] name = new byte[topicLength];
                in.get(name);
                topic = new String(name, StandardCharsets.UTF_8);
            }
            timestamp = in.getLong();
        }
        return new ModelAndSource(model, new SourceRecord(topic, partition, offset, timestamp));
    }

    /**
     * What a task's start needs to know of a stored value, read without decoding the model or its metrics.
     *
     * @param updates             the model's version
     * @param lastSnapshotUpdates the update count of its last published snapshot
     * @param metricsChanged      whether its metrics changed since they were last published
     * @param learned             whether it has a source record (the last sample applied), which a model stored before its
     *                            first update has not (see {@code ModelStore.load})
     */
    record Summary(long updates, long lastSnapshotUpdates, boolean metricsChanged, boolean learned) {
    }

    /**
     * The {@link Summary} of a version 3, 2 or 1 value: its header, the model's counters and the metrics' change
     * counters, skipping the parameters and the window's entries (no chunk is read).
     *
     * @throws IllegalStateException if {@code bytes} is not a stored model of a supported version
     * @throws IllegalArgumentException if its binary model is malformed
     */
    static Summary summarize(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        short version = checkHeader(bytes, in);
        in.getShort();
        in.getInt();
        long offset = in.getLong();
        long lastSnapshot = in.getLong();
        BinaryModelFormat.Header model = BinaryModelFormat.skip(in);
        boolean metricsChanged = false;
        boolean hasTopic = false;
        if (version != VERSION_1) { // version 1 values start with empty metrics: nothing to publish
            short topicLength = in.getShort();
            hasTopic = topicLength >= 0;
            in.position(in.position() + Math.max(0, topicLength));
            in.getLong();
            metricsChanged = PrequentialMetrics.changedSincePublished(in, version, model.architecture());
        }
        return new Summary(model.updates(), lastSnapshot, metricsChanged, hasTopic || offset >= 0);
    }

    /**
     * The beginning of a version 3, 2 or 1 value up to its metrics (the header, the model and its source record): what
     * {@link #decodeModel} reads, for readers that keep a committed state without its metrics ({@link CommittedModel},
     * for every model of a task, in memory or not). {@code bytes} itself if it has no metrics. For a value just
     * encoded, {@link #withoutMetrics(byte[], int)} with {@link #metricsOffset()} copies without reading it again.
     */
    static byte[] withoutMetrics(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        short version = checkHeader(bytes, in);
        in.position(HEADER);
        BinaryModelFormat.skip(in);
        if (version != VERSION_1) {
            short topicLength = in.getShort();
            in.position(in.position() + Math.max(0, topicLength) + 8);
        }
        return withoutMetrics(bytes, in.position());
    }

    /** The first {@code metricsOffset} bytes of {@code bytes}, a value whose metrics start there ({@code bytes} if none follow). */
    static byte[] withoutMetrics(byte[] bytes, int metricsOffset) {
        return metricsOffset == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, metricsOffset);
    }

    /** A stored model without its metrics; {@code source} as in {@link StoredModel}. */
    record ModelAndSource(Mlp model, SourceRecord source) {
    }

    private static short checkHeader(byte[] bytes, ByteBuffer in) {
        if (bytes.length < HEADER || in.getInt() != MAGIC) {
            throw new IllegalStateException("the model store holds a value that is not a Backstream model (" + bytes.length + " bytes)");
        }
        short version = in.getShort();
        if (version != VERSION && version != VERSION_2 && version != VERSION_1) {
            throw new IllegalStateException("stored model version " + version + " is not supported; expected " + VERSION_1 + ", "
                    + VERSION_2 + " or " + VERSION);
        }
        return version;
    }

    /** Decodes a value whose metrics refer to no chunk; see {@link #decode(byte[], MetricsSettings, IntFunction)}. */
    static StoredModel decode(byte[] bytes, MetricsSettings settings) {
        return decode(bytes, settings, NO_CHUNKS);
    }

    /**
     * Decodes a version 3, 2 or 1 value; the metrics get the current {@code settings} and read their sealed chunks
     * through {@code chunks} (slot to the stored chunk, or null).
     */
    static StoredModel decode(byte[] bytes, MetricsSettings settings, IntFunction<byte[]> chunks) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        short version = checkHeader(bytes, in);
        long[] lastSnapshot = new long[1];
        ModelAndSource read = readModelAndSource(in, version, lastSnapshot);
        Mlp model = read.model();
        PrequentialMetrics metrics = version == VERSION_1 ? new PrequentialMetrics(model.architecture(), settings)
                : PrequentialMetrics.decode(in, version, model.architecture(), settings, chunks);
        return new StoredModel(model, read.source(), lastSnapshot[0], metrics);
    }

    /** The exact size of {@link #encodeInto}. */
    int encodedSize() {
        return metricsOffset() + metrics.encodedSize();
    }

    /** Where the metrics start in {@link #encodeInto}'s bytes: the size of the header, the model and the source record. */
    int metricsOffset() {
        int topic = source.topic() == null ? 0 : source.topic().getBytes(StandardCharsets.UTF_8).length;
        return HEADER + BinaryModelFormat.encodedSize(model) + 2 + topic + 8;
    }
}
