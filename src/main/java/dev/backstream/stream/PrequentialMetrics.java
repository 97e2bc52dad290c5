package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SourceRecord;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Outcome;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * One model's prequential (test-then-train) metrics, kept by the learner beside the model and persisted with it in the
 * model store, so that a restored model continues the same window.
 *
 * <p>Every labeled sample whose update was applied adds one entry, scored from the prediction made before the update:
 * for a classifier (a model that accepts class labels) whether the predicted class was the true one, the model's loss
 * of that prediction (the log-loss for cross-entropy models) and both classes; for any other model the mean absolute
 * and the mean squared error over its outputs. The last {@code window} entries are kept in a ring of primitive arrays;
 * window sums are recomputed from the ring, oldest first, when metrics are taken (exact and deterministic, no drift).
 * The fading averages are {@code S_n / W_n} with {@code S_n = f·S_{n−1} + x_n} and {@code W_n = f·W_{n−1} + 1}.
 *
 * <p>A window of more than {@link #CHUNK} entries is persisted in sealed chunks ({@link #sealChunks}): the model's stored
 * value holds only the entries recorded since the last full chunk, so persisting a model after every record costs at
 * most a chunk of entries, not the window.
 *
 * <p>Recording allocates nothing. Only the model's task thread touches an instance.
 */
final class PrequentialMetrics {
    /** Entries per sealed chunk of a window larger than this (see {@link #sealChunks}). */
    static final int CHUNK = 64;
    /** Entries the ring's arrays hold before the first of them is recorded. */
    static final int INITIAL_CAPACITY = 8;
    private final boolean classifier;
    private final boolean softmax;
    private final int classes;
    private final int outputs;
    private final int window;
    private final double fadingFactor;
    /**
     * Classifier: 1 if correct else 0; otherwise: mean absolute error of the entry. The ring's arrays grow with the
     * entries held, doubling up to the window ({@link #ensureCapacity}): until the window is full they hold entries
     * {@code [0, count)} and never wrap, so a model with few labeled samples (most of them when models are many) does
     * not hold a full window of zeros (24 bytes an entry: 24 KB for the default window of 1,000).
     */
    private double[] first;
    /** Classifier: the loss; otherwise: mean squared error of the entry. */
    private double[] second;
    /** Classifier only: true and predicted class of each entry. */
    private int[] label;
    private int[] predicted;
    /** Index of the next entry to write, and entries held. */
    private int next;
    private int count;
    /** Entries in a sealed chunk ({@link #CHUNK}), or 0 if the window is small enough to be stored whole with the model. */
    private final int chunkSize;
    /** Chunk keys per model: sealed chunk {@code j} is stored in slot {@code j mod slots}. */
    private final int slots;
    /** Entries recorded since the metrics began (or were read from format 2), the sequence number of the next entry. */
    private long total;
    /** Entries before this sequence number are sealed into chunks (or no longer held); a multiple of the chunk size. */
    private long sealed;
    /** Slots {@code [staleFrom, staleTo)} hold chunks of a former, larger layout, deleted at the next persisting. */
    private int staleFrom;
    private int staleTo;
    private double fadingWeight;
    private double fadingFirst;
    private double fadingSecond;
    private long scoreRequests;
    private long divergentUpdates;
    private final long[] deadLetters = new long[RejectReason.values().length];
    /** Every recorded event (entry, score request, dead letter) counts one; compared with the count at the last publication. */
    private long changes;
    private long publishedChanges;

    PrequentialMetrics(Architecture architecture, MetricsSettings settings) {
        this.classes = architecture.classes();
        this.classifier = classes > 0;
        this.softmax = architecture.outputActivation() == Activation.SOFTMAX;
        this.outputs = architecture.outputs();
        this.window = settings.window();
        this.fadingFactor = settings.fadingFactor();
        int capacity = Math.min(window, INITIAL_CAPACITY);
        this.first = new double[capacity];
        this.second = new double[capacity];
        this.label = classifier ? new int[capacity] : null;
        this.predicted = classifier ? new int[capacity] : null;
        this.chunkSize = window > CHUNK ? CHUNK : 0;
        this.slots = chunkSize == 0 ? 0 : (window + CHUNK - 1) / CHUNK;
    }

    // ------------------------------------------------------------------------------------------------- recording

    /** A labeled sample's update was applied: scores the prediction made before it ({@code outcome}) against the sample. */
    void learned(Sample sample, Outcome outcome) {
        if (classifier) {
            addClass(sample.trueClass(), outcome.predictedClass(), outcome.loss());
            return;
        }
        double absolute = 0.0;
        double squared = 0.0;
        for (int i = 0; i < outputs; i++) {
            double d = sample.target(i) - outcome.output(i);
            absolute += Math.abs(d);
            squared += d * d;
        }
        add(absolute / outputs, squared / outputs);
    }

    /**
     * A delayed label's update was applied: scores the prediction made when its event arrived ({@code kept}), not the
     * re-prediction of the learning step: the honest score of the deployed model.
     */
    void learnedLate(Sample sample, PendingEvent kept) {
        if (classifier) {
            int truth = sample.trueClass();
            addClass(truth, kept.predictedClass(), kept.lossOf(truth));
            return;
        }
        double[] output = kept.output();
        double absolute = 0.0;
        double squared = 0.0;
        for (int i = 0; i < outputs; i++) {
            double d = sample.target(i) - output[i];
            absolute += Math.abs(d);
            squared += d * d;
        }
        add(absolute / outputs, squared / outputs);
    }

    /** A classifier's prediction: right or wrong, its loss, and the class pair for the per-class counts. */
    private void addClass(int truth, int guess, double loss) {
        ensureCapacity(next + 1);
        label[next] = truth;
        predicted[next] = guess;
        add(truth == guess ? 1.0 : 0.0, loss);
    }

    /** The model's delayed-label counts changed (an expiry, an eviction): publish its metrics again. */
    void labelsChanged() {
        changes++;
    }

    private void add(double x, double y) {
        ensureCapacity(next + 1);
        first[next] = x;
        second[next] = y;
        next = next + 1 == window ? 0 : next + 1;
        if (count < window) {
            count++;
        }
        total++;
        fadingWeight = fadingFactor * fadingWeight + 1.0;
        fadingFirst = fadingFactor * fadingFirst + x;
        fadingSecond = fadingFactor * fadingSecond + y;
        changes++;
    }

    /**
     * Grows the ring's arrays to hold at least {@code entries} (at most the window), doubling them. Only while the
     * window is not yet full, when the entries are at {@code [0, count)} in order, so that copying keeps positions.
     */
    private void ensureCapacity(int entries) {
        if (entries <= first.length) {
            return;
        }
        int capacity = (int) Math.min(window, Math.max(entries, 2L * first.length));
        first = Arrays.copyOf(first, capacity);
        second = Arrays.copyOf(second, capacity);
        if (classifier) {
            label = Arrays.copyOf(label, capacity);
            predicted = Arrays.copyOf(predicted, capacity);
        }
    }

    /** The entries the ring's arrays can hold now (at most the window). */
    int capacity() {
        return first.length;
    }

    /** A score request was served. */
    void scored() {
        scoreRequests++;
        changes++;
    }

    /** A labeled sample's update was rejected as divergent (it is also a dead letter). */
    void diverged() {
        divergentUpdates++;
    }

    /** The learner sent one of this model's records to the dead letters. */
    void deadLetter(RejectReason reason) {
        deadLetters[reason.ordinal()]++;
        changes++;
    }

    /** Whether anything was recorded since the metrics were last {@linkplain #published published}. */
    boolean changedSincePublished() {
        return changes != publishedChanges;
    }

    void published() {
        publishedChanges = changes;
    }

    // ----------------------------------------------------------------------------------------------- taking them

    int count() {
        return count;
    }

    /**
     * The loss over the window, the one promotions compare: the mean loss (the log-loss for cross-entropy models) for
     * a classifier, the root mean squared error otherwise; NaN if the window is empty.
     */
    double windowLoss() {
        if (count == 0) {
            return Double.NaN;
        }
        double sum = 0.0;
        for (int k = 0; k < count; k++) {
            sum += second[index(k)];
        }
        return classifier ? sum / count : Math.sqrt(sum / count);
    }

    /**
     * The metrics now, in the {@code backstream.metrics/v1} format.
     *
     * @param lastSource the source record of the last update applied, or null
     * @param now        when they are taken (wall clock, ms)
     */
    ModelMetrics toMessage(String model, long modelVersion, SourceRecord lastSource, long now) {
        Double windowFirst = null;
        Double windowSecond = null;
        if (count > 0) {
            double sumFirst = 0.0;
            double sumSecond = 0.0;
            for (int k = 0; k < count; k++) {
                int i = index(k);
                sumFirst += first[i];
                sumSecond += second[i];
            }
            windowFirst = sumFirst / count;
            windowSecond = sumSecond / count;
        }
        Double fadeFirst = fadingWeight > 0 ? fadingFirst / fadingWeight : null;
        Double fadeSecond = fadingWeight > 0 ? fadingSecond / fadingWeight : null;
        List<ModelMetrics.ClassCount> classCounts = softmax ? classCounts() : null;
        Map<String, Long> letters = new LinkedHashMap<>();
        for (RejectReason reason : RejectReason.values()) {
            if (deadLetters[reason.ordinal()] > 0) {
                letters.put(reason.name(), deadLetters[reason.ordinal()]);
            }
        }
        String topic = lastSource == null ? null : lastSource.topic();
        int partition = lastSource == null ? -1 : lastSource.partition();
        long offset = lastSource == null ? -1 : lastSource.offset();
        long lastUpdate = lastSource == null ? -1 : lastSource.timestamp();
        if (classifier) {
            return new ModelMetrics(ModelMetrics.FORMAT, model, modelVersion, ModelMetrics.CLASSIFICATION, window, count, fadingFactor,
                    windowFirst, windowSecond, fadeFirst, fadeSecond, null, null, null, null, classCounts, modelVersion,
                    scoreRequests, divergentUpdates, letters, lastUpdate, topic, partition, offset, now);
        }
        return new ModelMetrics(ModelMetrics.FORMAT, model, modelVersion, ModelMetrics.REGRESSION, window, count, fadingFactor,
                null, null, null, null, windowFirst, windowSecond == null ? null : Math.sqrt(windowSecond), fadeFirst,
                fadeSecond == null ? null : Math.sqrt(fadeSecond), null, modelVersion, scoreRequests, divergentUpdates, letters,
                lastUpdate, topic, partition, offset, now);
    }

    private List<ModelMetrics.ClassCount> classCounts() {
        long[] actual = new long[classes];
        long[] guessed = new long[classes];
        long[] correct = new long[classes];
        for (int k = 0; k < count; k++) {
            int i = index(k);
            actual[label[i]]++;
            guessed[predicted[i]]++;
            if (label[i] == predicted[i]) {
                correct[label[i]]++;
            }
        }
        List<ModelMetrics.ClassCount> counts = new ArrayList<>(classes);
        for (int c = 0; c < classes; c++) {
            counts.add(new ModelMetrics.ClassCount(c, actual[c], guessed[c], correct[c]));
        }
        return counts;
    }

    /** The ring index of the {@code k}-th entry held, oldest first. */
    private int index(int k) {
        int oldest = count < window ? 0 : next;
        int i = oldest + k;
        return i >= window ? i - window : i;
    }

    // ------------------------------------------------------------------------------------------------- encoding

    /*
     * Format 3, in the model's stored value:
     * int entries held n | long entries recorded t | short chunk size c (0: no chunks) | short slots s | int entries
     * inline m | the newest m entries column by column, oldest first: m doubles first, m doubles second[, m ints label,
     * m ints predicted if classifier] | double fading weight, fading first, fading second | long score requests,
     * divergent updates, changes, published changes | short reasons r | r times: short name length, UTF-8 name, long
     * count.
     * The other n − m entries, sequence numbers [t − n, t − m), are in sealed chunks: chunk j holds (at most) the
     * entries [j·c, (j+1)·c) and is stored under its own key, slot j mod s (see ModelStore), in the format
     * int magic "BSMC" | short version 1 | short reserved | long first sequence number f | int entries k | the k entries
     * column by column (as above).
     * Format 2 is format 3 without t, c, s and m (all n entries inline); it is still read.
     * Columns are copied in bulk: with a commit per record (the test driver) the inline part is encoded per record.
     */
    static final int CHUNK_MAGIC = 0x434D5342;
    static final short CHUNK_VERSION = 1;
    private static final int CHUNK_HEADER = 4 + 2 + 2 + 8 + 4;

    /** Where {@link #sealChunks} writes: a chunk for {@code slot}, or null to delete the slot. */
    interface ChunkSink {
        void write(int slot, byte[] chunk);
    }

    /**
     * Seals every chunk filled since the last call: each is encoded once, here, and written to {@code sink}, which the
     * model store calls right before it puts the model's value (in the same commit); that value then holds only the
     * entries after the last sealed chunk, fewer than {@link #CHUNK}. Chunks are aligned on sequence numbers, so the
     * stored value does not depend on when commits happened. A chunk whose oldest entries left the window before it was
     * sealed (several chunks filled between two commits) holds only those still in it; one that left entirely is not
     * written. Also deletes the slots of a former, larger layout.
     */
    void sealChunks(ChunkSink sink) {
        for (int slot = staleFrom; slot < staleTo; slot++) {
            sink.write(slot, null);
        }
        staleFrom = 0;
        staleTo = 0;
        if (chunkSize == 0) {
            return;
        }
        long oldest = total - count;
        while (total - sealed >= chunkSize) {
            long end = sealed + chunkSize;
            if (end > oldest) {
                long from = Math.max(sealed, oldest);
                sink.write((int) ((sealed / chunkSize) % slots), encodeChunk(from, (int) (end - from)));
            }
            sealed = end;
        }
    }

    /**
     * Makes the next {@link #sealChunks} write every chunk held again: for metrics that move to other keys (a
     * challenger's and its champion's swap places in a promotion), whose former chunks are under the old ones.
     */
    void sealAgain() {
        if (chunkSize > 0) {
            sealed = (total - count) / chunkSize * chunkSize;
        }
    }

    private byte[] encodeChunk(long from, int entries) {
        byte[] chunk = new byte[CHUNK_HEADER + entries * entrySize()];
        ByteBuffer out = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(CHUNK_MAGIC).putShort(CHUNK_VERSION).putShort((short) 0).putLong(from).putInt(entries);
        putColumns(out, (int) (from - (total - count)), entries);
        return chunk;
    }

    private int entrySize() {
        return entrySize(classifier);
    }

    private static int entrySize(boolean classifier) {
        return classifier ? 24 : 16;
    }

    /**
     * Whether the metrics encoded at {@code in}'s position (format 2 or 3, of a model of {@code architecture}) changed
     * since they were last published, read without decoding them: no entry is copied and no chunk is read. Advances
     * {@code in} into the metrics.
     *
     * @throws IllegalStateException if the encoding does not fit in {@code in}
     */
    static boolean changedSincePublished(ByteBuffer in, int format, Architecture architecture) {
        int entrySize = entrySize(architecture.classes() > 0);
        int stored = in.getInt();
        int inline = stored;
        if (format >= 3) {
            in.getLong();
            in.getShort();
            in.getShort();
            inline = in.getInt();
        }
        long skip = (long) inline * entrySize + 3 * 8 + 2 * 8;
        if (inline < 0 || inline > stored || skip + 2 * 8 > in.remaining()) {
            throw new IllegalStateException("stored metrics: " + inline + " window entries inline do not fit in the " + in.remaining()
                    + " bytes left");
        }
        in.position(in.position() + (int) skip);
        long changes = in.getLong();
        long publishedChanges = in.getLong();
        return changes != publishedChanges;
    }

    /** The entries held inline in the stored value: those not yet sealed into a chunk. */
    private int inline() {
        return chunkSize == 0 ? count : (int) Math.min(count, total - sealed);
    }

    /** The size of {@link #encode}. */
    int encodedSize() {
        int size = 4 + 8 + 2 + 2 + 4 + inline() * entrySize() + 3 * 8 + 4 * 8 + 2;
        for (RejectReason reason : RejectReason.values()) {
            if (deadLetters[reason.ordinal()] > 0) {
                size += 2 + reason.name().getBytes(StandardCharsets.UTF_8).length + 8;
            }
        }
        return size;
    }

    void encode(ByteBuffer out) {
        int inline = inline();
        out.putInt(count).putLong(total).putShort((short) chunkSize).putShort((short) slots).putInt(inline);
        putColumns(out, count - inline, inline);
        out.putDouble(fadingWeight).putDouble(fadingFirst).putDouble(fadingSecond);
        out.putLong(scoreRequests).putLong(divergentUpdates).putLong(changes).putLong(publishedChanges);
        short reasons = 0;
        for (long letters : deadLetters) {
            reasons += letters > 0 ? 1 : 0;
        }
        out.putShort(reasons);
        for (RejectReason reason : RejectReason.values()) {
            if (deadLetters[reason.ordinal()] > 0) {
                byte[] name = reason.name().getBytes(StandardCharsets.UTF_8);
                out.putShort((short) name.length).put(name).putLong(deadLetters[reason.ordinal()]);
            }
        }
    }

    /** Writes the {@code n} entries held from the {@code k}-th (oldest first), column by column. */
    private void putColumns(ByteBuffer out, int k, int n) {
        int start = n == 0 ? 0 : index(k);
        int head = Math.min(n, window - start);
        out.asDoubleBuffer().put(first, start, head).put(first, 0, n - head);
        out.position(out.position() + 8 * n);
        out.asDoubleBuffer().put(second, start, head).put(second, 0, n - head);
        out.position(out.position() + 8 * n);
        if (classifier) {
            out.asIntBuffer().put(label, start, head).put(label, 0, n - head);
            out.position(out.position() + 4 * n);
            out.asIntBuffer().put(predicted, start, head).put(predicted, 0, n - head);
            out.position(out.position() + 4 * n);
        }
    }

    /**
     * Reads {@code stored} entries column by column from {@code in}, keeping the newest {@code kept} of them at ring
     * positions {@code [at, at + kept)} (the ring is filled oldest first from position 0 when decoding).
     */
    private void getColumns(ByteBuffer in, int stored, int kept, int at) {
        int skip = stored - kept;
        in.position(in.position() + 8 * skip);
        in.asDoubleBuffer().get(first, at, kept);
        in.position(in.position() + 8 * kept + 8 * skip);
        in.asDoubleBuffer().get(second, at, kept);
        in.position(in.position() + 8 * kept);
        if (classifier) {
            in.position(in.position() + 4 * skip);
            in.asIntBuffer().get(label, at, kept);
            in.position(in.position() + 4 * kept + 4 * skip);
            in.asIntBuffer().get(predicted, at, kept);
            in.position(in.position() + 4 * kept);
        }
    }

    /**
     * Reads what {@link #encode} (format 3) or format 2 wrote, into metrics with the current {@code settings}, reading
     * sealed chunks through {@code chunks} (slot to stored chunk, or null if none): if the window is now smaller than the
     * entries stored, the oldest are dropped; a changed fading factor applies from the next entry on. Dead letter
     * reasons this version does not know are dropped. If the window now needs a different chunk layout, the entries
     * read are sealed again, in the new layout, at the next {@link #sealChunks}, which also deletes the slots no longer
     * used; until then the stored value still refers to the old layout, which stays readable.
     */
    static PrequentialMetrics decode(ByteBuffer in, int format, Architecture architecture, MetricsSettings settings,
                                     IntFunction<byte[]> chunks) {
        PrequentialMetrics metrics = new PrequentialMetrics(architecture, settings);
        int entrySize = metrics.entrySize();
        int stored = in.getInt();
        long total = stored;
        int storedChunkSize = 0;
        int storedSlots = 0;
        int inline = stored;
        if (format >= 3) {
            total = in.getLong();
            storedChunkSize = in.getShort();
            storedSlots = in.getShort();
            inline = in.getInt();
        }
        if (stored < 0 || inline < 0 || inline > stored || total < stored || (long) inline * entrySize > in.remaining()
                || (inline < stored && (storedChunkSize <= 0 || storedSlots <= 0 || (total - inline) % storedChunkSize != 0))) {
            throw new IllegalStateException("stored metrics: " + stored + " window entries, " + inline + " of them inline in the "
                    + in.remaining() + " bytes left, " + total + " recorded, chunks of " + storedChunkSize + " in " + storedSlots
                    + " slots do not fit together");
        }
        int kept = Math.min(stored, metrics.window);
        metrics.ensureCapacity(kept);
        int fromInline = Math.min(inline, kept);
        metrics.getColumns(in, inline, fromInline, kept - fromInline);
        int missing = kept - fromInline;
        long end = total - inline;
        for (long j = end / Math.max(1, storedChunkSize) - 1; missing > 0; j--) {
            int slot = (int) (j % storedSlots);
            byte[] chunk = j < 0 ? null : chunks.apply(slot);
            if (chunk == null) {
                throw new IllegalStateException("stored metrics: chunk " + j + " (slot " + slot + ") is missing; " + missing
                        + " more window entries were expected");
            }
            ByteBuffer c = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            if (chunk.length < CHUNK_HEADER || c.getInt() != CHUNK_MAGIC || c.getShort() != CHUNK_VERSION) {
                throw new IllegalStateException("stored metrics: slot " + slot + " holds no metrics chunk of version " + CHUNK_VERSION
                        + " (" + chunk.length + " bytes)");
            }
            c.getShort();
            long from = c.getLong();
            int entries = c.getInt();
            if (entries <= 0 || from + entries != end || from < j * storedChunkSize || (long) entries * entrySize != c.remaining()) {
                throw new IllegalStateException("stored metrics: slot " + slot + " holds entries [" + from + ", " + (from + entries)
                        + ") in " + c.remaining() + " bytes; expected chunk " + j + ", ending at " + end);
            }
            int take = Math.min(entries, missing);
            metrics.getColumns(c, entries, take, missing - take);
            missing -= take;
            end = from;
        }
        if (metrics.classifier) {
            for (int i = 0; i < kept; i++) {
                if (metrics.label[i] < 0 || metrics.label[i] >= metrics.classes || metrics.predicted[i] < 0 || metrics.predicted[i] >= metrics.classes) {
                    throw new IllegalStateException("stored metrics: classes " + metrics.label[i] + " and " + metrics.predicted[i]
                            + " outside 0.." + (metrics.classes - 1));
                }
            }
        }
        metrics.count = kept;
        metrics.next = kept == metrics.window ? 0 : kept;
        metrics.total = total;
        if (metrics.chunkSize == 0) {
            metrics.sealed = total;
        } else if (format >= 3 && storedChunkSize == metrics.chunkSize && storedSlots == metrics.slots) {
            metrics.sealed = total - inline;
        } else {
            // a new layout: everything held is sealed again, from the chunk holding the oldest entry on
            metrics.sealed = (total - kept) / metrics.chunkSize * metrics.chunkSize;
        }
        if (storedSlots > metrics.slots) {
            metrics.staleFrom = metrics.slots;
            metrics.staleTo = storedSlots;
        }
        metrics.fadingWeight = in.getDouble();
        metrics.fadingFirst = in.getDouble();
        metrics.fadingSecond = in.getDouble();
        metrics.scoreRequests = in.getLong();
        metrics.divergentUpdates = in.getLong();
        metrics.changes = in.getLong();
        metrics.publishedChanges = in.getLong();
        int reasons = in.getShort();
        for (int r = 0; r < reasons; r++) {
            byte[] name = new byte[in.getShort()];
            in.get(name);
            long letters = in.getLong();
            for (RejectReason reason : RejectReason.values()) {
                if (reason.name().equals(new String(name, StandardCharsets.UTF_8))) {
                    metrics.deadLetters[reason.ordinal()] = letters;
                }
            }
        }
        return metrics;
    }
}
