package dev.backstream.features;

/**
 * An event encoded by a {@link FeatureSpec}.
 *
 * @param features the model's input vector, {@link FeatureSpec#width()} values, all finite
 * @param observed the raw values the preprocessing state learns from when the event is learned
 *                 ({@link Preprocessing#learn(double[])}): one per stateful field in spec order, {@code NaN} where the
 *                 field was missing
 */
public record EncodedEvent(double[] features, double[] observed) {
}
