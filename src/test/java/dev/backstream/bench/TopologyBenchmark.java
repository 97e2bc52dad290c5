package dev.backstream.bench;

import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Kernels;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.stream.BackstreamTopology;
import dev.backstream.app.StreamsSettings;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one labeled record through the production topology in Kafka's TopologyTestDriver (router, JSON
 * parsing, learning, prediction JSON, in-memory "topics"; the driver also commits after every record, so each record
 * here pays the model store's per-commit encode and write too), next to the pure learning step and the binary model
 * encoding that each commit costs. No broker: this isolates the application's own work. {@code mvn -Pbench test-compile exec:exec -Djmh.args="TopologyBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class TopologyBenchmark {

    @Param({"S2", "S4"})
    public String shape;

    /**
     * {@code metrics.window}: each stored model carries its window (24 bytes an entry), so the driver's commit after
     * every record encodes and writes it too; 1 measures the metrics' per-record recording with an almost empty window.
     */
    @Param({"1000"})
    public int metricsWindow;

    private static final int SAMPLES = 256;
    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> samples;
    private TestOutputTopic<byte[], byte[]> predictions;
    private TestOutputTopic<byte[], byte[]> changelog;
    private byte[][] records;
    private double[][] features;
    private int[] labels;
    private Mlp standalone;
    private byte[] key;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Kernels.installCompilerDirective(); // as Main does, before building the model
        Architecture architecture = MlpLearnBenchmark.shape(shape);
        Mlp initial = Mlp.initialize(architecture, OptimizerSpec.sgd(0.01), 1);
        ModelCatalog catalog = new ModelCatalog(List.of(new ModelDefinition(shape, initial, 1_000_000_000L, "benchmark")));
        stateDir = Files.createTempDirectory("backstream-bench");
        BackstreamConfig config = new BackstreamConfig(Map.of("state.dir", stateDir.toString(), "snapshot.interval.ms", "0",
                "metrics.window", String.valueOf(metricsWindow)), null);
        driver = new TopologyTestDriver(BackstreamTopology.build(StreamsSettings.topology(config, catalog), catalog), StreamsSettings.properties(config, catalog));
        samples = driver.createInputTopic(config.topics().samples(), new ByteArraySerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic(config.topics().predictions(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // The driver keeps every output record until it is read: drain the store's changelog too, or it piles up.
        changelog = driver.createOutputTopic(config.applicationId() + "-" + BackstreamTopology.STORE + "-changelog",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Random random = new Random(2);
        records = new byte[SAMPLES][];
        features = new double[SAMPLES][];
        labels = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            // four decimals, as real samples usually have: the parse cost stays that of short numbers
            features[i] = random.doubles(architecture.inputs()).map(x -> Math.round(x * 1e4) / 1e4).toArray();
            labels[i] = random.nextInt(architecture.classes());
            records[i] = new dev.backstream.message.Sample(shape, features[i], labels[i], null, null).toJson();
        }
        key = shape.getBytes(StandardCharsets.UTF_8);
        standalone = initial.copy();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        driver.close();
    }

    /** One labeled record through the whole topology, including reading its prediction. */
    @Benchmark
    public byte[] recordThroughTopology() {
        samples.pipeInput(key, records[next++ & (SAMPLES - 1)]);
        changelog.readRecordsToList();
        return predictions.readValue();
    }

    /** The learning step alone, for comparison. */
    @Benchmark
    public double learnStepAlone() {
        int i = next++ & (SAMPLES - 1);
        return standalone.learn(features[i], labels[i]).loss();
    }

    /** The binary encoding that each commit costs per changed model. */
    @Benchmark
    public byte[] encodeModel() {
        return BinaryModelFormat.encode(standalone);
    }
}
