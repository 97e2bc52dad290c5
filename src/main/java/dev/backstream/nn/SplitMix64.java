package dev.backstream.nn;

/**
 * The SplitMix64 generator (Steele, Lea and Flood, 2014), written out here so that initial weights are specified
 * bit for bit by the seed, independently of the JDK's generators, and can be reproduced by any implementation.
 */
final class SplitMix64 {
    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform double in {@code [0, 1)} from the top 53 bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
