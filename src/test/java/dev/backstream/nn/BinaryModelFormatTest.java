package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The binary model encoding")
class BinaryModelFormatTest {

    private static Mlp trained(OptimizerSpec optimizer) {
        Mlp model = Mlp.initialize(MlpContractTest.CLASSIFIER, optimizer, 12);
        Random random = new Random(3);
        for (int i = 0; i < 30; i++) {
            model.learn(MlpContractTest.features(random), random.nextInt(3));
        }
        return model;
    }

    @Test
    void roundTripsEveryOptimizerBitIdenticallyAndContinuesIdentically() {
        for (OptimizerSpec optimizer : MlpContractTest.optimizers()) {
            Mlp model = trained(optimizer);
            byte[] bytes = BinaryModelFormat.encode(model);
            assertEquals(BinaryModelFormat.encodedSize(model), bytes.length);
            Mlp decoded = BinaryModelFormat.decode(bytes);
            assertTrue(decoded.bitIdentical(model), optimizer.toString());
            Random random = new Random(4);
            for (int i = 0; i < 10; i++) {
                double[] x = MlpContractTest.features(random);
                int label = random.nextInt(3);
                model.learn(x, label);
                decoded.learn(x, label);
            }
            assertTrue(decoded.bitIdentical(model), optimizer + " after further learning");
        }
    }

    @Test
    void encodesAtABufferPositionAndLeavesItsByteOrderAlone() {
        Mlp model = trained(OptimizerSpec.Adam.withDefaults(0.01));
        ByteBuffer buffer = ByteBuffer.allocate(10 + BinaryModelFormat.encodedSize(model)).order(ByteOrder.BIG_ENDIAN);
        buffer.position(10);
        BinaryModelFormat.encode(model, buffer);
        assertEquals(buffer.capacity(), buffer.position());
        assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
        buffer.position(10);
        assertTrue(BinaryModelFormat.decode(buffer).bitIdentical(model));
    }

