package dev.backstream.data;

/**
 * One row of a bundled data set: a feature vector and its class.
 *
 * @param features the features (owned by the row; do not mutate)
 * @param label    the class index
 */
public record LabeledRow(double[] features, int label) {
}
