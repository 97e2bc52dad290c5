package dev.backstream.nn;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A float32 {@link Mlp}, with its float kernels, deferred update and finite-step guard, learns exactly what the plain
 * {@link ReferenceFloat32Mlp} learns: bit-identical predictions at every step and parameters every 100 steps over 400 steps, the same
 * steps rejected, for every case of {@link DifferentialTest} (every output pairing, hidden activation, optimizer and
 * kernel). Rows of 40 and 33 inputs reach the float kernels' 32-wide loops and their tails.
 */
@DisplayName("A float32 Mlp is bit-identical to the plain float32 reference network")
class Float32DifferentialTest {
    private static final int STEPS = 400;

    static Stream<Arguments> cases() {
        return DifferentialTest.cases();
    }

    @ParameterizedTest(name = "{0}, {1} output, {2} hidden, {3}, {4}")
    @MethodSource("cases")
    void learnsBitForBitWhatTheFloat32ReferenceLearns(Loss loss, Activation output, Activation hidden, OptimizerSpec optimizer,
                                                      String kernelName) {
        assertLearnsWhatTheReferenceLearns(Architecture.of(40, loss, new LayerSpec(33, hidden), new LayerSpec(9, hidden),
                new LayerSpec(3, output)), optimizer, kernelName, STEPS);
    }

    @ParameterizedTest(name = "{0}, {1} output, {2} hidden, {3}, {4}")
    @MethodSource("cases")
    void learnsBitForBitWhatTheFloat32ReferenceLearnsWithShortRows(Loss loss, Activation output, Activation hidden,
                                                                   OptimizerSpec optimizer, String kernelName) {
        // rows shorter than one pass of the kernels' loop, in groups of four and left over (9 = 4 + 4 + 1, 7 = 4 + 3)
        assertLearnsWhatTheReferenceLearns(Architecture.of(6, loss, new LayerSpec(9, hidden), new LayerSpec(7, hidden),
                new LayerSpec(3, output)), optimizer, kernelName, 300);
    }

    private static void assertLearnsWhatTheReferenceLearns(Architecture float64Shape, OptimizerSpec optimizer, String kernelName,
                                                           int steps) {
        Kernels.Kernel kernel = kernelName.equals("Scalar") ? Kernels.SCALAR : Kernels.vector();
        assumeTrue(kernel != null, "jdk.incubator.vector is not in the boot layer");
        Architecture shape = float64Shape.withDtype(Dtype.FLOAT32);
        Mlp model = Mlp.initialize(shape, optimizer, 7, kernel);
        ReferenceFloat32Mlp reference = new ReferenceFloat32Mlp(shape, optimizer, model.parameters());
        SplittableRandom random = new SplittableRandom(11);
        for (int step = 1; step <= steps; step++) {
            double[] x = random.doubles(shape.inputs(), -1, 1).toArray();
            double[] y = DifferentialTest.target(shape.loss(), random);
            double[] expected = reference.learn(x, y);
            assertArrayEquals(expected, model.learn(x, y).copyOutput(), "prediction at step " + step);
            if (step % 100 == 0) {
                assertArrayEquals(reference.parameters(), model.parameters(), "parameters after step " + step);
            }
        }
        assertEquals(reference.stepsApplied(), model.updates(), "steps applied (the guard rejects the same non-finite steps)");
    }
}
