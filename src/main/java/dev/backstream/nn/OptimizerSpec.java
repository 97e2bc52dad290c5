package dev.backstream.nn;

/**
 * How a model turns the gradient of one sample into a parameter update, with its hyper-parameters.
 *
 * <p>Every optimizer shares two optional regularizers, applied in this order (as {@code clip_grad_norm_} followed by
 * an optimizer with {@code weight_decay} in PyTorch):
 * <ol>
 *   <li>{@code clipNorm > 0}: if the global L2 norm of the loss gradient (all weights and biases) exceeds
 *       {@code clipNorm}, the gradient is scaled to norm {@code clipNorm};</li>
 *   <li>{@code l2 > 0}: {@code l2 · W} is added to the gradient of every weight (biases are not decayed).</li>
 * </ol>
 * Zero disables either. Instances are immutable and validated at construction.
 */
public sealed interface OptimizerSpec permits OptimizerSpec.Sgd, OptimizerSpec.Momentum, OptimizerSpec.Adam {

    /** The snapshot name: {@code sgd}, {@code momentum} or {@code adam}. */
    String type();

    /** The step size {@code λ}. */
    double learningRate();

    /** The same optimizer with another learning rate; its state (velocity, moments) keeps its meaning. */
    default OptimizerSpec withLearningRate(double learningRate) {
        if (this instanceof Sgd sgd) {
            return new Sgd(learningRate, sgd.l2(), sgd.clipNorm());
        }
        if (this instanceof Momentum momentum) {
            return new Momentum(learningRate, momentum.momentum(), momentum.nesterov(), momentum.l2(), momentum.clipNorm());
        }
        Adam adam = (Adam) this;
        return new Adam(learningRate, adam.beta1(), adam.beta2(), adam.epsilon(), adam.l2(), adam.clipNorm());
    }

    /** The L2 weight-decay coefficient; 0 for none. */
    double l2();

    /** The maximum global gradient norm; 0 for no clipping. */
    double clipNorm();

    /** Number of per-parameter state vectors the optimizer keeps (0 for SGD, 1 for momentum, 2 for Adam). */
    int stateVectors();

    /** The plain SGD default, {@code W ← W − λ ∂C/∂W}. */
    static OptimizerSpec sgd(double learningRate) {
        return new Sgd(learningRate, 0.0, 0.0);
    }

    /**
     * Plain stochastic gradient descent: {@code θ ← θ − λ g}.
     */
    record Sgd(double learningRate, double l2, double clipNorm) implements OptimizerSpec {
        public Sgd {
            validateCommon(learningRate, l2, clipNorm);
        }

        @Override
        public String type() {
            return "sgd";
        }

        @Override
        public int stateVectors() {
            return 0;
        }
    }

    /**
     * SGD with momentum {@code μ}: {@code v ← μ v + g}, then {@code θ ← θ − λ v} (classical) or
     * {@code θ ← θ − λ (g + μ v)} (Nesterov, in the formulation used by PyTorch and Sutskever et al.).
     */
    record Momentum(double learningRate, double momentum, boolean nesterov, double l2, double clipNorm) implements OptimizerSpec {
        public Momentum {
            validateCommon(learningRate, l2, clipNorm);
            requireInUnitInterval("momentum", momentum);
        }

        @Override
        public String type() {
            return "momentum";
        }

        @Override
        public int stateVectors() {
            return 1;
        }
    }

    /**
     * Adam (Kingma and Ba, 2015): {@code m ← β1 m + (1 − β1) g}, {@code v ← β2 v + (1 − β2) g²},
     * {@code θ ← θ − λ (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)} where {@code t} counts the steps applied.
     */
    record Adam(double learningRate, double beta1, double beta2, double epsilon, double l2, double clipNorm) implements OptimizerSpec {
        public Adam {
            validateCommon(learningRate, l2, clipNorm);
            requireInUnitInterval("beta1", beta1);
            requireInUnitInterval("beta2", beta2);
            if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
                throw new IllegalArgumentException("optimizer epsilon must be a finite number > 0, found " + epsilon);
            }
        }

        /** Adam with the usual defaults {@code β1 = 0.9, β2 = 0.999, ε = 1e-8}. */
        public static Adam withDefaults(double learningRate) {
            return new Adam(learningRate, 0.9, 0.999, 1e-8, 0.0, 0.0);
        }

        @Override
        public String type() {
            return "adam";
        }

        @Override
        public int stateVectors() {
            return 2;
        }
    }

    private static void validateCommon(double learningRate, double l2, double clipNorm) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("optimizer learningRate must be a finite number > 0, found " + learningRate);
        }
        if (!(l2 >= 0) || !Double.isFinite(l2)) {
            throw new IllegalArgumentException("optimizer l2 must be a finite number >= 0, found " + l2);
        }
        if (!(clipNorm >= 0) || !Double.isFinite(clipNorm)) {
            throw new IllegalArgumentException("optimizer clipNorm must be a finite number >= 0 (0 disables clipping), found " + clipNorm);
        }
    }

    private static void requireInUnitInterval(String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("optimizer " + name + " must be in [0, 1), found " + value);
        }
    }
}
