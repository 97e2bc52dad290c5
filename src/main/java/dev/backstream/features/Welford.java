package dev.backstream.features;

/**
 * Welford's running count, mean and sum of squared deviations ({@code M2}) of one field: numerically stable in one
 * pass, and exactly reproducible because every step is a fixed sequence of IEEE operations.
 */
final class Welford {
    long count;
    double mean;
    double m2;

    Welford() {
    }

    Welford(long count, double mean, double m2) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    /** {@code n ← n+1; δ = x − μ; μ ← μ + δ/n; M2 ← M2 + δ·(x − μ_new)}. */
    void add(double x) {
        count++;
        double delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
    }

    /** The population standard deviation {@code √(M2/n)}, 0 before the first value. */
    double standardDeviation() {
        return count == 0 ? 0.0 : Math.sqrt(m2 / count);
    }

    Welford copy() {
        return new Welford(count, mean, m2);
    }

    boolean bitIdentical(Welford other) {
        return count == other.count
                && Double.doubleToRawLongBits(mean) == Double.doubleToRawLongBits(other.mean)
                && Double.doubleToRawLongBits(m2) == Double.doubleToRawLongBits(other.m2);
    }
}
