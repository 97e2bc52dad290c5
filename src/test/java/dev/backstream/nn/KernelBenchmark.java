package dev.backstream.nn;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The float32 forward kernels per weight, in nanoseconds: the fused SGD update and dot product
 * ({@code subtractScaledThenDotFour}) and the read-only dot product, on S4's first layer (128 rows of 784 floats,
 * 400 KB: in L2) or on 8 such rows passed over 16 times (25 KB: in L1). Equal times in L1 and L2 mean the kernel is
 * bound by the core, not by memory. Here, beside the package-private kernels; run with
 * {@code mvn -Pbench test-compile exec:exec -Djmh.args="KernelBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules", "jdk.incubator.vector"})
public class KernelBenchmark {
    private static final int INPUTS = 784;
    private static final int WEIGHTS = 128 * INPUTS;

    /** {@code L2}: 128 distinct rows; {@code L1}: 8 rows, each pass over them repeated 16 times. */
    @Param({"L2", "L1"})
    public String residence;

    private Kernels.Kernel kernel;
    private float[][] rows;
    private int passes;
    private final float[] pending = new float[INPUTS];
    private final float[] input = new float[INPUTS];
    private final float[] out = new float[128];
    private final float[] scratch = new float[32];

    @Setup
    public void setUp() {
        Kernels.installCompilerDirective();
        kernel = Kernels.vector() != null ? Kernels.vector() : Kernels.SCALAR;
        SplittableRandom random = new SplittableRandom(1);
        int distinct = residence.equals("L1") ? 8 : 128;
        passes = 128 / distinct;
        rows = new float[distinct][INPUTS];
        for (float[] row : rows) {
            for (int j = 0; j < INPUTS; j++) {
                row[j] = (float) random.nextDouble(-1, 1);
            }
        }
        for (int j = 0; j < INPUTS; j++) {
            pending[j] = (float) random.nextDouble();
            input[j] = (float) random.nextDouble();
        }
    }

    @Benchmark
    @OperationsPerInvocation(WEIGHTS)
    public float fusedUpdateAndDot() {
        for (int pass = 0; pass < passes; pass++) {
            for (int i = 0; i < rows.length; i += 4) {
                // a tiny step, so that the weights stay where they are over billions of calls
                kernel.subtractScaledThenDotFour(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], pending, 1e-9f, 1e-9f, 1e-9f, 1e-9f,
                        input, INPUTS, out, i, scratch);
            }
        }
        return out[0];
    }

    @Benchmark
    @OperationsPerInvocation(WEIGHTS)
    public float dot() {
        float sum = 0;
        for (int pass = 0; pass < passes; pass++) {
            for (float[] row : rows) {
                sum += kernel.dot(row, input, INPUTS);
            }
        }
        return sum;
    }
}
