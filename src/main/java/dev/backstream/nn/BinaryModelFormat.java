package dev.backstream.nn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary encoding of a complete model (architecture, optimizer, counters, parameters and optimizer
 * state), for state stores and other hot paths where JSON is far too slow. Parameters are copied in bulk.
 *
 * <p>Layout, little-endian:
 * <pre>
 *   int    magic 0x4C4D5342 ("BSML")      short version (1: float64 values, 2: float32)     short reserved (0)
 *   int    inputs                          int   layer count L
 *   L ×    { int units, byte activation code }
 *   byte   loss code                       byte  optimizer code     byte nesterov (0/1)
 *   7 ×    double: learningRate, l2, clipNorm, momentum, beta1, beta2, epsilon (unused ones 0)
 *   long   updates                         long  optimizer steps
 *   P ×    double (version 1) or float (version 2) parameters in the public order: per layer, W row-major, then b
 *   S·P ×  optimizer state vectors of the same type, in the same order
 * </pre>
 * Codes: activations sigmoid 1, tanh 2, relu 3, linear 4, softmax 5; losses squared_error 1,
 * binary_cross_entropy 2, categorical_cross_entropy 3; optimizers sgd 1, momentum 2, adam 3.
 * This is a storage format, versioned so that a reader rejects what it does not understand; the public exchange
 * format is the JSON snapshot.
 */
public final class BinaryModelFormat {
    public static final int MAGIC = 0x4C4D5342;
    public static final short VERSION = 1;
    /** The version of a {@link Dtype#FLOAT32} model: the same layout with 4-byte floats. */
    public static final short VERSION_FLOAT32 = 2;

    private static final Activation[] ACTIVATION_CODES = {null, Activation.SIGMOID, Activation.TANH, Activation.RELU,
            Activation.LINEAR, Activation.SOFTMAX};
    private static final Loss[] LOSS_CODES = {null, Loss.SQUARED_ERROR, Loss.BINARY_CROSS_ENTROPY,
            Loss.CATEGORICAL_CROSS_ENTROPY};

    private BinaryModelFormat() {
    }

    /** The exact number of bytes {@link #encode} writes for {@code model}. */
    public static int encodedSize(Mlp model) {
        return encodedSize(model.architecture(), model.optimizer());
    }

