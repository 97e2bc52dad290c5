package dev.backstream.nn;

import java.util.List;
import java.util.Objects;

/**
 * The shape of a multi-layer perceptron: the input width {@code N^0}, the layers {@code 1..L} and the loss.
 *
 * <p>Validated at construction: softmax only on the output layer, and the output activation must be one the loss
 * supports (squared error with linear, sigmoid, tanh or relu; binary cross-entropy with sigmoid; categorical
 * cross-entropy with softmax). Messages name both parts of an invalid pairing.
 *
 * @param inputs number of input features {@code N^0}, at least 1
 * @param layers the layers in order from the first hidden layer to the output layer; at least one
 * @param loss   the loss the output layer is trained with
 * @param dtype  the number type of the parameters ({@link Dtype#FLOAT64} unless a definition says otherwise)
 */
public record Architecture(int inputs, List<LayerSpec> layers, Loss loss, Dtype dtype) {

    /** Upper bound on the parameter count, so that every parameter vector fits one Java array. */
    public static final int MAX_PARAMETERS = 100_000_000;

    public Architecture {
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(dtype, "dtype");
        layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
        if (inputs < 1) {
            throw new IllegalArgumentException("a model needs at least 1 input, found " + inputs);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least 1 layer (the output layer), found none");
        }
        long parameters = 0;
        int fanIn = inputs;
        for (int m = 0; m < layers.size(); m++) {
            LayerSpec layer = layers.get(m);
            boolean output = m == layers.size() - 1;
            if (!output && !layer.activation().allowedInHiddenLayer()) {
                throw new IllegalArgumentException("layer " + m + " is hidden but uses " + layer.activation().id()
                        + ", which is allowed on the output layer only");
            }
            parameters += (long) layer.units() * fanIn + layer.units();
            fanIn = layer.units();
        }
        if (parameters > MAX_PARAMETERS) {
            throw new IllegalArgumentException("the model has " + parameters + " parameters, more than the maximum " + MAX_PARAMETERS);
        }
        LayerSpec output = layers.get(layers.size() - 1);
        if (!loss.supports(output.activation())) {
            throw new IllegalArgumentException("loss " + loss.id() + " cannot be paired with output activation "
                    + output.activation().id() + "; " + loss.id() + " needs one of: " + loss.supportedActivations());
        }
        if (output.activation() == Activation.SOFTMAX && output.units() < 2) {
            throw new IllegalArgumentException("a softmax output needs at least 2 units, found " + output.units()
                    + "; use one sigmoid unit with binary_cross_entropy for two classes");
        }
    }

    /** A float64 architecture. */
    public Architecture(int inputs, List<LayerSpec> layers, Loss loss) {
        this(inputs, layers, loss, Dtype.FLOAT64);
    }

    /** The same shape and loss with parameters of {@code dtype}. */
    public Architecture withDtype(Dtype dtype) {
        return new Architecture(inputs, layers, loss, dtype);
    }

    /** Convenience: {@code of(64, Loss.CATEGORICAL_CROSS_ENTROPY, new LayerSpec(32, SIGMOID), new LayerSpec(10, SOFTMAX))}. */
    public static Architecture of(int inputs, Loss loss, LayerSpec... layers) {
        return new Architecture(inputs, List.of(layers), loss);
    }

    /** Number of layers {@code L} (hidden layers plus the output layer). */
    public int depth() {
        return layers.size();
    }

    /** {@code N^m} for {@code m} in {@code 0..L}: the input width for 0, the layer's units otherwise. */
    public int width(int m) {
        return m == 0 ? inputs : layers.get(m - 1).units();
    }

    /** Number of output units {@code N^L}. */
    public int outputs() {
        return layers.get(layers.size() - 1).units();
    }

    /** The output layer's activation. */
    public Activation outputActivation() {
        return layers.get(layers.size() - 1).activation();
    }

    /**
     * The number of classes when the model is a classifier that accepts a class-index label: the output units of a
     * softmax output, or 2 for a single sigmoid unit; 0 when labels are not accepted (use targets instead).
     */
    public int classes() {
        Activation out = outputActivation();
        if (out == Activation.SOFTMAX) {
            return outputs();
        }
        if (out == Activation.SIGMOID && outputs() == 1) {
            return 2;
        }
        return 0;
    }

    /** Total number of weights and biases. */
    public int parameterCount() {
        int count = 0;
        for (int m = 1; m <= depth(); m++) {
            count += width(m) * width(m - 1) + width(m);
        }
        return count;
    }

