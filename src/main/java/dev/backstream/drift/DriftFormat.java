package dev.backstream.drift;

/**
 * Constants of the binary state encoding. Every state starts with the same header, little-endian:
 * <pre>
 *   int  magic 0x52444242 ("BBDR")   byte version (1)   byte type (1 ADWIN, 2 Page-Hinkley)
 * </pre>
 * followed by the detector's own layout, documented on {@link Adwin} and {@link PageHinkley}. The encoding is a storage
 * format for state stores, versioned so that a reader rejects what it does not understand.
 */
final class DriftFormat {
    static final int MAGIC = 0x52444242;
    static final byte VERSION = 1;
    static final byte ADWIN = 1;
    static final byte PAGE_HINKLEY = 2;
    static final int HEADER_BYTES = 4 + 1 + 1;

    private DriftFormat() {
    }

    static void requireFinite(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("a drift detector takes finite values, found " + value);
        }
    }

    static boolean readBoolean(java.nio.ByteBuffer in, String what) {
        byte b = in.get();
        if (b != 0 && b != 1) {
            throw new IllegalArgumentException("corrupt drift detector state: " + what + " flag must be 0 or 1, found " + b);
        }
        return b == 1;
    }
}
