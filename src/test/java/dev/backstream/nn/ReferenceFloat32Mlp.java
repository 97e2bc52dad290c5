package dev.backstream.nn;

/**
 * A {@link Dtype#FLOAT32} network in plain loops, written from {@code Float32Network}'s contract and nothing else:
 * parameters and optimizer state are floats and every operation over them is float arithmetic (sums in the kernels'
 * documented order of 32 partial sums); sigmoid and softmax are {@link Float32Math}'s float functions; the other
 * per-unit values (tanh, ReLU, linear, derivatives, deltas, loss) are doubles from float inputs, rounded to float where
 * they enter a product or leave a layer. No kernels, no deferred update, no
 * bounds. {@link Float32DifferentialTest} holds the production model to it bit for bit.
 */
final class ReferenceFloat32Mlp {
    private final Architecture shape;
    private final OptimizerSpec optimizer;
    private final float[] theta;
    private final float[][] state;
    private long t;

    ReferenceFloat32Mlp(Architecture shape, OptimizerSpec optimizer, double[] parameters) {
        this.shape = shape;
        this.optimizer = optimizer;
        this.theta = new float[parameters.length];
        for (int k = 0; k < parameters.length; k++) {
            theta[k] = (float) parameters[k];
        }
        this.state = new float[optimizer.stateVectors()][parameters.length];
    }

    double[] parameters() {
        double[] out = new double[theta.length];
        for (int k = 0; k < theta.length; k++) {
            out[k] = theta[k];
        }
        return out;
    }

    long stepsApplied() {
        return t;
    }

