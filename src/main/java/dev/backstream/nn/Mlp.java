package dev.backstream.nn;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A multi-layer perceptron that learns online: one backpropagation step per sample. The equations, their indexing
 * and the tutorial's slips are in {@code docs/math.md}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #learn(double[], double[])} runs the forward pass with the current parameters, computes the prediction
 *       and its loss, backpropagates, then applies exactly one optimizer step to every weight and bias. It returns the
 *       prediction made <em>before</em> the update (test-then-train).</li>
 *   <li>{@link #predict(double[])} never changes the model. Neither mutates its arguments; invalid samples throw
 *       {@link InvalidSampleException} before anything is computed.</li>
 *   <li>The read methods ({@link #parameters()}, {@link #weight}, {@link #copy()}, {@link #bitIdentical}, …) write
 *       nothing: they see the model as of the last completed {@code learn}, whether or not its update is still
 *       pending in storage (plain SGD defers it into the next forward pass, see {@link DeferredSgdUpdate}).</li>
 *   <li>An update that would make any parameter or optimizer state non-finite is not applied: the model stays exactly
 *       as it was and {@link Outcome#updateApplied()} is false ({@link FiniteStepGuard}).</li>
 *   <li>Deterministic: the same seed and the same samples give bit-identical parameters on every JVM (all arithmetic
 *       is IEEE 754 in a fixed order, with no fused multiply-add; exponentials come from {@link Exp}, other
 *       transcendental functions from {@link StrictMath}), with either {@link Kernels} implementation.</li>
 *   <li>After warm-up, {@code learn} and {@code predict} allocate nothing: the returned {@link Outcome} is owned by the
 *       model and overwritten by the next call.</li>
 *   <li>Not thread-safe: confine a model to one thread at a time (a Kafka Streams task does).</li>
 *   <li>A {@link Dtype#FLOAT32} architecture keeps its parameters and optimizer state as floats and learns in float
 *       arithmetic ({@code Float32Network} says exactly what runs in which type); every value this class returns or
 *       takes is a double, exactly the float for values it returns. Everything above holds for it too.</li>
 * </ul>
 *
 * <h2>Notation</h2>
 * Layers {@code m = 0..L−1} (the tutorial's {@code m+1}); {@code a[m]} is layer {@code m}'s input ({@code a[0] = x}),
 * {@code a[m+1] = σ_m(z_m)} its output; {@code W_ij} = unit {@code i}, input {@code j}. See {@code docs/math.md}.
 */
public final class Mlp {
    /**
     * Rows below this many doubles skip the four-row backpropagation kernel and layers this narrow the sigmoid kernel:
     * their vector loops would not run.
     */
    private static final int SHORT_ROW = 8;
    private final Architecture architecture;
    private final Kernels.Kernel kernel;
    private final int depth;
    private final Activation[] activation;
    private final Parameters params;
    private long updates;
    /** Plain SGD's update, deferred into the next forward pass; never pending for other optimizers. */
    private final DeferredSgdUpdate deferred;
    private final Optimizer optimizer;
    /** The whole model when the architecture is float32; null for float64, whose fields above are null otherwise. */
    private final Float32Network f32;

    private final double[][] z; // scratch reused by every call: z[m], delta[m] = ∂C/∂z_m and a[0..L] as above
    private final double[][] a;
    private final double[][] delta;
    private final double[] labelTarget;
    private final Outcome outcome;

    /** Takes ownership of {@code params} and {@code state}, which must be finite (binary decoding calls it too). */
    Mlp(Architecture architecture, OptimizerSpec optimizer, Kernels.Kernel kernel, Parameters params,
                Parameters[] state, long updates, long optimizerSteps) {
        this.architecture = architecture;
        this.kernel = kernel;
        this.depth = architecture.depth();
        this.activation = architecture.layers().stream().map(LayerSpec::activation).toArray(Activation[]::new);
        this.z = Parameters.perUnit(architecture, 0);
        this.delta = Parameters.perUnit(architecture, 0);
        this.a = Parameters.perUnit(architecture, 1); // a[0] is set to the features by each forward pass
        this.params = params;
        this.updates = updates;
        this.deferred = new DeferredSgdUpdate(architecture, optimizer.learningRate(), kernel);
        this.optimizer = new Optimizer(optimizer, kernel, params, state, optimizerSteps,
                DeferredSgdUpdate.appliesTo(optimizer) ? deferred : null);
        this.labelTarget = new double[architecture.outputs()];
        this.outcome = new Outcome(architecture.outputs(), architecture.classes());
        this.f32 = null;
    }

    /** A float32 model. */
    private Mlp(Architecture architecture, Float32Network f32) {
        this.architecture = architecture;
        this.f32 = f32;
        this.kernel = null;
        this.depth = architecture.depth();
        this.activation = null;
        this.params = null;
        this.deferred = null;
        this.optimizer = null;
        this.z = null;
        this.a = null;
        this.delta = null;
        this.labelTarget = null;
        this.outcome = null;
    }

    /** Decodes the parameters and state of a model whose header {@code BinaryModelFormat} has read. */
    static Mlp decode(Architecture architecture, OptimizerSpec optimizer, ByteBuffer in, long updates, long optimizerSteps) {
        if (architecture.dtype() == Dtype.FLOAT32) {
            return new Mlp(architecture, Float32Network.decode(architecture, optimizer, in, updates, optimizerSteps));
        }
        Parameters params = Parameters.zeros(architecture);
        params.get(in);
        Parameters[] state = new Parameters[optimizer.stateVectors()];
        for (int k = 0; k < state.length; k++) {
            state[k] = Parameters.zeros(architecture);
            state[k].get(in);
        }
        double[] stateMaxAbs = new double[state.length];
        for (int k = 0; k < state.length; k++) {
            stateMaxAbs[k] = state[k].maxAbs();
        }
        requireFiniteDecoded(params.maxAbs(), stateMaxAbs);
        return new Mlp(architecture, optimizer, Kernels.preferred(), params, state, updates, optimizerSteps);
    }

    /** Rejects a decoded model whose largest parameter or state magnitude (NaN if any value is NaN) is not finite. */
    static void requireFiniteDecoded(double parameterMaxAbs, double[] stateMaxAbs) {
        if (!Double.isFinite(parameterMaxAbs)) {
            throw new IllegalArgumentException("encoded model has a non-finite parameter");
        }
        for (int k = 0; k < stateMaxAbs.length; k++) {
            if (!Double.isFinite(stateMaxAbs[k])) {
                throw new IllegalArgumentException("encoded model has a non-finite value in optimizer state vector " + k);
            }
        }
    }

    /** A fresh model with deterministic initial weights from {@code seed}, see {@link Initialization}. */
    public static Mlp initialize(Architecture architecture, OptimizerSpec optimizer, long seed) {
        return initialize(architecture, optimizer, seed, Kernels.preferred());
    }

    /** {@link #initialize(Architecture, OptimizerSpec, long)} with the given kernels (tests run both). */
    static Mlp initialize(Architecture architecture, OptimizerSpec optimizer, long seed, Kernels.Kernel kernel) {
        Objects.requireNonNull(optimizer, "optimizer");
        if (architecture.dtype() == Dtype.FLOAT32) {
            return new Mlp(architecture, Float32Network.initialize(architecture, optimizer, seed, kernel));
        }
        return new Mlp(architecture, optimizer, kernel, Initialization.glorotOrHe(Objects.requireNonNull(architecture, "architecture"), seed),
                Parameters.state(architecture, optimizer, null), 0, 0);
    }

    /**
     * A model from saved parameters, e.g. a snapshot.
     *
     * @param parameters     all weights and biases in the public layout of {@link #parameters()}; for a float32
     *                       architecture each value is rounded to the nearest float
     * @param optimizerState the optimizer's state vectors in the same layout ({@link OptimizerSpec#stateVectors()} of
     *                       them), or {@code null} to start the optimizer fresh
     * @param optimizerSteps the number of steps the optimizer state has seen (Adam's {@code t}); 0 with fresh state
     * @throws IllegalArgumentException on a wrong length or a non-finite value, naming the layer and index
     */
    public static Mlp restore(Architecture architecture, OptimizerSpec optimizer, long updates, double[] parameters,
                              double[][] optimizerState, long optimizerSteps) {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(parameters, "parameters");
        if (updates < 0 || optimizerSteps < 0) {
            throw new IllegalArgumentException("updates and optimizer steps must be >= 0, found " + updates + " and " + optimizerSteps);
        }
        if (architecture.dtype() == Dtype.FLOAT32) {
            return new Mlp(architecture, new Float32Network(architecture, optimizer, Kernels.preferred(),
                    FloatParameters.fromPublic(architecture, parameters, "parameters", "parameter"),
                    FloatParameters.state(architecture, optimizer, optimizerState), updates, optimizerState == null ? 0 : optimizerSteps));
        }
        Parameters params = Parameters.fromPublic(architecture, parameters, "parameters", "parameter");
        Parameters[] state = Parameters.state(architecture, optimizer, optimizerState);
        return new Mlp(architecture, optimizer, Kernels.preferred(), params, state, updates, optimizerState == null ? 0 : optimizerSteps);
    }

    /** A deep, independent copy, with nothing pending. */
    public Mlp copy() {
        return withOptimizer(optimizer());
    }

    /**
     * A copy, bit for bit, that trains on with {@code optimizer} (e.g. another learning rate), which must be of this
     * model's type so that the copied optimizer state keeps its meaning; {@link IllegalArgumentException} otherwise.
     */
    public Mlp withOptimizer(OptimizerSpec optimizer) {
        if (!optimizer.type().equals(optimizer().type())) {
            throw new IllegalArgumentException("optimizer: expected " + optimizer().type() + " (the model's), found " + optimizer.type());
        }
        if (f32 != null) {
            return new Mlp(architecture, f32.withOptimizer(optimizer));
        }
        return new Mlp(architecture, optimizer, kernel, deferred.appliedTo(params.copy()), this.optimizer.copyOfState(), updates,
                this.optimizer.steps());
    }

    /** An immutable copy of the current parameters (a pending update applied), for scoring from other threads. */
    public FrozenMlp freeze() {
        if (f32 != null) {
            return f32.freeze();
        }
        return new FrozenMlp(architecture, kernel, deferred.appliedTo(params.copy()), updates);
    }

    /**
     * Predicts the output for {@code features} with the current parameters; never changes the model.
     *
     * @throws InvalidSampleException for a wrong feature count or a non-finite feature
     */
    public Outcome predict(double[] features) {
        architecture.validateFeatures(features);
        if (f32 != null) {
            return f32.predict(features);
        }
        forward(features);
        outcome.set(a[depth], updates, Double.NaN, false, false);
        return outcome;
    }

    /**
     * One optimizer step on {@code (features, target)}, with one target value per output unit.
     *
     * @return the prediction and loss before the update, and whether the update was applied
     * @throws InvalidSampleException for wrong counts, non-finite values or targets outside the loss's range
     */
    public Outcome learn(double[] features, double[] target) {
        architecture.validateFeatures(features);
        architecture.validateTarget(target);
        return f32 != null ? f32.learn(features, target) : step(features, target);
    }

    /**
     * One optimizer step on {@code (features, label)} for classifiers: a class index for a softmax output (one-hot
     * target), or 0/1 for a single sigmoid output.
     *
     * @throws InvalidSampleException for a model that is not a classifier or a label out of range
     */
    public Outcome learn(double[] features, int label) {
        architecture.validateFeatures(features);
        return f32 != null ? f32.learn(features, label) : step(features, architecture.targetOf(label, labelTarget));
    }

    /** The loss of the current model on {@code (features, target)}, never changing it; throws as {@link #learn(double[], double[])}. */
    public double loss(double[] features, double[] target) {
        architecture.validateFeatures(features);
        architecture.validateTarget(target);
        if (f32 != null) {
            return f32.loss(features, target);
        }
        forward(features);
        return architecture.loss().value(z[depth - 1], a[depth], target, a[depth].length);
    }

    /**
     * Writes the gradient {@code ∂C/∂θ} of the loss (no clipping, no weight decay) at the current parameters into
     * {@code out}, in the public layout of {@link #parameters()}. Does not change the model. For a float32 model it
     * is the gradient of the float64 model with the same parameters, computed in float64: gradient checks test the
     * math, which both dtypes share.
     */
    public void gradient(double[] features, double[] target, double[] out) {
        architecture.validateFeatures(features);
        architecture.validateTarget(target);
        Parameters.requireLength(out, architecture, "gradient buffer");
        if (f32 != null) {
            f32.widened().gradient(features, target, out);
            return;
        }
        forward(features);
        backward(target);
        Parameters.writeGradient(a, delta, out); // ∂C/∂W_ij = δ_i a_j, ∂C/∂b_i = δ_i
    }

    /** Forward, loss, backward, optimizer step: one backpropagation step on {@code (x, y)}. */
    private Outcome step(double[] x, double[] y) {
        forward(x); // a[m+1] = σ_m(W_m a[m] + b_m), a[0] = x
        double loss = architecture.loss().value(z[depth - 1], a[depth], y, a[depth].length); // C(a[L], y)
        long versionBefore = updates;
        backward(y); // δ_m = ∂C/∂z_m, from the output layer down
        boolean applied = optimizer.step(a, delta); // θ ← θ − λ u_t(g), g_ij = δ_i a[m]_j clipped; not if non-finite
        updates += applied ? 1 : 0;
        outcome.set(a[depth], versionBefore, loss, true, applied);
        return outcome;
    }

    /** {@code a[m+1] = σ_m(z_m)}, {@code z_m = W_m a[m] + b_m} for every layer; completes a pending SGD update. */
    private void forward(double[] x) {
        a[0] = x;
        for (int m = 0; m < depth; m++) {
            deferred.mix(m, params, a[m], z[m]); // z_m = W_m a[m] + b_m, after completing a pending SGD update of W_m
            if (activation[m] == Activation.SIGMOID && z[m].length >= SHORT_ROW) {
                kernel.sigmoid(z[m], a[m + 1], z[m].length); // a[m+1] = σ(z_m), Activation.sigmoid's bits, vectorized
            } else {
                activation[m].apply(z[m], a[m + 1], z[m].length); // a[m+1] = σ_m(z_m)
            }
        }
        deferred.completed();
    }

    /** Fills {@code delta[m] = ∂C/∂z_m} for every layer, from the parameters the forward pass used. */
    private void backward(double[] y) {
        int last = depth - 1;
        // δ_L = (a[L] − y) ∘ σ'(z_L), or a[L] − y for the fused cross-entropy pairings
        architecture.loss().outputDelta(activation[last], z[last], a[depth], y, delta[last], delta[last].length);
        for (int m = last; m > 0; m--) {
            propagate(m); // δ_{m−1} = (W_mᵀ δ_m) ∘ σ'_{m−1}(z_{m−1})
        }
    }

    /** {@code δ_{m−1} = (W_mᵀ δ_m) ∘ σ'_{m−1}(z_{m−1})}. */
    private void propagate(int m) {
        double[] below = delta[m - 1];
        double[][] rows = params.weights[m];
        Arrays.fill(below, 0.0);
        double[] d = delta[m];
        int i = 0;
        if (below.length >= SHORT_ROW) { // four rows per kernel call when all four have a δ_i ≠ 0 (the same sums)
            for (; i + 3 < rows.length; i += 4) {
                if (d[i] != 0.0 && d[i + 1] != 0.0 && d[i + 2] != 0.0 && d[i + 3] != 0.0) {
                    kernel.addScaledFour(below, rows[i], rows[i + 1], rows[i + 2], rows[i + 3], d[i], d[i + 1], d[i + 2], d[i + 3],
                            below.length);
                } else {
                    for (int k = i; k < i + 4; k++) {
                        if (d[k] != 0.0) {
                            kernel.addScaled(below, rows[k], d[k], below.length);
                        }
                    }
                }
            }
        }
        for (; i < rows.length; i++) {
            if (d[i] != 0.0) { // a zero δ_i (a dead ReLU unit, say) contributes nothing
                kernel.addScaled(below, rows[i], d[i], below.length); // (Wᵀ δ)_j = Σ_i W_ij δ_i, row by row
            }
        }
        activation[m - 1].multiplyByDerivative(below, z[m - 1], a[m], below.length);
    }

    public Architecture architecture() {
        return architecture;
    }

    public OptimizerSpec optimizer() {
        return f32 != null ? f32.optimizer() : optimizer.spec();
    }

    /** Number of updates applied since initialization (carried over by snapshots). */
    public long updates() {
        return f32 != null ? f32.updates() : updates;
    }

    /** Number of steps the optimizer state has seen (Adam's {@code t}); always 0 for stateless SGD. */
    public long optimizerSteps() {
        return f32 != null ? f32.optimizerSteps() : optimizer.steps();
    }

    /**
     * {@code W_ij} of layer {@code layer} (0-based): unit {@code unit}, input {@code input}.
     *
     * @throws IndexOutOfBoundsException for an index out of range
     */
    public double weight(int layer, int unit, int input) {
        return f32 != null ? f32.weight(layer, unit, input) : deferred.weight(params, layer, unit, input);
    }

    /** {@code b_i} of layer {@code layer} (0-based); {@link IndexOutOfBoundsException} for an index out of range. */
    public double bias(int layer, int unit) {
        return f32 != null ? f32.bias(layer, unit) : deferred.bias(params, layer, unit);
    }

    /**
     * A copy of all parameters in the public layout: for each layer in order, its weights row-major
     * ({@code W_00, W_01, …, W_10, …}) followed by its biases.
     */
    public double[] parameters() {
        return f32 != null ? f32.parameters() : visibleParameters().toPublic();
    }

    /** A copy of optimizer state vector {@code k} ({@code velocity} for momentum; {@code m}, {@code v} for Adam) in the public layout. */
    public double[] optimizerState(int k) {
        return f32 != null ? f32.optimizerState(k) : optimizer.state()[k].toPublic(); // IndexOutOfBoundsException for a k out of range
    }

    /** Whether both models have the same architecture, optimizer, counters and bit-identical parameters and state. */
    public boolean bitIdentical(Mlp other) {
        if (f32 != null || other.f32 != null) {
            return f32 != null && other.f32 != null && f32.bitIdentical(other.f32);
        }
        return architecture.equals(other.architecture) && updates == other.updates && optimizer.bitIdentical(other.optimizer)
                && visibleParameters().bitEquals(other.visibleParameters());
    }

    /** The parameters as of the last completed step: the stored ones, or a copy with the pending update applied. */
    private Parameters visibleParameters() {
        return deferred.pending() ? deferred.appliedTo(params.copy()) : params;
    }

    /** Writes the parameters as of the last completed step, then each state vector, in {@link Parameters#put}'s order. */
    void put(ByteBuffer out) {
        if (f32 != null) {
            f32.put(out);
            return;
        }
        deferred.putApplied(params, out);
        for (Parameters vector : optimizer.state()) {
            vector.put(out);
        }
    }

    @Override
    public String toString() {
        return "Mlp[" + architecture.describe() + ", " + optimizer().type() + ", updates=" + updates() + "]";
    }
}
