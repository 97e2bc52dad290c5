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
 */
public record Architecture(int inputs, List<LayerSpec> layers, Loss loss) {

    /** Upper bound on the parameter count, so that every parameter vector fits one Java array. */
    public static final int MAX_PARAMETERS = 100_000_000;

    public Architecture {
        Objects.requireNonNull(loss, "loss");
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

    /** A compact description such as {@code 64-32(sigmoid)-10(softmax) categorical_cross_entropy}. */
    public String describe() {
        StringBuilder text = new StringBuilder().append(inputs);
        for (LayerSpec layer : layers) {
            text.append('-').append(layer.units()).append('(').append(layer.activation().id()).append(')');
        }
        return text.append(' ').append(loss.id()).toString();
    }
}