    double[] learn(double[] x, double[] y) {
        int depth = shape.depth();
        float[][] in = new float[depth + 1][]; // what each layer's product reads: rounded x, rounded activations
        double[][] a = new double[depth + 1][];
        double[][] z = new double[depth][];
        in[0] = round(x);
        a[0] = widen(in[0]);
        for (int m = 0; m < depth; m++) {
            z[m] = new double[shape.width(m + 1)];
            for (int i = 0; i < z[m].length; i++) {
                z[m][i] = dot(m, i, in[m]) + theta[bias(m, i)]; // a float sum, then widened
            }
            in[m + 1] = activate(activation(m), z[m]);
            a[m + 1] = widen(in[m + 1]);
        }
        float[][] delta = new float[depth][];
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = a[depth][i] - y[i];
            if (shape.loss() == Loss.SQUARED_ERROR) {
                out[i] = timesDerivative(activation(depth - 1), out[i], z[depth - 1][i], a[depth][i]);
            }
        }
        delta[depth - 1] = round(out);
        for (int m = depth - 1; m > 0; m--) {
            double[] below = new double[a[m].length];
            for (int j = 0; j < below.length; j++) {
                float sum = 0f;
                for (int i = 0; i < delta[m].length; i++) {
                    sum += delta[m][i] * theta[weight(m, i, j)];
                }
                below[j] = timesDerivative(activation(m - 1), sum, z[m - 1][j], a[m][j]);
            }
            delta[m - 1] = round(below);
        }
        if (optimizer.clipNorm() > 0) {
            double squared = 0.0;
            for (int m = 0; m < depth; m++) {
                squared += sumOfSquares(widen(delta[m])) * (sumOfSquares(a[m]) + 1.0);
            }
            double norm = Math.sqrt(squared);
            if (norm > optimizer.clipNorm()) {
                double scale = optimizer.clipNorm() / norm;
                for (float[] dm : delta) {
                    for (int i = 0; i < dm.length; i++) {
                        dm[i] = (float) (dm[i] * scale);
                    }
                }
            }
        }
        step(in, delta);
        return a[depth].clone();
    }

    /** θ ← θ − λ u(g) in float, g_ij = δ_i a_j; nothing changes if any value would become non-finite. */
    private void step(float[][] in, float[][] delta) {
        float[] next = theta.clone();
        float[][] nextState = new float[state.length][];
        for (int s = 0; s < state.length; s++) {
            nextState[s] = state[s].clone();
        }
        float rate = (float) optimizer.learningRate();
        float l2 = (float) optimizer.l2();
        for (int m = 0; m < delta.length; m++) {
            for (int i = 0; i < delta[m].length; i++) {
                for (int j = 0; j <= in[m].length; j++) {
                    boolean isWeight = j < in[m].length;
                    int k = isWeight ? weight(m, i, j) : bias(m, i);
                    float g = isWeight ? delta[m][i] * in[m][j] + l2 * theta[k] : delta[m][i];
                    if (optimizer instanceof OptimizerSpec.Sgd && l2 == 0f) {
                        next[k] = theta[k] - (rate * delta[m][i]) * (isWeight ? in[m][j] : 1f); // s_i = λ δ_i, then s_i a_j
                    } else if (optimizer instanceof OptimizerSpec.Sgd) {
                        next[k] = theta[k] - rate * g;
                    } else if (optimizer instanceof OptimizerSpec.Momentum momentum) {
                        float mu = (float) momentum.momentum();
                        float v = mu * state[0][k] + g;
                        nextState[0][k] = v;
                        next[k] = theta[k] - (momentum.nesterov() ? rate * (g + mu * v) : rate * v);
                    } else if (optimizer instanceof OptimizerSpec.Adam adam) {
                        float m1 = (float) adam.beta1() * state[0][k] + (float) (1.0 - adam.beta1()) * g;
                        float v = (float) adam.beta2() * state[1][k] + (float) (1.0 - adam.beta2()) * (g * g);
                        nextState[0][k] = m1;
                        nextState[1][k] = v;
                        float c1 = (float) (1.0 - StrictMath.pow(adam.beta1(), t + 1));
                        float c2 = (float) (1.0 - StrictMath.pow(adam.beta2(), t + 1));
                        next[k] = theta[k] - rate * (m1 / c1) / ((float) Math.sqrt(v / c2) + (float) adam.epsilon());
                    }
                }
            }
        }
        boolean finite = allFinite(next);
        for (float[] vector : nextState) {
            finite &= allFinite(vector);
        }
        if (finite) {
            System.arraycopy(next, 0, theta, 0, theta.length);
            for (int s = 0; s < state.length; s++) {
                state[s] = nextState[s];
            }
            t++;
        }
    }

    /** {@code Σ_j W_ij in_j} in float: 32 interleaved partial sums, reduced as documented in {@link Kernels}, then the rest. */
    private float dot(int m, int i, float[] in) {
        float[] s = new float[32];
        int body = in.length - in.length % 32;
        for (int j = 0; j < body; j++) {
            s[j % 32] += theta[weight(m, i, j)] * in[j];
        }
        float[] u = new float[16];
        for (int l = 0; l < 16; l++) {
            u[l] = s[l] + s[16 + l];
        }
        float[] v = new float[8];
        for (int l = 0; l < 8; l++) {
            v[l] = u[l] + u[8 + l];
        }
        float[] w = new float[4];
        for (int l = 0; l < 4; l++) {
            w[l] = v[l] + v[4 + l];
        }
        float sum = (w[0] + w[1]) + (w[2] + w[3]);
        for (int j = body; j < in.length; j++) {
            sum += theta[weight(m, i, j)] * in[j];
        }
        return sum;
    }

    /** σ(z) as floats: sigmoid and softmax in float (z holds floats), the others in double, rounded. */
    private static float[] activate(Activation activation, double[] z) {
        float[] zf = round(z);
        float[] out = new float[z.length];
        if (activation == Activation.SIGMOID) {
            for (int i = 0; i < z.length; i++) {
                out[i] = Float32Math.sigmoid(zf[i]);
            }
        } else if (activation == Activation.SOFTMAX) {
            Float32Math.softmax(zf, out, z.length);
        } else {
            double[] a = new double[z.length];
            activation.apply(z, a, z.length); // the float64 model's activations, tested against their definitions there
            out = round(a);
        }
        return out;
    }

    private static double timesDerivative(Activation activation, double g, double z, double a) {
        return switch (activation) {
            case SIGMOID -> g * (a * (1.0 - a));
            case TANH -> g * (1.0 - a * a);
            case RELU -> z >= 0 ? g : 0.0;
            case LINEAR -> g;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is only fused with categorical cross-entropy");
        };
    }

    private static float[] round(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double[] widen(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static boolean allFinite(float[] values) {
        for (float value : values) {
            if (!Float.isFinite(value)) {
                return false;
            }
        }
        return true;
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

    private int weight(int m, int i, int j) {
        int offset = 0;
        for (int k = 0; k < m; k++) {
            offset += shape.width(k + 1) * (shape.width(k) + 1);
        }
        return offset + i * shape.width(m) + j;
    }

    private int bias(int m, int i) {
        return weight(m, 0, 0) + shape.width(m + 1) * shape.width(m) + i;
    }
}