    @Test
    void rejectsForeignBytesOtherVersionsAndTruncation() {
        byte[] bytes = BinaryModelFormat.encode(trained(OptimizerSpec.sgd(0.1)));

        byte[] foreign = bytes.clone();
        foreign[0] = 'X';
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(foreign))
                .getMessage().contains("not a backstream binary model"));

        byte[] future = bytes.clone();
        future[4] = 3;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(future))
                .getMessage().contains("unsupported binary model version 3, expected 1 or 2"));

        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(truncated))
                .getMessage().contains("truncated"));

        assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(new byte[6]))
                .getMessage().contains("not a backstream binary model"));
    }

    @Test
    void rejectsANonFiniteParameter() {
        Mlp model = trained(OptimizerSpec.sgd(0.1));
        byte[] bytes = BinaryModelFormat.encode(model);
        int firstParameter = bytes.length - 8 * model.architecture().parameterCount();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putDouble(firstParameter, Double.NaN);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(bytes))
                .getMessage().contains("non-finite parameter"));
    }

    @org.junit.jupiter.api.Nested
    @DisplayName("skipping a model (its header read, its parameters not)")
    class Skip {
        @Test
        void readsTheHeaderDecodeReadsAndEndsWhereDecodeEndsForEveryOptimizer() {
            for (OptimizerSpec optimizer : MlpContractTest.optimizers()) {
                Mlp model = trained(optimizer);
                // the model between other bytes, as in a stored value: skip must land on what follows, as decode does
                ByteBuffer buffer = ByteBuffer.allocate(10 + BinaryModelFormat.encodedSize(model) + 8).order(ByteOrder.BIG_ENDIAN);
                buffer.position(10);
                BinaryModelFormat.encode(model, buffer);
                buffer.putLong(42);

                buffer.position(10);
                Mlp decoded = BinaryModelFormat.decode(buffer);
                int decodeEnd = buffer.position();
                buffer.position(10);
                BinaryModelFormat.Header header = BinaryModelFormat.skip(buffer);
                assertEquals(decodeEnd, buffer.position(), optimizer.toString());
                assertEquals(ByteOrder.BIG_ENDIAN, buffer.order(), "the caller's byte order is left alone");
                assertEquals(decoded.architecture(), header.architecture(), optimizer.toString());
                assertEquals(decoded.optimizer(), header.optimizer(), optimizer.toString());
                assertEquals(30, header.updates(), optimizer.toString());
                assertEquals(decoded.updates(), header.updates());
                assertEquals(decoded.optimizerSteps(), header.optimizerSteps());
            }
        }

        @Test
        void rejectsAModelCutShortInItsParametersOrItsHeader() {
            byte[] bytes = BinaryModelFormat.encode(trained(OptimizerSpec.Adam.withDefaults(0.01)));
            // without the check, skip would move the position past the end (or throw what its caller does not expect)
            byte[] parametersCut = Arrays.copyOf(bytes, bytes.length - 8);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.skip(ByteBuffer.wrap(parametersCut)))
                    .getMessage().contains("truncated"));
            byte[] headerCut = Arrays.copyOf(bytes, 20);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.skip(ByteBuffer.wrap(headerCut)))
                    .getMessage().contains("truncated"));
            byte[] foreign = bytes.clone();
            foreign[0] = 'X';
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.skip(ByteBuffer.wrap(foreign)))
                    .getMessage().contains("not a backstream binary model"));
        }
    }

    @org.junit.jupiter.api.Nested
    @DisplayName("a float32 model (version 2, 4-byte values)")
    class Float32 {
        private final Architecture shape = MlpContractTest.CLASSIFIER.withDtype(Dtype.FLOAT32);
        /** Plain SGD (its last update still pending when encoded), momentum, Adam. */
        private final List<OptimizerSpec> optimizers = List.of(OptimizerSpec.sgd(0.1), new OptimizerSpec.Momentum(0.05, 0.9, true, 0, 0),
                OptimizerSpec.Adam.withDefaults(0.01));

        private Mlp trained32(OptimizerSpec optimizer) {
            Mlp model = Mlp.initialize(shape, optimizer, 12);
            Random random = new Random(3);
            for (int i = 0; i < 30; i++) {
                model.learn(MlpContractTest.features(random), random.nextInt(3));
            }
            return model;
        }

        @Test
        void encodesToHalfTheParameterBytesOfFloat64AsVersion2() {
            for (OptimizerSpec optimizer : optimizers) {
                Mlp model = trained32(optimizer);
                byte[] bytes = BinaryModelFormat.encode(model);
                int wide = BinaryModelFormat.encodedSize(MlpContractTest.CLASSIFIER, optimizer);
                int values = shape.parameterCount() * (1 + optimizer.stateVectors());
                int header = wide - 8 * values;
                assertEquals(BinaryModelFormat.encodedSize(model), bytes.length, optimizer.type());
                assertEquals(BinaryModelFormat.VERSION_FLOAT32, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getShort(4));
                assertEquals(header + 4 * values, bytes.length, optimizer.type() + ": the float64 header, then 4 bytes per value");
                assertEquals((wide - header) / 2, bytes.length - header, optimizer.type() + ": half the parameter bytes");
                assertEquals(BinaryModelFormat.VERSION, ByteBuffer.wrap(BinaryModelFormat.encode(Mlp.initialize(MlpContractTest.CLASSIFIER,
                        optimizer, 12))).order(ByteOrder.LITTLE_ENDIAN).getShort(4), "float64 stays version 1");
                float first = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat(header);
                assertEquals(model.parameters()[0], first, optimizer.type() + ": the values start right after the header");
            }
        }

        @Test
        void decodesBitIdenticallyAndLearnsOnIdentically() {
            for (OptimizerSpec optimizer : optimizers) {
                Mlp model = trained32(optimizer);
                Mlp decoded = BinaryModelFormat.decode(BinaryModelFormat.encode(model));
                assertEquals(Dtype.FLOAT32, decoded.architecture().dtype());
                assertTrue(decoded.bitIdentical(model), optimizer.type());
                Random random = new Random(4);
                for (int i = 0; i < 10; i++) {
                    double[] x = MlpContractTest.features(random);
                    int label = random.nextInt(3);
                    assertArrayEquals(model.learn(x, label).copyOutput(), decoded.learn(x, label).copyOutput(), optimizer.type() + ", step " + i);
                }
                assertTrue(decoded.bitIdentical(model), optimizer.type() + " after further learning");
            }
        }

        @Test
        void skipAdvancesPastAFloat32Model() {
            for (OptimizerSpec optimizer : optimizers) {
                Mlp model = trained32(optimizer);
                ByteBuffer buffer = ByteBuffer.allocate(BinaryModelFormat.encodedSize(model) + 8);
                BinaryModelFormat.encode(model, buffer);
                buffer.putLong(42);
                buffer.position(0);
                BinaryModelFormat.Header header = BinaryModelFormat.skip(buffer);
                assertEquals(BinaryModelFormat.encodedSize(model), buffer.position(), optimizer.type());
                assertEquals(42, buffer.getLong(), optimizer.type() + ": what follows the model");
                assertEquals(shape, header.architecture());
                assertEquals(model.updates(), header.updates());
                assertEquals(model.optimizerSteps(), header.optimizerSteps());
            }
        }

        @Test
        void rejectsATruncatedEncodingAndANonFiniteValue() {
            byte[] bytes = BinaryModelFormat.encode(trained32(OptimizerSpec.Adam.withDefaults(0.01)));
            byte[] truncated = Arrays.copyOf(bytes, bytes.length - 4);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(truncated))
                    .getMessage().contains("truncated"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.skip(ByteBuffer.wrap(truncated)))
                    .getMessage().contains("truncated"));

            int firstParameter = bytes.length - 4 * 3 * shape.parameterCount();
            byte[] nan = bytes.clone();
            ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(firstParameter, Float.NaN);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BinaryModelFormat.decode(nan))
                    .getMessage().contains("non-finite parameter"));
        }
    }
}
