package dev.backstream.drift;

import java.util.Map;
import java.util.Set;

/**
 * The parameters of {@link Adwin}, with the defaults of MOA and River.
 *
 * @param delta           the confidence {@code δ ∈ (0, 1)} of the cut test: smaller means fewer false alarms and
 *                        later detections (default 0.002)
 * @param clock           the window is tested for cuts every {@code clock} values (default 32); 1 tests after every
 *                        value, larger values save time at the price of up to {@code clock − 1} values of delay
 * @param maxBuckets      {@code M}, the number of buckets of each size kept before the two oldest are merged
 *                        (default 5); the window's memory is {@code O(M log(n / M))} buckets and each cut point is
 *                        known to within a factor {@code 1 + 1/M}
 * @param minWindowLength the minimum number of values in each sub-window of a cut (default 5)
 * @param gracePeriod     no cut is tested until the window holds more than this many values (default 10)
 */
public record AdwinSettings(double delta, int clock, int maxBuckets, int minWindowLength, int gracePeriod)
        implements DriftSettings {

    /** The type name in model definitions. */
    public static final String TYPE = "adwin";

    /** {@code δ = 0.002, clock = 32, M = 5, min_window_length = 5, grace_period = 10}. */
    public static final AdwinSettings DEFAULTS = new AdwinSettings(0.002, 32, 5, 5, 10);

    public AdwinSettings {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("adwin parameter delta must be in (0, 1), found " + delta);
        }
        if (clock < 1) {
            throw new IllegalArgumentException("adwin parameter clock must be >= 1, found " + clock);
        }
        // M = 1 would merge a row as soon as it holds two buckets; the structure needs at least two of each size.
        if (maxBuckets < 2 || maxBuckets > 64) {
            throw new IllegalArgumentException("adwin parameter max_buckets must be in [2, 64], found " + maxBuckets);
        }
        if (minWindowLength < 1) {
            throw new IllegalArgumentException("adwin parameter min_window_length must be >= 1, found " + minWindowLength);
        }
        if (gracePeriod < 0) {
            throw new IllegalArgumentException("adwin parameter grace_period must be >= 0, found " + gracePeriod);
        }
    }

    /** These settings with another {@code δ}. */
    public AdwinSettings withDelta(double delta) {
        return new AdwinSettings(delta, clock, maxBuckets, minWindowLength, gracePeriod);
    }

    /** These settings with another {@code clock}. */
    public AdwinSettings withClock(int clock) {
        return new AdwinSettings(delta, clock, maxBuckets, minWindowLength, gracePeriod);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Adwin newDetector() {
        return new Adwin(this);
    }

    /** Reads {@code delta}, {@code clock}, {@code max_buckets}, {@code min_window_length}, {@code grace_period}. */
    static AdwinSettings of(Map<String, ?> values) {
        Parameters p = new Parameters(TYPE, values, Set.of("delta", "clock", "max_buckets", "min_window_length", "grace_period"));
        return new AdwinSettings(
                p.number("delta", DEFAULTS.delta),
                p.integer("clock", DEFAULTS.clock),
                p.integer("max_buckets", DEFAULTS.maxBuckets),
                p.integer("min_window_length", DEFAULTS.minWindowLength),
                p.integer("grace_period", DEFAULTS.gracePeriod));
    }
}
