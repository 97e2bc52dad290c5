package dev.backstream.nn;

import java.util.Arrays;
import java.util.Objects;

/**
 * A multi-layer perceptron that learns online: one backpropagation step per sample.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #learn(double[], double[])} runs the forward pass with the current parameters, computes the prediction
 *       and its loss, backpropagates, then applies exactly one optimizer step to every weight and bias. It returns the
 *       prediction made <em>before</em> the update (test-then-train).</li>
 *   <li>{@link #predict(double[])} never changes the model.</li>
 *   <li>Neither mutates its arguments.</li>
 *   <li>An update that would make any parameter or optimizer state non-finite is not applied: the model stays exactly
 *       as it was and {@link Outcome#updateApplied()} is false.</li>
 *   <li>Invalid samples throw {@link InvalidSampleException} before anything is computed.</li>
 *   <li>Deterministic: the same seed and the same samples give bit-identical parameters on every JVM (all arithmetic
 *       is IEEE 754 in a fixed order, with no fused multiply-add; exponentials come from {@link Exp}, other
 *       transcendental functions from {@link StrictMath}).</li>
 *   <li>After warm-up, {@code learn} and {@code predict} allocate nothing: the returned {@link Outcome} is owned by the
 *       model and overwritten by the next call.</li>
 *   <li>Not thread-safe: confine a model to one thread at a time (a Kafka Streams task does). This includes the read
 *       methods ({@link #parameters()}, {@link #weight}, {@link #copy()}, {@link #bitIdentical}, …): with plain SGD the
 *       last update is applied lazily, bit for bit as if immediately, by whichever call reads the parameters next. A model
 *       that has never learned is never written by them.</li>
 * </ul>
 *
 * <h2>Notation and layout</h2>
 * Layers are indexed {@code 0..L−1} here (layer {@code m+1} of the tutorial). Layer {@code m} has
 * {@code W ∈ R^{N_out × N_in}} and {@code b ∈ R^{N_out}}. Publicly ({@link #weight}, {@link #parameters()}, snapshots)
 * weights are row-major, {@code W_ij} = unit {@code i}, input {@code j}. Internally weights are stored one array per
 * unit (see {@link Parameters}) so that updates and backpropagation are vectorizable loops and the forward mix is a
 * {@link Kernels#dot} product.
 */
public final class Mlp {

    private final Architecture architecture;
    private final OptimizerSpec optimizer;
    private final UpdateRule rule;
    private final int depth;
    private final Activation[] activation;
    private final int[] inWidth;
    private final int[] outWidth;

    /** All weights and biases. */
    private final Parameters params;
    /** Optimizer state vectors, shaped like {@link #params}. */
    private final Parameters[] state;
    private long updates;
    private long optimizerSteps;

    /** {@code bounds[0] ≥ max|θ|}, {@code bounds[k+1] ≥ max|state[k]|}: the fast non-finite guard, see {@link #applyUpdate}. */
    private final double[] bounds;
    private final double[] nextBounds;

    // Scratch buffers, reused by every call.
    private final double[][] z;
    private final double[][] a;
    private final double[][] delta;
    private final double[] labelTarget;
    private final Outcome outcome;
    private Parameters backupParams;
    private Parameters[] backupState;

    /*
     * Deferred SGD update. For plain SGD without l2 the update of step t is not applied when learn returns: its
     * (clipped) deltas and layer inputs are kept, and the next forward pass applies it row by row just before it reads
     * the row (Kernels.subtractScaled, then Kernels.dot while the row is in L1), so the weight matrix is streamed once
     * per step instead of twice. Every parameter ends up with exactly the value an immediate update gives. Anything
     * else that reads the parameters first calls flushPending(). The non-finite guard is decided at learn time, before deferring: a deferred update is one
     * the bounds proved finite.
     */
    /** Whether updates are deferred and fused (plain SGD, no l2). */
    private final boolean fuseUpdates;
    private final double rate;
    /** The inputs of each layer in the step whose update is pending ({@code pendingInput[0]} a copy of the features). */
    private final double[][] pendingInput;
    /** The clipped deltas of each layer in the step whose update is pending. */
    private final double[][] pendingDelta;
    private boolean pending;

