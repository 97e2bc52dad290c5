package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Mlp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An event scored without its label and kept for it: what it encoded to, what the model predicted when it arrived (the
 * honest score of its label), and when.
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
 */
record PendingEvent(long timestamp, long sequence, long modelVersion, double[] features, double[] observed, double[] output,
                    int predictedClass, double[] classLosses) {

    byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(1 + 8 + 8 + 8 + 4 + 4 * 4 + 8 * (features.length + observed.length + output.length
                + classLosses.length)).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 1).putLong(timestamp).putLong(sequence).putLong(modelVersion).putInt(predictedClass);
        for (double[] values : new double[][] {features, observed, output, classLosses}) {
            out.putInt(values.length);
            for (double value : values) {
                out.putDouble(value);
            }
        }
        return out.array();
    }

    static PendingEvent decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte version = in.get();
        if (version != 1) {
            throw new IllegalStateException("pending event format " + version + " is not supported; expected 1");
        }
        long timestamp = in.getLong();
        long sequence = in.getLong();
        long modelVersion = in.getLong();
        int predictedClass = in.getInt();
        double[][] arrays = new double[4][];
        for (int k = 0; k < 4; k++) {
            arrays[k] = new double[in.getInt()];
            for (int i = 0; i < arrays[k].length; i++) {
                arrays[k][i] = in.getDouble();
            }
        }
        return new PendingEvent(timestamp, sequence, modelVersion, arrays[0], arrays[1], arrays[2], predictedClass, arrays[3]);
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
