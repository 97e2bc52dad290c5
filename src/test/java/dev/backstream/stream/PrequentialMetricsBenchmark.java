package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The metrics' own costs for an S2 model (8-32-1 sigmoid, binary cross-entropy), window 1,000: recording one labeled
 * prediction (paid per record) and encoding the full window (paid per commit per changed model). Kept in the
 * package of the package-private {@link PrequentialMetrics}.
 * {@code mvn -Pbench test-compile exec:exec -Djmh.args="PrequentialMetricsBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class PrequentialMetricsBenchmark {
    private static final int SAMPLES = 256;
    private PrequentialMetrics metrics;
    private Sample[] samples;
    private Outcome outcome;
    private ByteBuffer buffer;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Architecture s2 = Architecture.of(8, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(32, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
        Mlp model = Mlp.initialize(s2, OptimizerSpec.sgd(0.01), 1);
        metrics = new PrequentialMetrics(s2, MetricsSettings.DEFAULT);
        Random random = new Random(2);
        samples = new Sample[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            samples[i] = new Sample("S2", random.doubles(8).toArray(), random.nextInt(2), null, null);
        }
        outcome = samples[0].learnOn(model);
        for (int i = 0; i < 2 * MetricsSettings.DEFAULT.window(); i++) {
            metrics.learned(samples[i & (SAMPLES - 1)], outcome);
        }
        buffer = ByteBuffer.allocate(metrics.encodedSize() + 1024).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Per record: one labeled prediction into the window and the fading sums. */
    @Benchmark
    public int recordLabeledPrediction() {
        metrics.learned(samples[next++ & (SAMPLES - 1)], outcome);
        return metrics.count();
    }

    /** Per commit and changed model: the full window of 1,000 entries encoded. */
    @Benchmark
    public int encodeFullWindow() {
        buffer.clear();
        metrics.encode(buffer);
        return buffer.position();
    }
}
