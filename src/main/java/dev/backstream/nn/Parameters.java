package dev.backstream.nn;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A set of values shaped like a network's weights and biases: the parameters themselves, or an optimizer state
 * vector (velocity, Adam moments).
 *
 * <p>Weights are stored per layer as one array per unit (row): {@code weights[m][i][j] = W_ij}, as in the tutorial
 * and the snapshot format. Updates and backpropagation then run over a row with every array indexed by the same
 * {@code j}, the form HotSpot's C2 compiler vectorizes (with one flat array and a per-row offset it cannot rule out
 * overlap and stays scalar, measured 3× slower on the 784×128 layer); the forward mix is a dot product per row,
 * see {@link Kernels}.
 */
final class Parameters {
    final double[][][] weights;
    final double[][] biases;

    private Parameters(double[][][] weights, double[][] biases) {
        this.weights = weights;
        this.biases = biases;
    }

    /** All zeros, shaped for {@code architecture}. */
    static Parameters zeros(Architecture architecture) {
        int depth = architecture.depth();
        double[][][] weights = new double[depth][][];
        double[][] biases = new double[depth][];
        for (int m = 0; m < depth; m++) {
            weights[m] = new double[architecture.width(m + 1)][architecture.width(m)];
            biases[m] = new double[architecture.width(m + 1)];
        }
        return new Parameters(weights, biases);
    }

    /**
     * Values in the public layout ({@link #toPublic}), checked: the length {@code architecture} needs, every value
     * finite.
     *
     * @param vector names the vector in the length error, e.g. "parameters"
     * @param what   names a value in the other errors, e.g. "parameter"
     * @throws IllegalArgumentException naming the expected and found length, or the layer and index of a bad value
     */
    static Parameters fromPublic(Architecture architecture, double[] values, String vector, String what) {
        int count = architecture.parameterCount();
        if (values.length != count) {
            throw new IllegalArgumentException(vector + ": expected " + count + " values for " + architecture.describe()
                    + ", found " + values.length);
        }
        Parameters parameters = zeros(architecture);
        parameters.fromPublic(values, what);
        return parameters;
    }

    /** Checks that {@code values} has one entry per parameter of {@code architecture}, naming {@code what} otherwise. */
    static void requireLength(double[] values, Architecture architecture, String what) {
        if (values.length != architecture.parameterCount()) {
            throw new IllegalArgumentException(what + ": expected " + architecture.parameterCount() + " values, found " + values.length);
        }
    }

    /** The state vectors of {@code optimizer}: all zeros for {@code values == null}, else {@link #fromPublic} of each. */
    static Parameters[] state(Architecture architecture, OptimizerSpec optimizer, double[][] values) {
        int vectors = optimizer.stateVectors();
        if (values != null && values.length != vectors) {
            throw new IllegalArgumentException("optimizer state: " + optimizer.type() + " keeps " + vectors
                    + " state vectors, found " + values.length);
        }
        Parameters[] state = new Parameters[vectors];
        for (int k = 0; k < vectors; k++) {
            state[k] = values == null ? zeros(architecture) : fromPublic(architecture, values[k], "optimizer state vector " + k, "optimizer state " + k);
        }
        return state;
    }

    /**
     * Writes the loss gradient of every weight and bias in the public layout: {@code ∂C/∂W_ij = δ_i a_j} with
     * {@code a[m]} layer {@code m}'s input, then {@code ∂C/∂b_i = δ_i}, layer by layer.
     */
    static void writeGradient(double[][] a, double[][] delta, double[] out) {
        int offset = 0;
        for (int m = 0; m < delta.length; m++) {
            for (double di : delta[m]) {
                for (double aj : a[m]) {
                    out[offset++] = di * aj;
                }
            }
            for (double di : delta[m]) {
                out[offset++] = di;
            }
        }
    }

    /** {@code offset} empty slots, then per layer one array with a value per unit. */
    static double[][] perUnit(Architecture architecture, int offset) {
        double[][] buffers = new double[offset + architecture.depth()][];
        for (int m = 0; m < architecture.depth(); m++) {
            buffers[offset + m] = new double[architecture.width(m + 1)];
        }
        return buffers;
    }

