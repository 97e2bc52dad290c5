package dev.backstream.nn;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@link Parameters} of a {@link Dtype#FLOAT32} model: the same shapes and public order, one {@code float} per value.
 * Read out as {@code double}s (widening is exact), so every public API of a float32 model speaks float64 values that
 * are exactly the model's floats.
 */
final class FloatParameters {
    final float[][][] weights;
    final float[][] biases;

    private FloatParameters(float[][][] weights, float[][] biases) {
        this.weights = weights;
        this.biases = biases;
    }

    static FloatParameters zeros(Architecture architecture) {
        int depth = architecture.depth();
        float[][][] weights = new float[depth][][];
        float[][] biases = new float[depth][];
        for (int m = 0; m < depth; m++) {
            weights[m] = new float[architecture.width(m + 1)][architecture.width(m)];
            biases[m] = new float[architecture.width(m + 1)];
        }
        return new FloatParameters(weights, biases);
    }

    /**
     * Values in the public layout, each rounded to the nearest float.
     *
     * @throws IllegalArgumentException on a wrong length, or naming the layer and index of a value that is not finite
     *                                  or lies beyond the float range
     */
    static FloatParameters fromPublic(Architecture architecture, double[] values, String vector, String what) {
        Parameters.requireLength(values, architecture, vector);
        FloatParameters parameters = zeros(architecture);
        int offset = 0;
        for (int m = 0; m < parameters.weights.length; m++) {
            float[][] rows = parameters.weights[m];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < rows[i].length; j++) {
                    rows[i][j] = narrow(values[offset++], what, m, "weights[" + i + "][" + j + "]");
                }
            }
            for (int i = 0; i < parameters.biases[m].length; i++) {
                parameters.biases[m][i] = narrow(values[offset++], what, m, "biases[" + i + "]");
            }
        }
        return parameters;
    }

    /** The state vectors of {@code optimizer} for a float32 model: zeros for {@code values == null}. */
    static FloatParameters[] state(Architecture architecture, OptimizerSpec optimizer, double[][] values) {
        int vectors = optimizer.stateVectors();
        if (values != null && values.length != vectors) {
            throw new IllegalArgumentException("optimizer state: " + optimizer.type() + " keeps " + vectors
                    + " state vectors, found " + values.length);
        }
        FloatParameters[] state = new FloatParameters[vectors];
        for (int k = 0; k < vectors; k++) {
            state[k] = values == null ? zeros(architecture)
                    : fromPublic(architecture, values[k], "optimizer state vector " + k, "optimizer state " + k);
        }
        return state;
    }

    private static float narrow(double value, String what, int layer, String where) {
        float narrowed = (float) value;
        if (!Float.isFinite(narrowed)) {
            throw new IllegalArgumentException(what + " layer " + layer + " " + where + " is " + value
                    + "; expected a finite number within the float32 range");
        }
        return narrowed;
    }

    FloatParameters copy() {
        float[][][] w = new float[weights.length][][];
        float[][] b = new float[biases.length][];
        for (int m = 0; m < weights.length; m++) {
            w[m] = new float[weights[m].length][];
            for (int i = 0; i < weights[m].length; i++) {
                w[m][i] = weights[m][i].clone();
            }
            b[m] = biases[m].clone();
        }
        return new FloatParameters(w, b);
    }

    void copyFrom(FloatParameters source) {
        for (int m = 0; m < weights.length; m++) {
            for (int i = 0; i < weights[m].length; i++) {
                System.arraycopy(source.weights[m][i], 0, weights[m][i], 0, weights[m][i].length);
            }
            System.arraycopy(source.biases[m], 0, biases[m], 0, biases[m].length);
        }
    }

    /** The largest magnitude of any value, as a double; NaN if any value is NaN. */
    double maxAbs() {
        float max = 0f;
        for (int m = 0; m < weights.length; m++) {
            for (float[] row : weights[m]) {
                max = Math.max(max, maxAbs(row));
            }
            max = Math.max(max, maxAbs(biases[m]));
        }
        return max;
    }

    /** The largest magnitude in {@code values}; NaN if any is NaN. */
    static float maxAbs(float[] values) {
        float max = 0f;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    boolean bitEquals(FloatParameters other) {
        return Arrays.deepEquals(weights, other.weights) && Arrays.deepEquals(biases, other.biases);
    }

    /** Every value widened to double, in the public layout of {@link Parameters#toPublic()}. */
    double[] toPublic() {
        int count = 0;
        for (int m = 0; m < weights.length; m++) {
            count += weights[m].length * weights[m][0].length + biases[m].length;
        }
        double[] out = new double[count];
        int offset = 0;
        for (int m = 0; m < weights.length; m++) {
            for (float[] row : weights[m]) {
                for (float value : row) {
                    out[offset++] = value;
                }
            }
            for (float value : biases[m]) {
                out[offset++] = value;
            }
        }
        return out;
    }

    /** The same values as float64 {@link Parameters} (exact). */
    Parameters widened(Architecture architecture) {
        return Parameters.fromPublic(architecture.withDtype(Dtype.FLOAT64), toPublic(), "parameters", "parameter");
    }

    /** Bulk-writes every value as a 4-byte float in the public order, at the buffer's position. */
    void put(ByteBuffer out) {
        for (int m = 0; m < weights.length; m++) {
            for (float[] row : weights[m]) {
                put(out, row, row.length);
            }
            put(out, biases[m], biases[m].length);
        }
    }

    /** Bulk-reads every value in the order of {@link #put}. */
    void get(ByteBuffer in) {
        for (int m = 0; m < weights.length; m++) {
            for (float[] row : weights[m]) {
                in.asFloatBuffer().get(row);
                in.position(in.position() + 4 * row.length);
            }
            in.asFloatBuffer().get(biases[m]);
            in.position(in.position() + 4 * biases[m].length);
        }
    }

    static void put(ByteBuffer out, float[] values, int n) {
        out.asFloatBuffer().put(values, 0, n);
        out.position(out.position() + 4 * n);
    }
}
