package dev.backstream.nn;

import java.util.Arrays;

/**
 * The network of {@code docs/math.md} in plain loops, one sample at a time: no kernels, no deferred update, no
 * bounds, no scratch buffers. The oracle that {@link DifferentialTest} holds {@link Mlp} to, bit for bit; read it
 * first. Sums are taken in the order the production code specifies (the dot product's sixteen partial sums of
 * {@link Kernels}, the clipping norm's factored form), since floating-point addition is not associative.
 */
final class ReferenceMlp {
    private final Architecture shape;
    private final OptimizerSpec optimizer;
    /** All weights and biases in the public layout: per layer, W row-major ({@code W_ij}: unit i, input j), then b. */
    private final double[] theta;
    /** Optimizer state in the same layout: momentum's velocity, or Adam's m (index 0) and v (index 1). */
    private final double[][] state;
    private long t; // steps applied, Adam's t

    ReferenceMlp(Architecture shape, OptimizerSpec optimizer, double[] parameters) {
        this.shape = shape;
        this.optimizer = optimizer;
        this.theta = parameters.clone();
        this.state = new double[optimizer.stateVectors()][parameters.length];
    }

    double[] parameters() {
        return theta.clone();
    }

    long stepsApplied() {
        return t;
    }

    /** One SGD-family step on (x, y); returns the prediction made before it. */
    double[] learn(double[] x, double[] y) {
        int depth = shape.depth();
        double[][] a = new double[depth + 1][];
        double[][] z = new double[depth][];
        a[0] = x;
        for (int m = 0; m < depth; m++) { // z_m = W_m a_m + b_m, a_{m+1} = σ_m(z_m)
            z[m] = new double[shape.width(m + 1)];
            for (int i = 0; i < z[m].length; i++) {
                z[m][i] = dot(m, i, a[m]) + theta[bias(m, i)];
            }
            a[m + 1] = activate(activation(m), z[m]);
        }
        double[][] delta = new double[depth][];
        delta[depth - 1] = new double[a[depth].length];
        for (int i = 0; i < y.length; i++) { // δ_L = a − y, times σ'(z_L) for squared error (fused otherwise)
            delta[depth - 1][i] = a[depth][i] - y[i];
            if (shape.loss() == Loss.SQUARED_ERROR) {
                delta[depth - 1][i] = timesDerivative(activation(depth - 1), delta[depth - 1][i], z[depth - 1][i], a[depth][i]);
            }
        }
        for (int m = depth - 1; m > 0; m--) { // δ_{m−1} = (W_mᵀ δ_m) ∘ σ'(z_{m−1})
            delta[m - 1] = new double[a[m].length];
            for (int j = 0; j < a[m].length; j++) {
                double sum = 0.0;
                for (int i = 0; i < delta[m].length; i++) {
                    sum += delta[m][i] * theta[weight(m, i, j)];
                }
                delta[m - 1][j] = timesDerivative(activation(m - 1), sum, z[m - 1][j], a[m][j]);
            }
        }
        double squared = 0.0; // ‖g‖² = Σ_m ‖δ_m‖² (‖a_m‖² + 1)
        for (int m = 0; m < depth; m++) {
            squared += sumOfSquares(delta[m]) * (sumOfSquares(a[m]) + 1.0);
        }
        double norm = Math.sqrt(squared); // clipped: g ← g · c / ‖g‖ when ‖g‖ > c > 0
        double scale = optimizer.clipNorm() > 0 && norm > optimizer.clipNorm() ? optimizer.clipNorm() / norm : 1.0;
        double[] g = new double[theta.length];
        boolean[] isWeight = new boolean[theta.length];
        for (int m = 0; m < depth; m++) {
            for (int i = 0; i < delta[m].length; i++) {
                double di = delta[m][i] * scale;
                for (int j = 0; j < a[m].length; j++) {
                    g[weight(m, i, j)] = di * a[m][j]; // ∂C/∂W_ij = δ_i a_j
                    isWeight[weight(m, i, j)] = true;
                }
                g[bias(m, i)] = di; // ∂C/∂b_i = δ_i
            }
        }
        step(g, isWeight);
        return a[depth].clone();
    }

