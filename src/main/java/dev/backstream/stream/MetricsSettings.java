package dev.backstream.stream;

/**
 * How the learner measures its models (see {@link PrequentialMetrics}).
 *
 * @param window       window metrics cover a model's last this many labeled predictions ({@code metrics.window})
 * @param fadingFactor the weight of the previous fading average at each new labeled prediction, in [0, 1]
 *                     ({@code metrics.fading.factor})
 * @param intervalMs   wall-clock cadence of the metrics records of changed models; 0 disables publishing
 *                     ({@code metrics.interval.ms})
 */
public record MetricsSettings(int window, double fadingFactor, long intervalMs) {
    /** The defaults of the configuration: a window of 1,000, fading factor 0.999, every 5 s. */
    public static final MetricsSettings DEFAULT = new MetricsSettings(1000, 0.999, 5_000);
    /**
     * The largest window: its entries (24 bytes each) are stored in the model store, in sealed chunks beside the model
     * (in the model's value only after a window resize or an upgrade from a format 2 value, until its next commit).
     */
    public static final int MAX_WINDOW = 10_000;
    /**
     * An upper bound of the metrics part of a stored model: the largest window, counters, dead letters by reason and
     * the source topic name (at most 249 characters).
     */
    public static final int MAX_STORED_BYTES = MAX_WINDOW * 24 + 4096;

    public MetricsSettings {
        if (window < 1 || window > MAX_WINDOW || !(fadingFactor >= 0.0 && fadingFactor <= 1.0) || intervalMs < 0) {
            throw new IllegalArgumentException("metrics: expected 1 <= window <= " + MAX_WINDOW + ", 0 <= fadingFactor <= 1, intervalMs >= 0; found window "
                    + window + ", fadingFactor " + fadingFactor + ", intervalMs " + intervalMs);
        }
    }
}