    Parameters copy() {
        double[][][] w = new double[weights.length][][];
        double[][] b = new double[biases.length][];
        for (int m = 0; m < weights.length; m++) {
            w[m] = new double[weights[m].length][];
            for (int j = 0; j < weights[m].length; j++) {
                w[m][j] = weights[m][j].clone();
            }
            b[m] = biases[m].clone();
        }
        return new Parameters(w, b);
    }

    void copyFrom(Parameters source) {
        for (int m = 0; m < weights.length; m++) {
            for (int j = 0; j < weights[m].length; j++) {
                System.arraycopy(source.weights[m][j], 0, weights[m][j], 0, weights[m][j].length);
            }
            System.arraycopy(source.biases[m], 0, biases[m], 0, biases[m].length);
        }
    }

    /** The largest magnitude of any value; NaN if any value is NaN. */
    double maxAbs() {
        double max = 0.0;
        for (int m = 0; m < weights.length; m++) {
            for (double[] row : weights[m]) {
                max = Math.max(max, maxAbs(row));
            }
            max = Math.max(max, maxAbs(biases[m]));
        }
        return max;
    }

    private static double maxAbs(double[] values) {
        double max = 0.0;
        for (double value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    boolean bitEquals(Parameters other) {
        return Arrays.deepEquals(weights, other.weights) && Arrays.deepEquals(biases, other.biases);
    }

    /**
     * Number of values. The public layout orders them layer by layer, each layer's weights row-major
     * ({@code W_00, W_01, …}) followed by its biases.
     */
    int count() {
        int count = 0;
        for (int m = 0; m < weights.length; m++) {
            count += weights[m].length * weights[m][0].length + biases[m].length;
        }
        return count;
    }

    double[] toPublic() {
        double[] out = new double[count()];
        int offset = 0;
        for (int m = 0; m < weights.length; m++) {
            for (double[] row : weights[m]) {
                System.arraycopy(row, 0, out, offset, row.length);
                offset += row.length;
            }
            System.arraycopy(biases[m], 0, out, offset, biases[m].length);
            offset += biases[m].length;
        }
        return out;
    }

    /**
     * Fills from the public layout, rejecting non-finite values with their position.
     *
     * @param what names the vector in error messages, e.g. "parameter"
     */
    void fromPublic(double[] values, String what) {
        int offset = 0;
        for (int m = 0; m < weights.length; m++) {
            int nOut = biases[m].length;
            for (int i = 0; i < nOut; i++) {
                double[] row = weights[m][i];
                for (int j = 0; j < row.length; j++) {
                    double value = values[offset + j];
                    requireFinite(value, what, m, "weights[" + i + "][" + j + "]");
                    row[j] = value;
                }
                offset += row.length;
            }
            for (int i = 0; i < nOut; i++) {
                double value = values[offset + i];
                requireFinite(value, what, m, "biases[" + i + "]");
                biases[m][i] = value;
            }
            offset += nOut;
        }
    }

    private static void requireFinite(double value, String what, int layer, String where) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(what + " layer " + layer + " " + where + " is " + value + "; expected a finite number");
        }
    }

    /** Bulk-writes every value in the public order (per layer: the weight rows, then the biases) at the buffer's position. */
    void put(ByteBuffer out) {
        for (int m = 0; m < weights.length; m++) {
            for (double[] row : weights[m]) {
                put(out, row);
            }
            put(out, biases[m]);
        }
    }

    /** Bulk-reads every value in the order of {@link #put}. */
    void get(ByteBuffer in) {
        for (int m = 0; m < weights.length; m++) {
            for (double[] row : weights[m]) {
                get(in, row);
            }
            get(in, biases[m]);
        }
    }

    private static void put(ByteBuffer out, double[] values) {
        put(out, values, values.length);
    }

    /** Bulk-writes {@code values[0..n)} at the buffer's position. */
    static void put(ByteBuffer out, double[] values, int n) {
        out.asDoubleBuffer().put(values, 0, n);
        out.position(out.position() + 8 * n);
    }

    private static void get(ByteBuffer in, double[] values) {
        in.asDoubleBuffer().get(values);
        in.position(in.position() + 8 * values.length);
    }
}
