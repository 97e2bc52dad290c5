package dev.backstream.bench;

import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.Kernels;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One {@code learn} step (forward, loss, backward, update) of the reference shapes, single thread, dense random
 * inputs in [0, 1) (the worst case: all-zero input columns are skipped, so sparse inputs such as MNIST pixels are
 * faster). Run with {@code mvn -Pbench test-compile exec:exec}; add {@code -prof gc} for bytes allocated per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules", "jdk.incubator.vector"})
public class MlpLearnBenchmark {

    /** S1 2-2-1 BCE, S2 8-32-1 BCE, S3 64-32-10, S4 784-128-10, S5 784-256-128-10 (softmax CE); sigmoid hidden. */
    @Param({"S1", "S2", "S3", "S4", "S5"})
    public String shape;

    @Param({"sgd"})
    public String optimizer;

    /** The number type of the model: {@code float64} (the default) or {@code float32}. */
    @Param({"float64"})
    public String dtype;

    private static final int SAMPLES = 256;
    private Mlp model;
    private double[][] features;
    private int[] labels;
    private int next;

    static Architecture shape(String name) {
        return switch (name) {
            case "S1" -> Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, sigmoid(2), new LayerSpec(1, Activation.SIGMOID));
            case "S2" -> Architecture.of(8, Loss.BINARY_CROSS_ENTROPY, sigmoid(32), new LayerSpec(1, Activation.SIGMOID));
            case "S3" -> Architecture.of(64, Loss.CATEGORICAL_CROSS_ENTROPY, sigmoid(32), softmax(10));
            case "S4" -> Architecture.of(784, Loss.CATEGORICAL_CROSS_ENTROPY, sigmoid(128), softmax(10));
            case "S5" -> Architecture.of(784, Loss.CATEGORICAL_CROSS_ENTROPY, sigmoid(256), sigmoid(128), softmax(10));
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    static OptimizerSpec optimizer(String name) {
        return switch (name) {
            case "sgd" -> OptimizerSpec.sgd(0.01);
            case "momentum" -> new OptimizerSpec.Momentum(0.01, 0.9, true, 0, 0);
            case "adam" -> OptimizerSpec.Adam.withDefaults(0.001);
            default -> throw new IllegalArgumentException("unknown optimizer " + name);
        };
    }

    private static LayerSpec sigmoid(int units) {
        return new LayerSpec(units, Activation.SIGMOID);
    }

    private static LayerSpec softmax(int units) {
        return new LayerSpec(units, Activation.SOFTMAX);
    }

    @Setup
    public void setUp() {
        Kernels.installCompilerDirective(); // as Main does, before building the model
        Architecture architecture = shape(shape).withDtype(Dtype.of(dtype));
        model = Mlp.initialize(architecture, optimizer(optimizer), 1);
        Random random = new Random(2);
        features = new double[SAMPLES][];
        labels = new int[SAMPLES];
        int classes = architecture.classes();
        for (int i = 0; i < SAMPLES; i++) {
            features[i] = random.doubles(architecture.inputs()).toArray();
            labels[i] = random.nextInt(classes);
        }
    }

    @Benchmark
    public double learn() {
        int i = next++ & (SAMPLES - 1);
        return model.learn(features[i], labels[i]).loss();
    }
}