    /** θ ← θ − λ u(g) for every parameter; nothing changes if any value would become non-finite. */
    private void step(double[] gradient, boolean[] isWeight) {
        double[] next = theta.clone();
        double[][] nextState = {state.length > 0 ? state[0].clone() : null, state.length > 1 ? state[1].clone() : null};
        for (int k = 0; k < theta.length; k++) {
            double g = isWeight[k] ? gradient[k] + optimizer.l2() * theta[k] : gradient[k]; // weight decay: weights only
            double rate = optimizer.learningRate();
            if (optimizer instanceof OptimizerSpec.Sgd) {
                next[k] = theta[k] - rate * g;
            } else if (optimizer instanceof OptimizerSpec.Momentum momentum) {
                double v = momentum.momentum() * state[0][k] + g;
                nextState[0][k] = v;
                next[k] = theta[k] - (momentum.nesterov() ? rate * (g + momentum.momentum() * v) : rate * v);
            } else if (optimizer instanceof OptimizerSpec.Adam adam) {
                double m = adam.beta1() * state[0][k] + (1.0 - adam.beta1()) * g;
                double v = adam.beta2() * state[1][k] + (1.0 - adam.beta2()) * (g * g);
                nextState[0][k] = m;
                nextState[1][k] = v;
                double mHat = m / (1.0 - StrictMath.pow(adam.beta1(), t + 1));
                double vHat = v / (1.0 - StrictMath.pow(adam.beta2(), t + 1));
                next[k] = theta[k] - rate * mHat / (Math.sqrt(vHat) + adam.epsilon());
            }
        }
        boolean finite = Arrays.stream(next).allMatch(Double::isFinite);
        for (int s = 0; s < state.length; s++) {
            finite &= Arrays.stream(nextState[s]).allMatch(Double::isFinite);
        }
        if (finite) {
            System.arraycopy(next, 0, theta, 0, theta.length);
            for (int s = 0; s < state.length; s++) {
                state[s] = nextState[s];
            }
            t++;
        }
    }

    /** {@code Σ_j W_ij in_j} in the kernels' order: sixteen interleaved partial sums, added as a tree, then the rest. */
    private double dot(int m, int i, double[] in) {
        double[] s = new double[16];
        int body = in.length - in.length % 16;
        for (int j = 0; j < body; j++) {
            s[j % 16] += theta[weight(m, i, j)] * in[j];
        }
        double[] u = new double[4];
        for (int l = 0; l < 4; l++) {
            u[l] = (s[l] + s[4 + l]) + (s[8 + l] + s[12 + l]);
        }
        double sum = (u[0] + u[1]) + (u[2] + u[3]);
        for (int j = body; j < in.length; j++) {
            sum += theta[weight(m, i, j)] * in[j];
        }
        return sum;
    }

    private static double[] activate(Activation activation, double[] z) {
        double[] a = new double[z.length];
        double max = Arrays.stream(z).reduce(z[0], Math::max);
        double sum = 0.0;
        for (int i = 0; i < z.length; i++) {
            a[i] = switch (activation) {
                case SIGMOID -> z[i] >= 0 ? 1.0 / (1.0 + Exp.exp(-z[i])) : Exp.exp(z[i]) / (1.0 + Exp.exp(z[i]));
                case TANH -> StrictMath.tanh(z[i]);
                case RELU -> z[i] > 0 ? z[i] : 0.0;
                case LINEAR -> z[i];
                case SOFTMAX -> Exp.exp(z[i] - max); // normalized below
            };
            sum += a[i];
        }
        for (int i = 0; activation == Activation.SOFTMAX && i < z.length; i++) {
            a[i] *= 1.0 / sum; // a_i = e^{z_i − max} / Σ_k e^{z_k − max}
        }
        return a;
    }

    /** {@code g · σ'(z)}, given z and a = σ(z); ReLU selects rather than multiplies by 0 or 1. */
    private static double timesDerivative(Activation activation, double g, double z, double a) {
        return switch (activation) {
            case SIGMOID -> g * (a * (1.0 - a));
            case TANH -> g * (1.0 - a * a);
            case RELU -> z >= 0 ? g : 0.0;
            case LINEAR -> g;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is only fused with categorical cross-entropy");
        };
    }

    private static double sumOfSquares(double[] values) {
        double sum = 0.0;
        for (double value : values) {
            sum += value * value;
        }
        return sum;
    }

    private Activation activation(int m) {
        return shape.layers().get(m).activation();
    }

    /** Index of {@code W_ij} of layer m in {@link #theta}. */
    private int weight(int m, int i, int j) {
        int offset = 0;
        for (int k = 0; k < m; k++) {
            offset += shape.width(k + 1) * (shape.width(k) + 1);
        }
        return offset + i * shape.width(m) + j;
    }

    /** Index of {@code b_i} of layer m in {@link #theta}. */
    private int bias(int m, int i) {
        return weight(m, 0, 0) + shape.width(m + 1) * shape.width(m) + i;
    }
}
