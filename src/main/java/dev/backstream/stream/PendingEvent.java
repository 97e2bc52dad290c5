package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Mlp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An event scored without its label and kept for it: what it encoded to, what the model and each of its challengers
 * predicted when it arrived (the honest scores of its label), and when.
 *
 * @param timestamp      the event's record timestamp
 * @param sequence       its place in its model's arrival order (eviction takes the lowest)
 * @param modelVersion   the model's update count when it scored the event
 * @param features       the encoded input vector, learned when the label comes
 * @param observed       the raw values the preprocessing state learns then
 * @param output         the prediction made on arrival
 * @param predictedClass the class predicted on arrival, or -1 for a model without class labels
 * @param classLosses    for a classifier, the loss the arrival prediction would have had for each class label (computed
 *                       by the model then, as its learning step computes it); empty otherwise
 * @param challengers    the arrival predictions of the model's challengers, by name in the model's order (empty for an
 *                       event kept in format 1, before challengers were scored on arrival)
 */
record PendingEvent(long timestamp, long sequence, long modelVersion, double[] features, double[] observed, double[] output,
                    int predictedClass, double[] classLosses, List<ChallengerScore> challengers) {

    /**
     * A challenger's prediction on the kept event, made when it arrived.
     *
     * @param name           the challenger's name
     * @param output         its output
     * @param predictedClass its predicted class, or -1 for a model without class labels
     * @param classLosses    as {@link PendingEvent#classLosses}, for the challenger
     */
    record ChallengerScore(String name, double[] output, int predictedClass, double[] classLosses) {
    }

    PendingEvent {
        challengers = List.copyOf(challengers);
    }

    /** The challenger {@code name}'s arrival prediction, or null if it made none (it did not exist then). */
    ChallengerScore challenger(String name) {
        for (ChallengerScore score : challengers) {
            if (score.name().equals(name)) {
                return score;
            }
        }
        return null;
    }

    /** This event as {@code score}'s challenger scored it on arrival: what its metrics score the label against. */
    PendingEvent scoredBy(ChallengerScore score) {
        return new PendingEvent(timestamp, sequence, modelVersion, features, observed, score.output(), score.predictedClass(),
                score.classLosses(), List.of());
    }

    /**
     * Format 2: format 1 (version byte, timestamp, sequence, model version, predicted class, then features, observed,
     * output and class losses, each an int length and its doubles), then the number of challenger scores and each:
     * its name (int length, UTF-8), its predicted class, its output and its class losses. Little-endian.
     */
    byte[] encode() {
        int size = 1 + 8 + 8 + 8 + 4 + 4 * 4 + 8 * (features.length + observed.length + output.length + classLosses.length) + 4;
        List<byte[]> names = new ArrayList<>(challengers.size());
        for (ChallengerScore score : challengers) {
            byte[] name = score.name().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 4 + name.length + 4 + 4 + 8 * score.output().length + 4 + 8 * score.classLosses().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 2).putLong(timestamp).putLong(sequence).putLong(modelVersion).putInt(predictedClass);
        for (double[] values : new double[][] {features, observed, output, classLosses}) {
            putArray(out, values);
        }
        out.putInt(challengers.size());
        for (int k = 0; k < challengers.size(); k++) {
            ChallengerScore score = challengers.get(k);
            out.putInt(names.get(k).length).put(names.get(k)).putInt(score.predictedClass());
            putArray(out, score.output());
            putArray(out, score.classLosses());
        }
        return out.array();
    }

    private static void putArray(ByteBuffer out, double[] values) {
        out.putInt(values.length);
        for (double value : values) {
            out.putDouble(value);
        }
    }

    private static double[] getArray(ByteBuffer in) {
        double[] values = new double[in.getInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.getDouble();
        }
        return values;
    }

    /** Reads format 2, or format 1 (no challenger scores). */
    static PendingEvent decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte version = in.get();
        if (version != 1 && version != 2) {
            throw new IllegalStateException("pending event format " + version + " is not supported; expected 1 or 2");
        }
        long timestamp = in.getLong();
        long sequence = in.getLong();
        long modelVersion = in.getLong();
        int predictedClass = in.getInt();
        double[][] arrays = new double[4][];
        for (int k = 0; k < 4; k++) {
            arrays[k] = getArray(in);
        }
        List<ChallengerScore> challengers = List.of();
        if (version == 2) {
            int count = in.getInt();
            challengers = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                byte[] name = new byte[in.getInt()];
                in.get(name);
                int predicted = in.getInt();
                double[] output = getArray(in);
                challengers.add(new ChallengerScore(new String(name, StandardCharsets.UTF_8), output, predicted, getArray(in)));
            }
        }
        return new PendingEvent(timestamp, sequence, modelVersion, arrays[0], arrays[1], arrays[2], predictedClass, arrays[3], challengers);
    }

    /**
     * For a classifier, the loss its prediction {@code output} on {@code features} has against each class label, exactly
     * as its learning step would compute it then ({@code −log aᵢ} for a softmax output, recomputed by the model from
     * the logits where {@code aᵢ} underflowed to 0); empty for other models.
     */
    static double[] classLosses(Mlp model, double[] features, double[] output) {
        int classes = model.architecture().classes();
        double[] losses = new double[classes];
        boolean softmax = model.architecture().outputActivation() == Activation.SOFTMAX;
        for (int c = 0; c < classes; c++) {
            if (softmax && output[c] != 0.0) {
                losses[c] = 0.0 - StrictMath.log(output[c]); // Loss.CATEGORICAL_CROSS_ENTROPY for a one-hot target
                continue;
            }
            double[] target = softmax ? new double[classes] : new double[] {c};
            if (softmax) {
                target[c] = 1.0;
            }
            losses[c] = model.loss(features, target);
        }
        return losses;
    }

    /** The loss of the arrival prediction against {@code sample}'s label: kept per class for a classifier, ½‖y − a‖² otherwise. */
    double loss(Sample sample, Architecture architecture) {
        if (architecture.classes() > 0) {
            return lossOf(sample.trueClass());
        }
        double sum = 0.0;
        for (int i = 0; i < output.length; i++) {
            double d = sample.target(i) - output[i];
            sum += d * d;
        }
        return 0.5 * sum;
    }

    /** The loss of the arrival prediction against class {@code label}. */
    double lossOf(int label) {
        return label >= 0 && label < classLosses.length ? classLosses[label] : Double.NaN;
    }
}
