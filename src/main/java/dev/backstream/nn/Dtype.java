package dev.backstream.nn;

/**
 * The number type a model's parameters and optimizer state are kept, computed and stored in.
 *
 * <ul>
 *   <li>{@link #FLOAT64}, the default, is the exact reference: every value a {@code double}.</li>
 *   <li>{@link #FLOAT32} keeps weights, biases and optimizer state as {@code float} and runs every operation over
 *       them (the forward products, the weight updates, backpropagation's transposed products) in {@code float}
 *       arithmetic: half the memory traffic and twice the SIMD lanes of a learning step, half the bytes in stores,
 *       changelogs and snapshots. Sigmoid and softmax run in {@code float} too, on a float {@code exp} within 1 ulp
 *       ({@link Float32Math}); the other per-unit values (tanh, ReLU and linear activations, deltas, the loss) are
 *       computed in {@code double} from float inputs with the float64 code and rounded to {@code float} where they
 *       enter a product. Bit-reproducible like float64: IEEE 754 operations in a fixed order, no fused
 *       multiply-add.</li>
 * </ul>
 */
public enum Dtype {
    FLOAT64("float64", Double.BYTES),
    FLOAT32("float32", Float.BYTES);

    private final String id;
    private final int bytes;

    Dtype(String id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** The name used in definitions and snapshots: {@code float64} or {@code float32}. */
    public String id() {
        return id;
    }

    /** Bytes per stored value. */
    public int bytes() {
        return bytes;
    }

    /**
     * The dtype named {@code id} ({@code float64} or {@code float32}).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Dtype of(String id) {
        for (Dtype dtype : values()) {
            if (dtype.id.equals(id)) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("unknown dtype \"" + id + "\"; expected one of: float64, float32");
    }

    @Override
    public String toString() {
        return id;
    }
}
