package dev.backstream.nn;

import java.util.Arrays;

/**
 * What one {@link Mlp#learn} or {@link Mlp#predict} call produced: the output of the model as it was before any
 * update, the loss of that output (learning only), and whether the update was applied.
 *
 * <p>To keep the hot path free of allocation, each model owns one instance and overwrites it on every call: read
 * what you need (or {@link #copyOutput()}) before the next call on the same model.
 */
public final class Outcome {
    private final double[] output;
    private final int classes;
    private long modelVersion;
    private double loss = Double.NaN;
    private boolean learned;
    private boolean updateApplied;

    Outcome(int outputs, int classes) {
        this.output = new double[outputs];
        this.classes = classes;
    }

    void set(double[] source, long modelVersion, double loss, boolean learned, boolean updateApplied) {
        System.arraycopy(source, 0, output, 0, output.length);
        this.modelVersion = modelVersion;
        this.loss = loss;
        this.learned = learned;
        this.updateApplied = updateApplied;
    }

    /** Number of output units. */
    public int outputs() {
        return output.length;
    }

    /** Output unit {@code i} of the prediction. */
    public double output(int i) {
        return output[i];
    }

    /** A copy of the prediction. */
    public double[] copyOutput() {
        return output.clone();
    }

    /** The number of updates the model had applied when it made this prediction. */
    public long modelVersion() {
        return modelVersion;
    }

    /** The loss of the prediction against the sample's target; NaN for a plain prediction. */
    public double loss() {
        return loss;
    }

    /** Whether this outcome comes from {@link Mlp#learn} (as opposed to {@link Mlp#predict}). */
    public boolean learned() {
        return learned;
    }

    /**
     * For a learning step: whether the update was applied. False means the update would have made a parameter or
     * optimizer state non-finite, and the model was left exactly as it was.
     */
    public boolean updateApplied() {
        return updateApplied;
    }

    /**
     * The predicted class for classifiers (the arg-max of a softmax output; {@code output ≥ 0.5} for a single sigmoid
     * unit), or -1 for models that do not accept class labels.
     */
    public int predictedClass() {
        if (classes == 2 && output.length == 1) {
            return output[0] >= 0.5 ? 1 : 0;
        }
        if (classes == 0) {
            return -1;
        }
        int best = 0;
        for (int i = 1; i < output.length; i++) {
            if (output[i] > output[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "Outcome[output=" + Arrays.toString(output) + ", modelVersion=" + modelVersion + ", loss=" + loss
                + ", updateApplied=" + updateApplied + "]";
    }
}
