package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The production {@link Mlp}, with its kernels, deferred update, clipping shortcut and finite-step guard, learns
 * exactly what the plain {@link ReferenceMlp} learns: bit-identical predictions at every step, bit-identical
 * parameters every 100 steps over 1,000 steps, and the same steps rejected as non-finite (a few linear networks
 * diverge), for every output pairing with every hidden activation, every optimizer, and both kernels.
 */
@DisplayName("Mlp is bit-identical to the plain reference network")
class DifferentialTest {
    private static final int STEPS = 1_000;

    static Stream<Arguments> cases() {
        Object[][] outputs = {
                {Loss.SQUARED_ERROR, Activation.LINEAR}, {Loss.SQUARED_ERROR, Activation.SIGMOID},
                {Loss.SQUARED_ERROR, Activation.TANH}, {Loss.SQUARED_ERROR, Activation.RELU},
                {Loss.BINARY_CROSS_ENTROPY, Activation.SIGMOID}, {Loss.CATEGORICAL_CROSS_ENTROPY, Activation.SOFTMAX}};
        List<OptimizerSpec> optimizers = List.of(OptimizerSpec.sgd(0.05), new OptimizerSpec.Sgd(0.05, 1e-3, 0.5),
                new OptimizerSpec.Momentum(0.02, 0.9, false, 0, 0), new OptimizerSpec.Momentum(0.02, 0.9, true, 1e-4, 1.0),
                OptimizerSpec.Adam.withDefaults(0.005), new OptimizerSpec.Adam(0.005, 0.8, 0.99, 1e-6, 1e-3, 2.0));
        List<Arguments> cases = new ArrayList<>();
        for (Object[] output : outputs) {
            for (Activation hidden : List.of(Activation.SIGMOID, Activation.TANH, Activation.RELU, Activation.LINEAR)) {
                for (OptimizerSpec optimizer : optimizers) {
                    for (String kernel : List.of("Scalar", "VectorKernel")) {
                        cases.add(Arguments.of(output[0], output[1], hidden, optimizer, kernel));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1} output, {2} hidden, {3}, {4}")
    @MethodSource("cases")
    void learnsBitForBitWhatTheReferenceLearns(Loss loss, Activation output, Activation hidden, OptimizerSpec optimizer,
                                               String kernelName) {
        // 20 inputs and 17 units: rows long enough for the vector loops and their scalar tails.
        assertLearnsWhatTheReferenceLearns(Architecture.of(20, loss, new LayerSpec(17, hidden), new LayerSpec(9, hidden),
                new LayerSpec(3, output)), optimizer, kernelName, STEPS);
    }

    @ParameterizedTest(name = "{0}, {1} output, {2} hidden, {3}, {4}")
    @MethodSource("cases")
    void learnsBitForBitWhatTheReferenceLearnsWithShortRows(Loss loss, Activation output, Activation hidden,
                                                            OptimizerSpec optimizer, String kernelName) {
        // rows shorter than one pass of the kernels' loop, in groups of four and left over (9 = 4 + 4 + 1, 7 = 4 + 3)
        assertLearnsWhatTheReferenceLearns(Architecture.of(6, loss, new LayerSpec(9, hidden), new LayerSpec(7, hidden),
                new LayerSpec(3, output)), optimizer, kernelName, 300);
    }

    private static void assertLearnsWhatTheReferenceLearns(Architecture shape, OptimizerSpec optimizer, String kernelName, int steps) {
        Kernels.Kernel kernel = kernelName.equals("Scalar") ? Kernels.SCALAR : Kernels.vector();
        assumeTrue(kernel != null, "jdk.incubator.vector is not in the boot layer");
        Mlp model = Mlp.initialize(shape, optimizer, 7, kernel);
        ReferenceMlp reference = new ReferenceMlp(shape, optimizer, model.parameters());
        SplittableRandom random = new SplittableRandom(11);
        for (int step = 1; step <= steps; step++) {
            double[] x = random.doubles(shape.inputs(), -1, 1).toArray();
            double[] y = target(shape.loss(), random);
            double[] expected = reference.learn(x, y);
            assertArrayEquals(expected, model.learn(x, y).copyOutput(), "prediction at step " + step);
            if (step % 100 == 0) {
                assertArrayEquals(reference.parameters(), model.parameters(), "parameters after step " + step);
            }
        }
        assertEquals(reference.stepsApplied(), model.updates(), "steps applied (the guard rejects the same non-finite steps)");
    }

    static double[] target(Loss loss, SplittableRandom random) {
        return switch (loss) {
            case SQUARED_ERROR -> random.doubles(3, -1, 1).toArray();
            case BINARY_CROSS_ENTROPY -> random.doubles(3, 0, 1).toArray();
            case CATEGORICAL_CROSS_ENTROPY -> {
                double[] y = new double[3];
                y[random.nextInt(3)] = 1.0;
                yield y;
            }
        };
    }
}
