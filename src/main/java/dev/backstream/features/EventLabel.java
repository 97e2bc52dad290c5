package dev.backstream.features;

/**
 * An event's label as the model learns it: a class index (a named class through the spec's list, or 0/1 from a
 * threshold), or a regression target.
 *
 * @param classIndex the class, or null for a regression target
 * @param target     one value per output unit, or null for a class
 */
public record EventLabel(Integer classIndex, double[] target) {
}
