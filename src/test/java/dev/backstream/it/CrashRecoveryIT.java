package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof of the exactly-once claim: a Backstream process learning a 784-128-10 model is killed with SIGKILL
 * (no close, nothing flushed) three times mid-stream and restarted; the final model must be bit-identical to an
 * uninterrupted run over the same input, and a read_committed consumer must see exactly one prediction per sample.
 * The last metrics record must equal the prequential metrics of the uninterrupted run, computed here.
 */
@DisplayName("Crash recovery on a real broker")
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashRecoveryIT extends WithEmbeddedBroker {
    private static final int SAMPLES = 3000;
    private static final int KILLS = 3;

    @TempDir
    Path work;

    private static final String DEFINITION = """
            {"format": "backstream.mlp/v1", "modelId": "mnist-like", "inputs": 784, "loss": "categorical_cross_entropy",
             "optimizer": {"type": "momentum", "learningRate": 0.01, "momentum": 0.9},
             "layers": [{"units": 128, "activation": "sigmoid"}, {"units": 10, "activation": "softmax"}], "seed": 42}
            """;

    @Test
    void killingTheProcessThreeTimesMidStreamChangesNothing() throws Exception {
        Path models = Files.createDirectories(work.resolve("models"));
        Files.writeString(models.resolve("mnist-like.json"), DEFINITION);
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "crash", work.resolve("state"));
        settings.put(BackstreamConfig.MODELS_DIR, models.toString());
        settings.put(BackstreamConfig.SNAPSHOT_EVERY_UPDATES, String.valueOf(SAMPLES));
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0");
        settings.put("session.timeout.ms", "10000");
        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "1000");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);

        List<String> lines = samples();
        List<String[]> records = new ArrayList<>();
        lines.forEach(line -> records.add(new String[] {"mnist-like", line}));
        KafkaTestSupport.produce(kafka, config.topics().samples(), records);

        ChildInstance process = new ChildInstance("crash-test-instance", settings, work, List.of("-Xmx1g")).start();
        long started = System.nanoTime();
        for (int kill = 1; kill <= KILLS; kill++) {
            int threshold = kill * SAMPLES / (KILLS + 1);
            int seen = KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(2),
                    read -> read.size() >= threshold).size();
            process.kill(); // SIGKILL: no shutdown hook, no flush, no commit
            assertTrue(seen < SAMPLES, "kill " + kill + " must happen mid-stream, but all " + seen + " predictions were committed");
            System.out.printf("kill %d after %d committed predictions, %.1f s into the test%n", kill, seen, (System.nanoTime() - started) / 1e9);
            process.start();
        }
        try {
            List<ConsumerRecord<byte[], byte[]>> snapshots = KafkaTestSupport.readUntil(kafka, config.topics().snapshots(),
                    Duration.ofMinutes(3), read -> !read.isEmpty());
            Snapshot last = SnapshotJson.read(snapshots.get(snapshots.size() - 1).value());
            assertEquals(SAMPLES, last.model().updates());

            Mlp uninterrupted = SnapshotJson.read(DEFINITION.getBytes(StandardCharsets.UTF_8)).model();
            SampleParser parser = new SampleParser();
            List<double[]> scored = new ArrayList<>(); // per sample: correct (0/1), loss, label, predicted class
            for (String line : lines) {
                Sample sample = parser.parse(line);
                var outcome = sample.learnOn(uninterrupted);
                int predicted = outcome.predictedClass();
                scored.add(new double[] {predicted == sample.label() ? 1 : 0, outcome.loss(), sample.label(), predicted});
            }
            assertTrue(last.model().bitIdentical(uninterrupted), "the model after " + KILLS + " kills is bit-identical to an uninterrupted run");
            assertMetricsOfAnUninterruptedRun(config, scored);

            List<JsonNode> predictions = KafkaTestSupport.readToEnd(kafka, config.topics().predictions(), Duration.ofMinutes(1))
                    .stream().map(record -> json(record.value())).toList();
            assertEquals(SAMPLES, predictions.size(), "exactly one prediction per sample");
            BitSet versions = new BitSet();
            for (JsonNode prediction : predictions) {
                versions.set((int) prediction.get("modelVersion").asLong());
            }
            assertEquals(SAMPLES, versions.cardinality(), "no gaps and no duplicates in model versions 0.." + (SAMPLES - 1));

            // The restart after a kill is Kafka Streams' normal exactly-once recovery: said once, at INFO, not as errors.
            // (The test's state directory is a temporary one, which Kafka Streams warns about: that warning is the test's.)
            String restartLog = Files.readString(process.log());
            assertTrue(restartLog.contains("INFO  ExactlyOnceRecoveryLogFilter - task 0_0: "),
                    "the recovery is reported at INFO; the restarted instance logged:\n" + restartLog);
            assertTrue(restartLog.lines().filter(line -> !line.contains("Using an OS temp directory"))
                            .noneMatch(line -> line.contains(" ERROR ") || line.contains(" WARN ") || line.startsWith("\tat ")),
                    "no warnings, errors or stack traces in a normal recovery; the restarted instance logged:\n" + restartLog);
        } finally {
            process.close();
        }
    }

    /**
     * The metrics records a read_committed consumer sees: each model version at most once (a record is published only
     * if the model changed, and only learning changes it here), the last one for the final model, with the window and
     * fading metrics of the uninterrupted run ({@code metrics.window} 1000, fading factor 0.999) and its class counts.
     */
    private void assertMetricsOfAnUninterruptedRun(BackstreamConfig config, List<double[]> scored) {
        List<JsonNode> metrics = KafkaTestSupport.readUntil(kafka, config.topics().metrics(), Duration.ofMinutes(1),
                        read -> !read.isEmpty() && json(read.get(read.size() - 1).value()).get("updates").asLong() == SAMPLES)
                .stream().map(record -> json(record.value())).toList();
        for (int i = 1; i < metrics.size(); i++) {
            assertTrue(metrics.get(i).get("updates").asLong() > metrics.get(i - 1).get("updates").asLong(),
                    "no metrics record repeated: " + metrics.get(i - 1).get("updates") + " then " + metrics.get(i).get("updates"));
        }
        JsonNode last = metrics.get(metrics.size() - 1);
        int window = config.metricsWindow();
        double fading = config.metricsFadingFactor();
        List<double[]> inWindow = scored.subList(scored.size() - window, scored.size());
        assertEquals(window, last.get("windowCount").asInt());
        assertEquals(inWindow.stream().mapToDouble(s -> s[0]).sum() / window, last.get("windowAccuracy").asDouble(), 1e-12);
        assertEquals(inWindow.stream().mapToDouble(s -> s[1]).sum() / window, last.get("windowLogLoss").asDouble(), 1e-12);
        double weights = 0;
        double accuracy = 0;
        double loss = 0;
        for (int j = 0; j < scored.size(); j++) {
            double w = Math.pow(fading, scored.size() - 1 - j);
            weights += w;
            accuracy += w * scored.get(j)[0];
            loss += w * scored.get(j)[1];
        }
        assertEquals(accuracy / weights, last.get("fadingAccuracy").asDouble(), 1e-12);
        assertEquals(loss / weights, last.get("fadingLogLoss").asDouble(), 1e-12);
        for (int c = 0; c < 10; c++) {
            int label = c;
            JsonNode counts = last.get("classCounts").get(c);
            assertEquals(inWindow.stream().filter(s -> s[2] == label).count(), counts.get("actual").asLong(), "actual " + c);
            assertEquals(inWindow.stream().filter(s -> s[3] == label).count(), counts.get("predicted").asLong(), "predicted " + c);
            assertEquals(inWindow.stream().filter(s -> s[2] == label && s[3] == label).count(), counts.get("correct").asLong(), "correct " + c);
        }
        assertEquals(0, last.get("scoreRequests").asLong());
        assertEquals(SAMPLES - 1, last.get("sourceOffset").asLong());
    }

    private List<String> samples() {
        Random random = new Random(7);
        List<String> lines = new ArrayList<>();
        double[] values = {0, 0, 0, 0.25, 0.5, 1};
        for (int i = 0; i < SAMPLES; i++) {
            double[] features = new double[784];
            for (int j = 0; j < features.length; j++) {
                features[j] = values[random.nextInt(values.length)];
            }
            lines.add(new String(new Sample("mnist-like", features, random.nextInt(10), null, null).toJson(), StandardCharsets.UTF_8));
        }
        return lines;
    }
}
