package dev.backstream.drift;

/**
 * The random numbers of NumPy's legacy {@code numpy.random.seed(s)} / {@code numpy.random.randint(high, size=k)}, so
 * that River's test streams can be reproduced value for value: the Mersenne Twister MT19937 (Matsumoto and Nishimura,
 * 1998) seeded by {@code init_genrand(s)}, and {@code randint(high)} by masked rejection on 32-bit outputs, as NumPy
 * does for ranges below 2^32 ({@code random_bounded_uint64_fill} with {@code use_masked}).
 */
final class NumpyLegacyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int index;

    NumpyLegacyRandom(long seed) {
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** MT19937's {@code genrand_int32}, as an unsigned value in a long. */
    long nextUint32() {
        if (index >= N) {
            twist();
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >>> 18;
        return y & 0xFFFFFFFFL;
    }

    /** {@code numpy.random.randint(high)}: uniform on {@code [0, high)}, for {@code 1 ≤ high ≤ 2^32}. */
    int randint(int high) {
        long range = high - 1L;
        if (range == 0) {
            return 0;
        }
        long mask = range;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        long value;
        do {
            value = nextUint32() & mask;
        } while (value > range);
        return (int) value;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7FFFFFFF);
            mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908B0DF : 0);
        }
        index = 0;
    }
}
