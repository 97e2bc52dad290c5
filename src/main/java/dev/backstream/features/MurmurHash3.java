package dev.backstream.features;

/**
 * MurmurHash3, the x86 32-bit variant (Austin Appleby's reference {@code MurmurHash3_x86_32}), which picks the column
 * of a hashed categorical value. Written out here rather than borrowed so that the column of a value is fixed by this
 * file alone: a library upgrade can never move a category to another column of a trained model.
 */
final class MurmurHash3 {
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private MurmurHash3() {
    }

    /** The 32-bit hash of {@code data} with {@code seed}, as the reference implementation returns it (signed here). */
    static int x86_32(byte[] data, int seed) {
        int h = seed;
        int blocks = data.length / 4;
        for (int i = 0; i < blocks; i++) {
            int j = 4 * i;
            // each 4-byte block is read little-endian, whatever the platform
            int k = (data[j] & 0xff) | (data[j + 1] & 0xff) << 8 | (data[j + 2] & 0xff) << 16 | (data[j + 3] & 0xff) << 24;
            h ^= mixK(k);
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int tail = 4 * blocks;
        int k = 0;
        switch (data.length & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= data[tail] & 0xff;
                h ^= mixK(k);
                break;
            default:
                break;
        }
        h ^= data.length;
        return finalMix(h);
    }

    private static int mixK(int k) {
        k *= C1;
        k = Integer.rotateLeft(k, 15);
        return k * C2;
    }

    /** The avalanche step ({@code fmix32}): every input bit affects every output bit. */
    private static int finalMix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
