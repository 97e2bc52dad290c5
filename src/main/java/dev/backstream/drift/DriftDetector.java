package dev.backstream.drift;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;

/**
 * An online change detector over a stream of real values (for Backstream, the prequential loss of a model: the loss of
 * each prediction made before the model learns the sample).
 *
 * <p>Contract, shared by every detector:
 * <ul>
 *   <li>{@link #update(double)} takes the next value and returns {@code true} exactly on the value at which a change is
 *       detected; {@link #lastDetection()} then describes what fired.</li>
 *   <li>After a detection the detector starts afresh with the next value (as River's detectors do): the statistics
 *       gathered before the change describe the old concept, and one change raises one alarm. {@link #count()} and
 *       the detection indices keep counting across these restarts.</li>
 *   <li>The detector is deterministic, and its whole state has a compact binary encoding: a detector decoded from
 *       {@link #encode(ByteBuffer)} continues bit for bit as the original would have.</li>
 * </ul>
 * Instances are mutable and not thread-safe; one detector belongs to one model.
 */
public sealed interface DriftDetector permits CountingDetector {

    /**
     * Takes the next value of the stream.
     *
     * @param value a finite number
     * @return whether a change is detected at this value
     * @throws IllegalArgumentException if {@code value} is NaN or infinite (the state is left untouched)
     */
    boolean update(double value);

    /** The number of values taken since construction or the last {@link #reset()}, counting across detections. */
    long count();

    /** The number of changes detected since construction or the last {@link #reset()}. */
    long detections();

    /** The most recent detection, if any since construction or the last {@link #reset()}. */
    Optional<Detection> lastDetection();

    /** Forgets everything, counters and last detection included: the detector is as if newly built. */
    void reset();

    /** The settings this detector was built with. */
    DriftSettings settings();

    /** The exact number of bytes {@link #encode(ByteBuffer)} writes now (it grows with ADWIN's window). */
    int encodedSize();

    /**
     * Writes the complete state (settings included) at the buffer's position, advancing it by exactly
     * {@link #encodedSize()} bytes; the buffer's byte order is left as it was.
     */
    void encode(ByteBuffer target);

    /** Encodes into a new array of exactly {@link #encodedSize()} bytes. */
    default byte[] encode() {
        byte[] bytes = new byte[encodedSize()];
        encode(ByteBuffer.wrap(bytes));
        return bytes;
    }

    /**
     * Reads a detector written by {@link #encode(ByteBuffer)} at the buffer's position, advancing it.
     *
     * @throws IllegalArgumentException if the bytes are not a detector state this version understands
     */
    static DriftDetector decode(ByteBuffer source) {
        ByteOrder order = source.order();
        ByteBuffer in = source.order(ByteOrder.LITTLE_ENDIAN);
        try {
            int magic = in.getInt();
            if (magic != DriftFormat.MAGIC) {
                throw new IllegalArgumentException("not a drift detector state: expected magic 0x"
                        + Integer.toHexString(DriftFormat.MAGIC) + ", found 0x" + Integer.toHexString(magic));
            }
            byte version = in.get();
            if (version != DriftFormat.VERSION) {
                throw new IllegalArgumentException("unsupported drift detector state version: expected "
                        + DriftFormat.VERSION + ", found " + version);
            }
            byte type = in.get();
            return switch (type) {
                case DriftFormat.ADWIN -> Adwin.decodeBody(in);
                case DriftFormat.PAGE_HINKLEY -> PageHinkley.decodeBody(in);
                default -> throw new IllegalArgumentException("unknown drift detector type code " + type);
            };
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated drift detector state", e);
        } finally {
            source.order(order);
        }
    }

    /** Reads a detector from an array written by {@link #encode()}, rejecting trailing bytes. */
    static DriftDetector decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        DriftDetector detector = decode(in);
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("drift detector state has " + in.remaining() + " trailing bytes");
        }
        return detector;
    }

    /**
     * Builds a fresh detector from its definition, as a JSON model definition gives it.
     *
     * @param type       {@code "adwin"} or {@code "page-hinkley"}
     * @param parameters parameter name to value (numbers, or a string for Page-Hinkley's {@code mode}); absent
     *                   parameters take their defaults
     * @throws IllegalArgumentException naming the type or parameter, for an unknown type, an unknown parameter, or a
     *                                  value of the wrong kind or out of range
     */
    static DriftDetector create(String type, Map<String, ?> parameters) {
        return DriftSettings.of(type, parameters).newDetector();
    }
}
