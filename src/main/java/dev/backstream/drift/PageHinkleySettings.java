package dev.backstream.drift;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of {@link PageHinkley}, with River's defaults. {@code delta} and {@code threshold} are in the units of
 * the monitored value: the defaults suit values of order 1 with small spread, such as a 0/1 error or a loss in
 * {@code [0, 1]}.
 *
 * @param minInstances the minimum number of values since the last restart before a change may be signalled
 *                     (default 30)
 * @param delta        {@code δ ≥ 0}, the magnitude of changes that are tolerated (default 0.005)
 * @param threshold    {@code λ > 0}, the detection threshold on the cumulative sum (default 50)
 * @param alpha        {@code α ∈ (0, 1]}, the fading factor of the cumulative sum (default {@code 1 − 0.0001})
 * @param mode         which changes of the mean to detect (default {@link Mode#UP}: an increase of the loss)
 */
public record PageHinkleySettings(int minInstances, double delta, double threshold, double alpha, Mode mode)
        implements DriftSettings {

    /** The type name in model definitions. */
    public static final String TYPE = "page-hinkley";

    /** {@code min_instances = 30, δ = 0.005, λ = 50, α = 1 − 0.0001, mode = up}. */
    public static final PageHinkleySettings DEFAULTS = new PageHinkleySettings(30, 0.005, 50, 1 - 0.0001, Mode.UP);

    /** The direction of the changes to detect. */
    public enum Mode {
        /** An increase of the mean: for a loss, the model got worse. */
        UP,
        /** A decrease of the mean. */
        DOWN,
        /** Either. */
        BOTH;

        /** The name in model definitions: {@code up}, {@code down} or {@code both}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode ofId(String id) {
            for (Mode mode : values()) {
                if (mode.id().equals(id)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("page-hinkley parameter mode must be one of \"up\", \"down\", \"both\", found \""
                    + id + "\"");
        }
    }

    public PageHinkleySettings {
        if (minInstances < 1) {
            throw new IllegalArgumentException("page-hinkley parameter min_instances must be >= 1, found " + minInstances);
        }
        if (!(delta >= 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("page-hinkley parameter delta must be a finite number >= 0, found " + delta);
        }
        if (!(threshold > 0) || !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("page-hinkley parameter threshold must be a finite number > 0, found " + threshold);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("page-hinkley parameter alpha must be in (0, 1], found " + alpha);
        }
        if (mode == null) {
            throw new IllegalArgumentException("page-hinkley parameter mode must be one of \"up\", \"down\", \"both\", found null");
        }
    }

    /** These settings with another mode. */
    public PageHinkleySettings withMode(Mode mode) {
        return new PageHinkleySettings(minInstances, delta, threshold, alpha, mode);
    }

    /** These settings with another threshold {@code λ}. */
    public PageHinkleySettings withThreshold(double threshold) {
        return new PageHinkleySettings(minInstances, delta, threshold, alpha, mode);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public PageHinkley newDetector() {
        return new PageHinkley(this);
    }

    /** Reads {@code min_instances}, {@code delta}, {@code threshold}, {@code alpha}, {@code mode}. */
    static PageHinkleySettings of(Map<String, ?> values) {
        Parameters p = new Parameters(TYPE, values, Set.of("min_instances", "delta", "threshold", "alpha", "mode"));
        return new PageHinkleySettings(
                p.integer("min_instances", DEFAULTS.minInstances),
                p.number("delta", DEFAULTS.delta),
                p.number("threshold", DEFAULTS.threshold),
                p.number("alpha", DEFAULTS.alpha),
                Mode.ofId(p.string("mode", DEFAULTS.mode.id())));
    }
}