    private Mlp(Architecture architecture, OptimizerSpec optimizer, Parameters params, Parameters[] state, long updates,
                long optimizerSteps) {
        this.architecture = architecture;
        this.optimizer = optimizer;
        this.rule = UpdateRule.of(optimizer);
        this.depth = architecture.depth();
        this.activation = new Activation[depth];
        this.inWidth = new int[depth];
        this.outWidth = new int[depth];
        this.z = new double[depth][];
        this.a = new double[depth][];
        this.delta = new double[depth][];
        for (int m = 0; m < depth; m++) {
            activation[m] = architecture.layers().get(m).activation();
            inWidth[m] = architecture.width(m);
            outWidth[m] = architecture.width(m + 1);
            z[m] = new double[outWidth[m]];
            a[m] = new double[outWidth[m]];
            delta[m] = new double[outWidth[m]];
        }
        this.params = params;
        this.state = state;
        this.updates = updates;
        this.optimizerSteps = optimizerSteps;
        this.bounds = new double[1 + state.length];
        this.nextBounds = new double[1 + state.length];
        this.labelTarget = new double[architecture.outputs()];
        this.outcome = new Outcome(architecture.outputs(), architecture.classes());
        this.fuseUpdates = optimizer instanceof OptimizerSpec.Sgd && optimizer.l2() == 0.0;
        this.rate = optimizer.learningRate();
        if (fuseUpdates) {
            this.pendingInput = new double[depth][];
            this.pendingDelta = new double[depth][];
            for (int m = 0; m < depth; m++) {
                pendingInput[m] = new double[inWidth[m]];
                pendingDelta[m] = new double[outWidth[m]];
            }
        } else {
            this.pendingInput = null;
            this.pendingDelta = null;
        }
        tightenBounds();
    }

