package dev.backstream.bench;

import dev.backstream.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.backstream.message.Prediction;
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

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Writing one prediction as JSON, as the stream does once per record: {@code Prediction.toJson()} (since the
 * measurement recorded in {@code JsonWriter}, a per-thread reused generator; before it, bytes written by hand) against
 * an independent reused generator, a new generator per record, and databind for reference. Shapes:
 * S2 (one output, BCE) and S3 (ten outputs, softmax), each labeled, with an id and the source record's coordinates.
 * Run with {@code mvn -B -q -Pbench test-compile exec:exec -Djmh.args="PredictionJsonBenchmark -f 2 -wi 3 -i 3"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PredictionJsonBenchmark {

    @Param({"S2", "S3"})
    public String shape;

    private Prediction prediction;
    private ReusedGeneratorPredictionWriter reused;
    private double[] output;

    /** The prediction the benchmark writes for {@code shape}; shared with the test that checks equal bytes. */
    public static Prediction prediction(String shape) {
        return switch (shape) {
            case "S2" -> new Prediction("ridership", 48_213, "row-48213", new double[] {0.7310585786300049}, 1, 1, null,
                    0.3132616875182228, "backstream.samples", 3, 1_204_511L, null, 1_700_000_000_123L);
            case "S3" -> new Prediction("digits", 48_213, "row-48213", new double[] {0.013, 0.0021347, 0.8120938, 1.2e-5,
                    0.041, 0.0099, 0.07, 0.03, 0.0115, 0.0088}, 2, 2, null, 0.20814052621891, "backstream.samples", 3,
                    1_204_511L, null, 1_700_000_000_123L);
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
    }

    @Setup
    public void setUp() {
        prediction = prediction(shape);
        reused = new ReusedGeneratorPredictionWriter();
        output = prediction.output().clone();
    }

    @Benchmark
    public byte[] toJson() {
        return prediction.toJson();
    }

    @Benchmark
    public byte[] reusedGenerator() {
        return reused.write(prediction);
    }

    @Benchmark
    public byte[] generatorPerRecord() throws IOException {
        ByteArrayBuilder buffer = new ByteArrayBuilder(256);
        try (JsonGenerator generator = Json.FACTORY.createGenerator(buffer)) {
            // the same calls as the reused writer, on a fresh generator: what a serializer written naively costs
            ReusedGeneratorPredictionWriter.write(generator, prediction);
        }
        return buffer.toByteArray();
    }

    @Benchmark
    public byte[] databind() throws JsonProcessingException {
        return Json.MAPPER.writeValueAsBytes(prediction);
    }

    @Benchmark
    public Prediction build() {
        // building the record (defensive copies) and adding the source, as ModelProcessor does per record
        return new Prediction("digits", 48_213, "row-48213", output, 2, 2, null, 0.2, null, null, null, null, null)
                .withSource("backstream.samples", 3, 1_204_511L, 1_700_000_000_123L);
    }
}