    /** The exact encoded size of any model of this architecture and optimizer. */
    public static int encodedSize(Architecture architecture, OptimizerSpec optimizer) {
        long values = (long) architecture.parameterCount() * (1 + optimizer.stateVectors());
        long size = 4 + 2 + 2 + 4 + 4 + 5L * architecture.depth() + 3 + 7 * 8 + 8 + 8 + (long) architecture.dtype().bytes() * values;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("model too large to encode: " + size + " bytes");
        }
        return (int) size;
    }

    /** Encodes {@code model} into a new array of exactly {@link #encodedSize(Mlp)} bytes. */
    public static byte[] encode(Mlp model) {
        byte[] bytes = new byte[encodedSize(model)];
        encode(model, ByteBuffer.wrap(bytes));
        return bytes;
    }

    /** Encodes {@code model} at the buffer's position, advancing it; the buffer's byte order is left as it was. */
    public static void encode(Mlp model, ByteBuffer target) {
        ByteOrder order = target.order();
        ByteBuffer out = target.order(ByteOrder.LITTLE_ENDIAN);
        Architecture architecture = model.architecture();
        out.putInt(MAGIC).putShort(architecture.dtype() == Dtype.FLOAT32 ? VERSION_FLOAT32 : VERSION).putShort((short) 0);
        out.putInt(architecture.inputs()).putInt(architecture.depth());
        for (LayerSpec layer : architecture.layers()) {
            out.putInt(layer.units()).put((byte) code(ACTIVATION_CODES, layer.activation()));
        }
        out.put((byte) code(LOSS_CODES, architecture.loss()));
        OptimizerSpec optimizer = model.optimizer();
        double momentum = 0;
        double beta1 = 0;
        double beta2 = 0;
        double epsilon = 0;
        boolean nesterov = false;
        byte optimizerCode;
        if (optimizer instanceof OptimizerSpec.Momentum m) {
            optimizerCode = 2;
            momentum = m.momentum();
            nesterov = m.nesterov();
        } else if (optimizer instanceof OptimizerSpec.Adam adam) {
            optimizerCode = 3;
            beta1 = adam.beta1();
            beta2 = adam.beta2();
            epsilon = adam.epsilon();
        } else {
            optimizerCode = 1;
        }
        out.put(optimizerCode).put((byte) (nesterov ? 1 : 0));
        out.putDouble(optimizer.learningRate()).putDouble(optimizer.l2()).putDouble(optimizer.clipNorm())
                .putDouble(momentum).putDouble(beta1).putDouble(beta2).putDouble(epsilon);
        out.putLong(model.updates()).putLong(model.optimizerSteps());
        model.put(out);
        target.order(order);
    }

    /**
     * Decodes a model written by {@link #encode}.
     *
     * @throws IllegalArgumentException naming what is wrong: magic, version, shape, codes, length or a non-finite value
     */
    public static Mlp decode(byte[] bytes) {
        return decode(ByteBuffer.wrap(bytes));
    }

    /** Decodes a model from the buffer's position, advancing it past the model. */
    public static Mlp decode(ByteBuffer source) {
        ByteOrder order = source.order();
        ByteBuffer in = source.order(ByteOrder.LITTLE_ENDIAN);
        try {
            Header header = readHeader(in);
            return Mlp.decode(header.architecture(), header.optimizer(), in, header.updates(), header.optimizerSteps());
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("binary model truncated in its header", e);
        } finally {
            source.order(order);
        }
    }

    /**
     * What a model's encoding says before its parameters: shape, optimizer and counters.
     *
     * @param updates        the model's version (labeled samples applied)
     * @param optimizerSteps steps its optimizer took
     */
    public record Header(Architecture architecture, OptimizerSpec optimizer, long updates, long optimizerSteps) {
    }

    /**
     * Reads the header of a model written by {@link #encode} and skips its parameters and optimizer state without
     * decoding them, advancing the buffer past the model: for readers that need a stored model's version, not the
     * model (a task's start with many models).
     *
     * @throws IllegalArgumentException as {@link #decode(ByteBuffer)} for a bad header or a truncated model
     */
    public static Header skip(ByteBuffer source) {
        ByteOrder order = source.order();
        ByteBuffer in = source.order(ByteOrder.LITTLE_ENDIAN);
        try {
            Header header = readHeader(in);
            Architecture architecture = header.architecture();
            in.position((int) (in.position() + (long) architecture.dtype().bytes() * architecture.parameterCount()
                    * (1 + header.optimizer().stateVectors())));
            return header;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("binary model truncated in its header", e);
        } finally {
            source.order(order);
        }
    }

    /** Reads the header, leaving {@code in} (little-endian) at the parameters, which it checks are all there. */
    private static Header readHeader(ByteBuffer in) {
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException(String.format("not a backstream binary model: magic 0x%08X, expected 0x%08X", magic, MAGIC));
        }
        short version = in.getShort();
        if (version != VERSION && version != VERSION_FLOAT32) {
            throw new IllegalArgumentException("unsupported binary model version " + version + ", expected " + VERSION
                    + " or " + VERSION_FLOAT32);
        }
        Dtype dtype = version == VERSION_FLOAT32 ? Dtype.FLOAT32 : Dtype.FLOAT64;
        in.getShort();
        int inputs = in.getInt();
        int depth = in.getInt();
        if (depth < 1 || depth > 1024) {
            throw new IllegalArgumentException("binary model declares " + depth + " layers");
        }
        List<LayerSpec> layers = new ArrayList<>(depth);
        for (int m = 0; m < depth; m++) {
            int units = in.getInt();
            layers.add(new LayerSpec(units, lookup(ACTIVATION_CODES, in.get(), "activation of layer " + m)));
        }
        Architecture architecture = new Architecture(inputs, layers, lookup(LOSS_CODES, in.get(), "loss"), dtype);
        byte optimizerCode = in.get();
        boolean nesterov = in.get() != 0;
        double rate = in.getDouble();
        double l2 = in.getDouble();
        double clipNorm = in.getDouble();
        double momentum = in.getDouble();
        double beta1 = in.getDouble();
        double beta2 = in.getDouble();
        double epsilon = in.getDouble();
        OptimizerSpec optimizer;
        switch (optimizerCode) {
            case 1 -> optimizer = new OptimizerSpec.Sgd(rate, l2, clipNorm);
            case 2 -> optimizer = new OptimizerSpec.Momentum(rate, momentum, nesterov, l2, clipNorm);
            case 3 -> optimizer = new OptimizerSpec.Adam(rate, beta1, beta2, epsilon, l2, clipNorm);
            default -> throw new IllegalArgumentException("unknown optimizer code " + optimizerCode + " in binary model");
        }
        long updates = in.getLong();
        long optimizerSteps = in.getLong();
        int count = architecture.parameterCount();
        long needed = (long) dtype.bytes() * count * (1 + optimizer.stateVectors());
        if (in.remaining() < needed) {
            throw new IllegalArgumentException("binary model truncated: " + architecture.describe() + " needs " + needed
                    + " bytes of parameters and state, found " + in.remaining());
        }
        return new Header(architecture, optimizer, updates, optimizerSteps);
    }

    private static <T> int code(T[] table, T value) {
        for (int c = 1; c < table.length; c++) {
            if (table[c] == value) {
                return c;
            }
        }
        throw new AssertionError(value);
    }

    private static <T> T lookup(T[] table, byte code, String what) {
        if (code < 1 || code >= table.length) {
            throw new IllegalArgumentException("unknown code " + code + " for " + what + " in binary model");
        }
        return table[code];
    }
}