    /**
     * A fresh model with deterministic initial weights from {@code seed}: Glorot/Xavier uniform
     * {@code U(±√(6/(N_in+N_out)))} for sigmoid, tanh, linear and softmax layers, He uniform {@code U(±√(6/N_in))} for
     * ReLU layers, biases zero. Weights are drawn from SplitMix64 in layer order, then row-major ({@code i}, then {@code j}).
     */
    public static Mlp initialize(Architecture architecture, OptimizerSpec optimizer, long seed) {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(optimizer, "optimizer");
        Mlp model = new Mlp(architecture, optimizer, Parameters.zeros(architecture), zeroState(architecture, optimizer), 0, 0);
        SplitMix64 random = new SplitMix64(seed);
        for (int m = 0; m < model.depth; m++) {
            int fanIn = model.inWidth[m];
            int fanOut = model.outWidth[m];
            double limit = model.activation[m] == Activation.RELU
                    ? Math.sqrt(6.0 / fanIn)
                    : Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < fanOut; i++) {
                for (int j = 0; j < fanIn; j++) {
                    model.params.weights[m][i][j] = limit * (2.0 * random.nextDouble() - 1.0);
                }
            }
        }
        model.tightenBounds();
        return model;
    }

    /**
     * A model from saved parameters, e.g. a snapshot.
     *
     * @param parameters     all weights and biases in the public layout of {@link #parameters()}
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
        int count = architecture.parameterCount();
        if (updates < 0 || optimizerSteps < 0) {
            throw new IllegalArgumentException("updates and optimizer steps must be >= 0, found " + updates + " and " + optimizerSteps);
        }
        if (parameters.length != count) {
            throw new IllegalArgumentException("parameters: expected " + count + " values for " + architecture.describe()
                    + ", found " + parameters.length);
        }
        int vectors = optimizer.stateVectors();
        if (optimizerState != null && optimizerState.length != vectors) {
            throw new IllegalArgumentException("optimizer state: " + optimizer.type() + " keeps " + vectors
                    + " state vectors, found " + optimizerState.length);
        }
        Mlp model = new Mlp(architecture, optimizer, Parameters.zeros(architecture), zeroState(architecture, optimizer), updates,
                optimizerState == null ? 0 : optimizerSteps);
        model.params.fromPublic(parameters, "parameter");
        for (int k = 0; k < vectors && optimizerState != null; k++) {
            if (optimizerState[k].length != count) {
                throw new IllegalArgumentException("optimizer state vector " + k + ": expected " + count + " values, found "
                        + optimizerState[k].length);
            }
            model.state[k].fromPublic(optimizerState[k], "optimizer state " + k);
        }
        model.tightenBounds();
        return model;
    }

    private static Parameters[] zeroState(Architecture architecture, OptimizerSpec optimizer) {
        Parameters[] state = new Parameters[optimizer.stateVectors()];
        for (int k = 0; k < state.length; k++) {
            state[k] = Parameters.zeros(architecture);
        }
        return state;
    }

    /** Package-private: takes ownership of values already in the internal layout (binary decoding). */
    static Mlp fromInternal(Architecture architecture, OptimizerSpec optimizer, long updates, long optimizerSteps,
                            Parameters params, Parameters[] state) {
        Mlp model = new Mlp(architecture, optimizer, params, state, updates, optimizerSteps);
        if (!Double.isFinite(model.bounds[0])) {
            throw new IllegalArgumentException("encoded model has a non-finite parameter");
        }
        for (int k = 1; k < model.bounds.length; k++) {
            if (!Double.isFinite(model.bounds[k])) {
                throw new IllegalArgumentException("encoded model has a non-finite value in optimizer state vector " + (k - 1));
            }
        }
        return model;
    }

    /** A deep, independent copy. */
    public Mlp copy() {
        flushPending();
        Parameters[] stateCopy = new Parameters[state.length];
        for (int k = 0; k < state.length; k++) {
            stateCopy[k] = state[k].copy();
        }
        return new Mlp(architecture, optimizer, params.copy(), stateCopy, updates, optimizerSteps);
    }

    // ------------------------------------------------------------------------------------------------ learning

    /**
     * Predicts the output for {@code features} with the current parameters; never changes the model.
     *
     * @throws InvalidSampleException for a wrong feature count or a non-finite feature
     */
    public Outcome predict(double[] features) {
        validateFeatures(features);
        forward(features);
        outcome.set(a[depth - 1], updates, Double.NaN, false, false);
        return outcome;
    }

    /**
     * One SGD step on {@code (features, target)}, with one target value per output unit.
     *
     * @return the prediction and loss before the update, and whether the update was applied
     * @throws InvalidSampleException for wrong counts, non-finite values or targets outside the loss's range
     */
    public Outcome learn(double[] features, double[] target) {
        validateFeatures(features);
        validateTarget(target);
        return step(features, target);
    }

    /**
     * One SGD step on {@code (features, label)} for classifiers: a class index for a softmax output (one-hot target),
     * or 0/1 for a single sigmoid output.
     *
     * @throws InvalidSampleException for a model that is not a classifier or a label out of range
     */
    public Outcome learn(double[] features, int label) {
        validateFeatures(features);
        labelToTarget(label, labelTarget);
        return step(features, labelTarget);
    }

    /**
     * The loss of the current model on {@code (features, target)}; never changes the model.
     *
     * @throws InvalidSampleException as for {@link #learn(double[], double[])}
     */
    public double loss(double[] features, double[] target) {
        validateFeatures(features);
        validateTarget(target);
        forward(features);
        int last = depth - 1;
        return architecture.loss().value(z[last], a[last], target, outWidth[last]);
    }

    /**
     * Writes the gradient {@code ∂C/∂θ} of the loss (no clipping, no weight decay) at the current parameters into
     * {@code out}, in the public layout of {@link #parameters()}. Does not change the model.
     */
    public void gradient(double[] features, double[] target, double[] out) {
        validateFeatures(features);
        validateTarget(target);
        int count = architecture.parameterCount();
        if (out.length != count) {
            throw new IllegalArgumentException("gradient buffer: expected " + count + " values, found " + out.length);
        }
        forward(features);
        backward(target);
        int offset = 0;
        for (int m = 0; m < depth; m++) {
            double[] in = layerInput(m, features);
            for (int i = 0; i < outWidth[m]; i++) {
                for (int j = 0; j < inWidth[m]; j++) {
                    out[offset + i * inWidth[m] + j] = delta[m][i] * in[j]; // ∂C/∂W_ij = δ_i a_j
                }
            }
            offset += inWidth[m] * outWidth[m];
            for (int i = 0; i < outWidth[m]; i++) {
                out[offset + i] = delta[m][i]; // ∂C/∂b_i = δ_i
            }
            offset += outWidth[m];
        }
    }

    private Outcome step(double[] x, double[] y) {
        forward(x);
        int last = depth - 1;
        double loss = architecture.loss().value(z[last], a[last], y, outWidth[last]);
        long versionBefore = updates;
        backward(y);
        boolean applied = applyUpdate(x);
        outcome.set(a[last], versionBefore, loss, true, applied);
        return outcome;
    }

    /**
     * Forward pass: {@code z^m = W^m a^{m−1} + b^m}, {@code a^m = σ^m(z^m)}. A pending SGD update is applied on the
     * way, each row just before its dot product, so afterwards nothing is pending.
     */
    private void forward(double[] x) {
        if (pending) {
            forwardApplyingPending(x);
            return;
        }
        double[] in = x;
        for (int m = 0; m < depth; m++) {
            int nIn = inWidth[m];
            int nOut = outWidth[m];
            double[] zm = z[m];
            double[][] rows = params.weights[m];
            double[] b = params.biases[m];
            for (int i = 0; i < nOut; i++) {
                zm[i] = Kernels.dot(rows[i], in, nIn) + b[i]; // z_i = Σ_j W_ij a_j + b_i
            }
            activation[m].apply(zm, a[m], nOut);
            in = a[m];
        }
    }

    /** {@link #forward} fused with the pending update: per row, exactly SgdRule.updateLayer's arithmetic, then the dot. */
    private void forwardApplyingPending(double[] x) {
        pending = false;
        double lambda = rate;
        double[] in = x;
        for (int m = 0; m < depth; m++) {
            int nIn = inWidth[m];
            int nOut = outWidth[m];
            double[] zm = z[m];
            double[][] rows = params.weights[m];
            double[] b = params.biases[m];
            double[] p = pendingInput[m];
            double[] d = pendingDelta[m];
            for (int i = 0; i < nOut; i++) {
                // W_ij ← W_ij − λ δ_i a_j (the pending step), then z_i = Σ_j W_ij in_j, in one pass over the row
                zm[i] = d[i] != 0.0 ? Kernels.subtractScaledThenDot(rows[i], p, d[i], lambda, in, nIn) : Kernels.dot(rows[i], in, nIn);
            }
            for (int i = 0; i < nOut; i++) {
                b[i] -= lambda * d[i]; // b_i ← b_i − λ δ_i
                zm[i] += b[i]; // z_i = Σ_j W_ij a_j + b_i
            }
            activation[m].apply(zm, a[m], nOut);
            in = a[m];
        }
    }

    /** Applies a pending update now; afterwards the parameters are exactly those of an immediate update. */
    private void flushPending() {
        if (pending) {
            pending = false;
            for (int m = 0; m < depth; m++) {
                rule.updateLayer(params, state, m, pendingInput[m], pendingDelta[m]);
            }
        }
    }

    /**
     * Defers the update of this step (already proved finite) to the next forward pass or {@link #flushPending}: keeps a
     * copy of the features and takes this step's activations and deltas, handing their buffers to the next step.
     */
    private void defer(double[] x) {
        System.arraycopy(x, 0, pendingInput[0], 0, inWidth[0]);
        for (int m = 0; m < depth; m++) {
            if (m > 0) {
                double[] input = a[m - 1];
                a[m - 1] = pendingInput[m];
                pendingInput[m] = input;
            }
            double[] dm = delta[m];
            delta[m] = pendingDelta[m];
            pendingDelta[m] = dm;
        }
        pending = true;
    }

    /** Backward pass: fills {@code delta[m] = ∂C/∂z^m} for every layer, using the parameters before the update. */
    private void backward(double[] y) {
        int last = depth - 1;
        architecture.loss().outputDelta(activation[last], z[last], a[last], y, delta[last], outWidth[last]);
        for (int m = last; m > 0; m--) {
            propagate(m);
        }
    }

    /** {@code δ^{m−1} = (W^{mᵀ} δ^m) ∘ σ'(z^{m−1})}. */
    private void propagate(int m) {
        int nIn = inWidth[m];
        int nOut = outWidth[m];
        double[] dm = delta[m];
        double[] below = delta[m - 1];
        double[][] rows = params.weights[m];
        Arrays.fill(below, 0.0);
        for (int i = 0; i < nOut; i++) {
            double di = dm[i];
            if (di == 0.0) {
                continue; // contributes nothing (a dead ReLU unit, say)
            }
            Kernels.addScaled(below, rows[i], di, nIn); // (Wᵀ δ)_j = Σ_i W_ij δ_i, accumulated row by row
        }
        activation[m - 1].multiplyByDerivative(below, z[m - 1], a[m - 1], nIn);
    }

    /**
     * Clips the gradient, then applies one optimizer step to every layer, unless it would make a value non-finite.
     *
     * <p>The guard costs O(units), not O(parameters): from {@code G ≥ |g|} (the largest delta times the largest input
     * of any layer) and the tracked bounds on {@code |θ|} and the state, {@link UpdateRule#boundsAfterStep} proves the
     * result finite. Only when that bound overflows are the exact maxima recomputed, and only if it still overflows is
     * the step applied to a backup-protected copy and checked value by value.
     */
    private boolean applyUpdate(double[] x) {
        double clipNorm = optimizer.clipNorm();
        if (clipNorm > 0) {
            // ‖δ aᵀ‖_F² = ‖δ‖² ‖a‖², so the global norm needs no materialized gradient.
            double squared = 0.0;
            for (int m = 0; m < depth; m++) {
                squared += sumOfSquares(delta[m], outWidth[m]) * (sumOfSquares(layerInput(m, x), inWidth[m]) + 1.0);
            }
            double norm = Math.sqrt(squared);
            if (norm > clipNorm) {
                double scale = clipNorm / norm;
                for (int m = 0; m < depth; m++) {
                    double[] dm = delta[m];
                    for (int i = 0; i < outWidth[m]; i++) {
                        dm[i] *= scale;
                    }
                }
            }
        }
        double gradientBound = 0.0;
        for (int m = 0; m < depth; m++) {
            double inputBound = Math.max(maxAbs(layerInput(m, x), inWidth[m]), 1.0); // 1 covers the biases
            gradientBound = Math.max(gradientBound, maxAbs(delta[m], outWidth[m]) * inputBound);
        }
        if (!Double.isFinite(gradientBound)) {
            return false; // a NaN or infinite gradient component reaches its parameter whatever the optimizer
        }
        rule.beginStep(optimizerSteps + 1);
        if (!rule.boundsAfterStep(bounds, gradientBound, nextBounds)) {
            tightenBounds();
            if (!rule.boundsAfterStep(bounds, gradientBound, nextBounds)) {
                return applyCheckingEveryValue(x);
            }
        }
        if (fuseUpdates) {
            defer(x); // proved finite: applied, bit for bit, by the next forward pass or flushPending()
        } else {
            applyToAllLayers(x);
        }
        System.arraycopy(nextBounds, 0, bounds, 0, bounds.length);
        countStep();
        return true;
    }

    private void applyToAllLayers(double[] x) {
        flushPending();
        for (int m = 0; m < depth; m++) {
            rule.updateLayer(params, state, m, layerInput(m, x), delta[m]);
        }
    }

    private boolean applyCheckingEveryValue(double[] x) {
        flushPending();
        if (backupParams == null) {
            backupParams = Parameters.zeros(architecture);
            backupState = zeroState(architecture, optimizer);
        }
        backupParams.copyFrom(params);
        for (int k = 0; k < state.length; k++) {
            backupState[k].copyFrom(state[k]);
        }
        applyToAllLayers(x);
        tightenBounds();
        boolean finite = true;
        for (double bound : bounds) {
            finite &= Double.isFinite(bound);
        }
        if (!finite) {
            params.copyFrom(backupParams);
            for (int k = 0; k < state.length; k++) {
                state[k].copyFrom(backupState[k]);
            }
            tightenBounds();
            return false;
        }
        countStep();
        return true;
    }

    private void countStep() {
        updates++;
        if (state.length > 0) {
            optimizerSteps++; // only state has a step count: stateless SGD always reports 0
        }
    }

    private void tightenBounds() {
        flushPending();
        bounds[0] = params.maxAbs();
        for (int k = 0; k < state.length; k++) {
            bounds[k + 1] = state[k].maxAbs();
        }
    }

    /**
     * The largest magnitude; NaN if any value is NaN. {@link Math#max} propagates NaN, so no separate test is needed;
     * four running maxima (a maximum does not depend on the order it is taken in) keep the comparisons independent.
     */
    private static double maxAbs(double[] values, int n) {
        double max0 = 0.0;
        double max1 = 0.0;
        double max2 = 0.0;
        double max3 = 0.0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            max0 = Math.max(max0, Math.abs(values[i]));
            max1 = Math.max(max1, Math.abs(values[i + 1]));
            max2 = Math.max(max2, Math.abs(values[i + 2]));
            max3 = Math.max(max3, Math.abs(values[i + 3]));
        }
        for (; i < n; i++) {
            max0 = Math.max(max0, Math.abs(values[i]));
        }
        double max = Math.max(Math.max(max0, max1), Math.max(max2, max3));
        return max != max ? Double.NaN : max;
    }

    private static double sumOfSquares(double[] values, int n) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            sum += values[i] * values[i];
        }
        return sum;
    }

    private double[] layerInput(int m, double[] x) {
        return m == 0 ? x : a[m - 1];
    }

    // ------------------------------------------------------------------------------------------------ validation

    private void validateFeatures(double[] features) {
        architecture.validateFeatures(features);
    }

    private void validateTarget(double[] target) {
        architecture.validateTarget(target);
    }

    private void labelToTarget(int label, double[] target) {
        architecture.validateLabel(label);
        if (architecture.outputActivation() == Activation.SOFTMAX) {
            Arrays.fill(target, 0.0);
            target[label] = 1.0;
        } else {
            target[0] = label;
        }
    }

    // ------------------------------------------------------------------------------------------------ inspection

    public Architecture architecture() {
        return architecture;
    }

    public OptimizerSpec optimizer() {
        return optimizer;
    }

    /** Number of updates applied since initialization (carried over by snapshots). */
    public long updates() {
        return updates;
    }

    /** Number of steps the optimizer state has seen (Adam's {@code t}); always 0 for stateless SGD. */
    public long optimizerSteps() {
        return optimizerSteps;
    }

    /** {@code W_ij} of layer {@code layer} (0-based): unit {@code unit}, input {@code input}. */
    public double weight(int layer, int unit, int input) {
        Objects.checkIndex(layer, depth);
        Objects.checkIndex(unit, outWidth[layer]);
        Objects.checkIndex(input, inWidth[layer]);
        flushPending();
        return params.weights[layer][unit][input];
    }

    /** {@code b_i} of layer {@code layer} (0-based). */
    public double bias(int layer, int unit) {
        Objects.checkIndex(layer, depth);
        Objects.checkIndex(unit, outWidth[layer]);
        flushPending();
        return params.biases[layer][unit];
    }

    /**
     * A copy of all parameters in the public layout: for each layer in order, its weights row-major
     * ({@code W_00, W_01, …, W_10, …}) followed by its biases.
     */
    public double[] parameters() {
        flushPending();
        return params.toPublic();
    }

    /** A copy of optimizer state vector {@code k} ({@code velocity} for momentum; {@code m}, {@code v} for Adam) in the public layout. */
    public double[] optimizerState(int k) {
        Objects.checkIndex(k, state.length);
        flushPending();
        return state[k].toPublic();
    }

    /** Whether both models have the same architecture, optimizer, counters and bit-identical parameters and state. */
    public boolean bitIdentical(Mlp other) {
        flushPending();
        other.flushPending();
        return architecture.equals(other.architecture) && optimizer.equals(other.optimizer) && updates == other.updates
                && optimizerSteps == other.optimizerSteps && params.bitEquals(other.params) && stateBitEquals(other);
    }

    private boolean stateBitEquals(Mlp other) {
        for (int k = 0; k < state.length; k++) {
            if (!state[k].bitEquals(other.state[k])) {
                return false;
            }
        }
        return true;
    }

    Parameters internalParameters() {
        flushPending();
        return params;
    }

    Parameters[] internalState() {
        flushPending();
        return state;
    }

    @Override
    public String toString() {
        return "Mlp[" + architecture.describe() + ", " + optimizer.type() + ", updates=" + updates + "]";
    }
}
