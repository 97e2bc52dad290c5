package dev.backstream.nn;

/**
 * An immutable copy of a model's parameters that any number of threads may score with at once: each
 * {@link #predict} call uses buffers of its own. It computes exactly what {@link Mlp#predict} computes on the model it
 * was {@linkplain Mlp#freeze() frozen} from, bit for bit (same layout, same kernel, same order of operations).
 *
 * <p>Made for serving: the learner keeps changing its {@link Mlp}, which owns reused scratch buffers and so belongs
 * to one thread; readers get a frozen copy of a state that was committed.
 */
public final class FrozenMlp {
    private final Architecture architecture;
    private final Forward forward;
    private final long version;

    /** The forward pass of one dtype over parameters nobody changes, with buffers of its own on every call. */
    interface Forward {
        double[] output(double[] features);
    }

    /** Takes ownership of {@code params}: nobody else may hold them. */
    FrozenMlp(Architecture architecture, Kernels.Kernel kernel, Parameters params, long version) {
        this(architecture, version, features -> output(architecture, kernel, params, features));
    }

    /** A frozen model whose {@code forward} computes exactly what the model's own predict computes. */
    FrozenMlp(Architecture architecture, long version, Forward forward) {
        this.architecture = architecture;
        this.forward = forward;
        this.version = version;
    }

    /**
     * The model's output for {@code features}, as {@link Mlp#predict} would give it; {@code modelVersion} of the
     * result is {@link #version()}. Thread-safe.
     *
     * @throws InvalidSampleException for a wrong feature count or a non-finite feature
     */
    public Outcome predict(double[] features) {
        architecture.validateFeatures(features);
        Outcome outcome = new Outcome(architecture.outputs(), architecture.classes());
        outcome.set(forward.output(features), version, Double.NaN, false, false);
        return outcome;
    }

    /** The float64 forward pass: {@link Mlp#predict}'s arithmetic, in new buffers. */
    private static double[] output(Architecture architecture, Kernels.Kernel kernel, Parameters params, double[] features) {
        double[] in = features;
        for (int m = 0; m < architecture.depth(); m++) {
            double[][] rows = params.weights[m];
            double[] b = params.biases[m];
            double[] z = new double[rows.length];
            for (int i = 0; i < z.length; i++) {
                z[i] = kernel.dot(rows[i], in, in.length) + b[i];
            }
            double[] out = new double[z.length];
            architecture.layers().get(m).activation().apply(z, out, z.length);
            in = out;
        }
        return in;
    }

    public Architecture architecture() {
        return architecture;
    }

    /** The number of updates the model had applied when it was frozen. */
    public long version() {
        return version;
    }
}
