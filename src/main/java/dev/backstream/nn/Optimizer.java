package dev.backstream.nn;

/**
 * An {@link OptimizerSpec} at work on one model's parameters: its state vectors and step count, gradient clipping
 * ({@link GradientClipping}), the update rule ({@link UpdateRule}) and the finite-step guard ({@link FiniteStepGuard}).
 */
final class Optimizer {
    private final OptimizerSpec spec;
    /** The state vectors (velocity; Adam's m and v), shaped like the parameters. */
    private final Parameters[] state;
    /** Steps the state has seen (Adam's t); stays 0 for stateless SGD. */
    private long steps;
    private final FiniteStepGuard guard;

    /**
     * @param deferred plain SGD's deferral of the parameters' updates, or null to apply every step at once
     */
    Optimizer(OptimizerSpec spec, Kernels.Kernel kernel, Parameters params, Parameters[] state, long steps,
              DeferredSgdUpdate deferred) {
        this.spec = spec;
        this.state = state;
        this.steps = steps;
        this.guard = new FiniteStepGuard(UpdateRule.of(spec, kernel), params, state, deferred);
    }

    /**
     * One step on the gradient {@code g_ij = δ_i a_j}, {@code g_i = δ_i} of each layer {@code m}, given its input
     * {@code a[m]} and deltas {@code delta[m]} (which it scales when clipping).
     *
     * @return whether the step was applied; if not, the parameters and the state are unchanged
     */
    boolean step(double[][] a, double[][] delta) {
        GradientClipping.clip(spec.clipNorm(), a, delta); // g ← g · min(1, c / ‖g‖)
        if (!guard.step(a, delta, steps + 1)) { // θ ← θ − λ u_t(g), unless a value would become non-finite
            return false;
        }
        steps += state.length > 0 ? 1 : 0; // only state has a step count
        return true;
    }

    OptimizerSpec spec() {
        return spec;
    }

    long steps() {
        return steps;
    }

    Parameters[] state() {
        return state;
    }

    /** Deep copies of the state vectors. */
    Parameters[] copyOfState() {
        Parameters[] copy = new Parameters[state.length];
        for (int k = 0; k < state.length; k++) {
            copy[k] = state[k].copy();
        }
        return copy;
    }

    /** Whether both have the same spec, step count and bit-identical state. */
    boolean bitIdentical(Optimizer other) {
        if (!spec.equals(other.spec) || steps != other.steps) {
            return false;
        }
        for (int k = 0; k < state.length; k++) {
            if (!state[k].bitEquals(other.state[k])) {
                return false;
            }
        }
        return true;
    }
}