    /**
     * Checks a feature vector for this model: {@link #inputs()} finite numbers.
     *
     * @throws InvalidSampleException naming the index, the value, what was expected and what was found
     */
    public void validateFeatures(double[] features) {
        Objects.requireNonNull(features, "features");
        if (features.length != inputs) {
            throw new InvalidSampleException(InvalidSampleException.Problem.WRONG_FEATURE_COUNT,
                    "features: expected " + inputs + " values, found " + features.length);
        }
        if (dtype == Dtype.FLOAT32) {
            for (int j = 0; j < features.length; j++) {
                if (!Float.isFinite((float) features[j])) { // also catches NaN and ±Infinity
                    throw new InvalidSampleException(InvalidSampleException.Problem.NON_FINITE_VALUE, "features[" + j + "] is "
                            + features[j] + "; expected a finite number" + (Double.isFinite(features[j])
                            ? " within the float32 range of this model (|x| < 3.4e38)" : ""));
                }
            }
            return;
        }
        for (int j = 0; j < features.length; j++) {
            if (!Double.isFinite(features[j])) {
                throw new InvalidSampleException(InvalidSampleException.Problem.NON_FINITE_VALUE,
                        "features[" + j + "] is " + features[j] + "; expected a finite number");
            }
        }
    }

    /**
     * Checks a target vector for this model: one finite value per output, in [0, 1] for the cross-entropies, summing to
     * 1 for categorical cross-entropy.
     *
     * @throws InvalidSampleException naming the index, the value, what was expected and what was found
     */
    public void validateTarget(double[] target) {
        Objects.requireNonNull(target, "target");
        int outputs = outputs();
        if (target.length != outputs) {
            throw new InvalidSampleException(InvalidSampleException.Problem.WRONG_TARGET_COUNT,
                    "target: expected " + outputs + " values, found " + target.length);
        }
        double sum = 0.0;
        for (int i = 0; i < outputs; i++) {
            double y = target[i];
            if (!Double.isFinite(y)) {
                throw new InvalidSampleException(InvalidSampleException.Problem.NON_FINITE_VALUE,
                        "target[" + i + "] is " + y + "; expected a finite number");
            }
            if (loss.targetsAreProbabilities() && (y < 0 || y > 1)) {
                throw new InvalidSampleException(InvalidSampleException.Problem.TARGET_OUT_OF_RANGE,
                        "target[" + i + "] is " + y + "; " + loss.id() + " expects values in [0, 1]");
            }
            sum += y;
        }
        if (loss == Loss.CATEGORICAL_CROSS_ENTROPY && Math.abs(sum - 1.0) > 1e-6) {
            throw new InvalidSampleException(InvalidSampleException.Problem.TARGET_OUT_OF_RANGE,
                    "target sums to " + sum + "; categorical_cross_entropy expects a probability distribution summing to 1");
        }
    }

    /**
     * Checks a class-index label for this model (see {@link #classes()}).
     *
     * @throws InvalidSampleException if the model takes no labels or the label is out of range
     */
    public void validateLabel(int label) {
        int classes = classes();
        if (classes == 0) {
            throw new InvalidSampleException(InvalidSampleException.Problem.LABEL_NOT_SUPPORTED,
                    "label given, but this model has " + outputs() + " " + outputActivation().id()
                            + " output(s) and takes a target with one value per output");
        }
        if (label < 0 || label >= classes) {
            throw new InvalidSampleException(InvalidSampleException.Problem.LABEL_OUT_OF_RANGE,
                    "label " + label + " is out of range: expected 0.." + (classes - 1));
        }
    }

    /**
     * The target vector of class-index {@code label}, written into {@code target} and returned: one-hot for a softmax
     * output, the label itself (0 or 1) for a single sigmoid unit.
     *
     * @throws InvalidSampleException as {@link #validateLabel}
     */
    double[] targetOf(int label, double[] target) {
        validateLabel(label);
        if (outputActivation() == Activation.SOFTMAX) {
            java.util.Arrays.fill(target, 0.0);
            target[label] = 1.0;
        } else {
            target[0] = label;
        }
        return target;
    }

    /**
     * A compact description such as {@code 64-32(sigmoid)-10(softmax) categorical_cross_entropy}, followed by
     * {@code  float32} for a float32 model.
     */
    public String describe() {
        StringBuilder text = new StringBuilder().append(inputs);
        for (LayerSpec layer : layers) {
            text.append('-').append(layer.units()).append('(').append(layer.activation().id()).append(')');
        }
        text.append(' ').append(loss.id());
        return dtype == Dtype.FLOAT64 ? text.toString() : text.append(' ').append(dtype.id()).toString();
    }
}
