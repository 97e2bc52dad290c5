package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SourceRecord;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Outcome;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * <p>Recording allocates nothing. Only the model's task thread touches an instance.
 */
final class PrequentialMetrics {
    private final boolean classifier;
    private final boolean softmax;
    private final int classes;
    private final int outputs;
    private final int window;
    private final double fadingFactor;
    /** Classifier: 1 if correct else 0; otherwise: mean absolute error of the entry. */
    private final double[] first;
    /** Classifier: the loss; otherwise: mean squared error of the entry. */
    private final double[] second;
    /** Classifier only: true and predicted class of each entry. */
    private final int[] label;
    private final int[] predicted;
    /** Index of the next entry to write, and entries held. */
    private int next;
    private int count;
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
        this.first = new double[window];
        this.second = new double[window];
        this.label = classifier ? new int[window] : null;
        this.predicted = classifier ? new int[window] : null;
    }

    // ------------------------------------------------------------------------------------------------- recording

    /** A labeled sample's update was applied: scores the prediction made before it ({@code outcome}) against the sample. */
    void learned(Sample sample, Outcome outcome) {
        double x;
        double y;
        if (classifier) {
            int truth = sample.label() != null ? sample.label() : classOfTarget(sample);
            int guess = outcome.predictedClass();
            x = truth == guess ? 1.0 : 0.0;
            y = outcome.loss();
            label[next] = truth;
            predicted[next] = guess;
        } else {
            double absolute = 0.0;
            double squared = 0.0;
            for (int i = 0; i < outputs; i++) {
                double d = sample.target(i) - outcome.output(i);
                absolute += Math.abs(d);
                squared += d * d;
            }
            x = absolute / outputs;
            y = squared / outputs;
        }
        add(x, y);
    }

    private void add(double x, double y) {
        first[next] = x;
        second[next] = y;
        next = next + 1 == window ? 0 : next + 1;
        if (count < window) {
            count++;
        }
        fadingWeight = fadingFactor * fadingWeight + 1.0;
        fadingFirst = fadingFactor * fadingFirst + x;
        fadingSecond = fadingFactor * fadingSecond + y;
        changes++;
    }

    /** The class a target vector stands for: its arg-max for a softmax output, {@code target ≥ 0.5} for one sigmoid unit. */
    private int classOfTarget(Sample sample) {
        if (!softmax) {
            return sample.target(0) >= 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int i = 1; i < outputs; i++) {
            if (sample.target(i) > sample.target(best)) {
                best = i;
            }
        }
        return best;
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
     * int entries n | the n entries column by column, oldest first: n doubles first, n doubles second[, n ints label,
     * n ints predicted if classifier] | double fading weight, fading first, fading second | long score requests,
     * divergent updates, changes, published changes | short reasons r | r times: short name length, UTF-8 name, long
     * count. Columns are copied in bulk: with a commit per record (the test driver) the window is encoded per record.
     */

    /** The size of {@link #encode}. */
    int encodedSize() {
        int size = 4 + count * (classifier ? 24 : 16) + 3 * 8 + 4 * 8 + 2;
        for (RejectReason reason : RejectReason.values()) {
            if (deadLetters[reason.ordinal()] > 0) {
                size += 2 + reason.name().getBytes(StandardCharsets.UTF_8).length + 8;
            }
        }
        return size;
    }

    void encode(ByteBuffer out) {
        out.putInt(count);
        int oldest = count < window ? 0 : next;
        int head = Math.min(count, window - oldest);
        out.asDoubleBuffer().put(first, oldest, head).put(first, 0, count - head);
        out.position(out.position() + 8 * count);
        out.asDoubleBuffer().put(second, oldest, head).put(second, 0, count - head);
        out.position(out.position() + 8 * count);
        if (classifier) {
            out.asIntBuffer().put(label, oldest, head).put(label, 0, count - head);
            out.position(out.position() + 4 * count);
            out.asIntBuffer().put(predicted, oldest, head).put(predicted, 0, count - head);
            out.position(out.position() + 4 * count);
        }
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

    /**
     * Reads what {@link #encode} wrote, into metrics with the current {@code settings}: if the window is now smaller
     * than the entries stored, the oldest are dropped; a changed fading factor applies from the next entry on. Dead
     * letter reasons this version does not know are dropped.
     */
    static PrequentialMetrics decode(ByteBuffer in, Architecture architecture, MetricsSettings settings) {
        PrequentialMetrics metrics = new PrequentialMetrics(architecture, settings);
        int stored = in.getInt();
        int entrySize = metrics.classifier ? 24 : 16;
        if (stored < 0 || (long) stored * entrySize > in.remaining()) {
            throw new IllegalStateException("stored metrics: " + stored + " window entries do not fit the " + in.remaining() + " bytes left");
        }
        int skip = Math.max(0, stored - metrics.window);
        int kept = stored - skip;
        in.position(in.position() + 8 * skip);
        in.asDoubleBuffer().get(metrics.first, 0, kept);
        in.position(in.position() + 8 * kept + 8 * skip);
        in.asDoubleBuffer().get(metrics.second, 0, kept);
        in.position(in.position() + 8 * kept);
        if (metrics.classifier) {
            in.position(in.position() + 4 * skip);
            in.asIntBuffer().get(metrics.label, 0, kept);
            in.position(in.position() + 4 * kept + 4 * skip);
            in.asIntBuffer().get(metrics.predicted, 0, kept);
            in.position(in.position() + 4 * kept);
            for (int i = 0; i < kept; i++) {
                if (metrics.label[i] < 0 || metrics.label[i] >= metrics.classes || metrics.predicted[i] < 0 || metrics.predicted[i] >= metrics.classes) {
                    throw new IllegalStateException("stored metrics: classes " + metrics.label[i] + " and " + metrics.predicted[i]
                            + " outside 0.." + (metrics.classes - 1));
                }
            }
        }
        metrics.count = kept;
        metrics.next = kept == metrics.window ? 0 : kept;
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
