package dev.backstream.nn;

import java.util.Objects;

/**
 * One dense layer: its number of units {@code N^m} and its activation {@code σ^m}.
 *
 * @param units      number of units, at least 1
 * @param activation the layer's nonlinearity
 */
public record LayerSpec(int units, Activation activation) {
    public LayerSpec {
        Objects.requireNonNull(activation, "activation");
        if (units < 1) {
            throw new IllegalArgumentException("a layer needs at least 1 unit, found " + units);
        }
    }
}
