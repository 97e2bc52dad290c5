package dev.backstream.nn;

/**
 * Applies one optimizer step to every layer, unless it would make a parameter or an optimizer state value non-finite:
 * then the step is not applied and the parameters and state keep every bit.
 *
 * <p>Why not simply check every value after the step: that reads all parameters again, as much work as the step
 * itself. Instead the guard keeps upper bounds on {@code |θ|} and on each state vector; from them and
 * {@code G ≥ |g|} (the largest delta times the largest input of any layer, at least 1 for the biases)
 * {@link UpdateRule#boundsAfterStep} proves the result finite in O(units). Three paths, from fast to safe:
 * <ol>
 *   <li>proved finite, plain SGD: the step is handed to {@link DeferredSgdUpdate} and applied by the next forward
 *       pass;</li>
 *   <li>proved finite, any other optimizer: applied now;</li>
 *   <li>not proved (the bounds overflow even once recomputed exactly): applied to the parameters after saving a
 *       backup, checked value by value, and rolled back if anything is non-finite.</li>
 * </ol>
 */
final class FiniteStepGuard {
    private final UpdateRule rule;
    private final Parameters params;
    private final Parameters[] state;
    /** The deferral of plain SGD steps; null for every other optimizer. */
    private final DeferredSgdUpdate deferred;
    /** {@code bounds[0] ≥ max|θ|}, {@code bounds[k+1] ≥ max|state[k]|}. */
    private final double[] bounds;
    private final double[] nextBounds;
    private Parameters backupParams;
    private Parameters[] backupState;

    FiniteStepGuard(UpdateRule rule, Parameters params, Parameters[] state, DeferredSgdUpdate deferred) {
        this.rule = rule;
        this.params = params;
        this.state = state;
        this.deferred = deferred;
        this.bounds = new double[1 + state.length];
        this.nextBounds = new double[1 + state.length];
        tightenBounds();
    }

    /**
     * Step {@code t} (1 for the optimizer's first step) with the gradient {@code g_ij = δ_i a_j}, {@code g_i = δ_i} of
     * each layer {@code m}, given its input {@code a[m]} and (clipped) deltas {@code delta[m]}.
     *
     * @return whether the step was applied (or deferred, which is the same); if false, nothing changed
     */
    boolean step(double[][] a, double[][] delta, long t) {
        double gradientBound = gradientBound(a, delta);
        if (!Double.isFinite(gradientBound)) {
            return false; // a NaN or infinite gradient component reaches its parameter whatever the optimizer
        }
        rule.beginStep(t);
        if (!rule.boundsAfterStep(bounds, gradientBound, nextBounds)) {
            tightenBounds();
            if (!rule.boundsAfterStep(bounds, gradientBound, nextBounds)) {
                return stepCheckingEveryValue(a, delta);
            }
        }
        if (deferred != null) {
            deferred.defer(a, delta); // proved finite: applied, bit for bit, by the next forward pass
        } else {
            applyToAllLayers(a, delta);
        }
        System.arraycopy(nextBounds, 0, bounds, 0, bounds.length);
        return true;
    }

    /** {@code G = max_m max_i |δ_i| · max(max_j |a_j|, 1) ≥ |g|} for every weight and bias; NaN if any value is NaN. */
    private static double gradientBound(double[][] a, double[][] delta) {
        double bound = 0.0;
        for (int m = 0; m < delta.length; m++) {
            bound = Math.max(bound, maxAbs(delta[m]) * Math.max(maxAbs(a[m]), 1.0));
        }
        return bound;
    }

    private void applyToAllLayers(double[][] a, double[][] delta) {
        for (int m = 0; m < delta.length; m++) {
            rule.updateLayer(params, state, m, a[m], delta[m]);
        }
    }

    private boolean stepCheckingEveryValue(double[][] a, double[][] delta) {
        if (backupParams == null) {
            backupParams = params.copy();
            backupState = new Parameters[state.length];
            for (int k = 0; k < state.length; k++) {
                backupState[k] = state[k].copy();
            }
        }
        backupParams.copyFrom(params); // tightenBounds() has applied any pending update
        for (int k = 0; k < state.length; k++) {
            backupState[k].copyFrom(state[k]);
        }
        applyToAllLayers(a, delta);
        tightenBounds();
        for (double bound : bounds) {
            if (!Double.isFinite(bound)) {
                params.copyFrom(backupParams);
                for (int k = 0; k < state.length; k++) {
                    state[k].copyFrom(backupState[k]);
                }
                tightenBounds();
                return false;
            }
        }
        return true;
    }

    /** Recomputes the bounds as the exact maxima, after applying a pending SGD update (they must bound its result). */
    private void tightenBounds() {
        if (deferred != null) {
            deferred.applyNow(params);
        }
        bounds[0] = params.maxAbs();
        for (int k = 0; k < state.length; k++) {
            bounds[k + 1] = state[k].maxAbs();
        }
    }

    /**
     * The largest magnitude; NaN if any value is NaN. {@link Math#max} propagates NaN, so no separate test is needed;
     * four running maxima (a maximum does not depend on the order it is taken in) keep the comparisons independent.
     */
    private static double maxAbs(double[] values) {
        int n = values.length;
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
}
