package dev.backstream.nn;

/**
 * Deterministic initial weights from a seed: Glorot/Xavier uniform {@code U(±√(6/(N_in+N_out)))} for sigmoid, tanh,
 * linear and softmax layers, He uniform {@code U(±√(6/N_in))} for ReLU layers, biases zero. Weights are drawn from
 * {@link SplitMix64} in layer order, then row-major ({@code i}, then {@code j}), so the seed fixes every bit.
 */
final class Initialization {
    private Initialization() {
    }

    static Parameters glorotOrHe(Architecture architecture, long seed) {
        Parameters params = Parameters.zeros(architecture);
        SplitMix64 random = new SplitMix64(seed);
        for (int m = 0; m < architecture.depth(); m++) {
            int fanIn = architecture.width(m);
            int fanOut = architecture.width(m + 1);
            double limit = architecture.layers().get(m).activation() == Activation.RELU
                    ? Math.sqrt(6.0 / fanIn)
                    : Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < fanOut; i++) {
                for (int j = 0; j < fanIn; j++) {
                    params.weights[m][i][j] = limit * (2.0 * random.nextDouble() - 1.0);
                }
            }
        }
        return params;
    }
}
