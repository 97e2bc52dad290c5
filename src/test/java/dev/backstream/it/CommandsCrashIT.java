package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands are applied exactly once, like updates: a process learning from samples interleaved with commands is
 * killed with SIGKILL three times; every command has exactly one event, every sample one prediction, and every
 * prediction is the offline learner's, with the same commands applied at the same points.
 */
@DisplayName("Model commands across crashes on a real broker")
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CommandsCrashIT extends WithEmbeddedBroker {
    private static final int SAMPLES = 4000;
    private static final String DEFINITION = """
            {"format": "backstream.mlp/v1", "modelId": "xor", "inputs": 2, "loss": "binary_cross_entropy",
             "optimizer": {"type": "momentum", "learningRate": 0.5, "momentum": 0.9},
             "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 3}
            """;

    @TempDir
    Path work;

    @Test
    void everyCommandIsAppliedExactlyOnceThroughThreeKills() throws Exception {
        Path models = Files.createDirectories(work.resolve("models"));
        Files.writeString(models.resolve("xor.json"), DEFINITION);
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "commands-crash", work.resolve("state"));
        settings.put(BackstreamConfig.MODELS_DIR, models.toString());
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0"); // snapshots (and so the retained ones) by update count only
        settings.put("session.timeout.ms", "10000");
        // wait for data on both inputs so that the task processes them in timestamp order (a caught-up input is not waited on)
        settings.put("max.task.idle.ms", "1000");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);

        // each command right before the sample it is keyed to here, by timestamp: a backlog processed in that order
        Map<Integer, ModelCommand> after = Map.of(
                800, new ModelCommand.Update("c1", "xor", 0.2, null),
                1500, new ModelCommand.Pause("c2", "xor"),
                1800, new ModelCommand.Resume("c3", "xor"),
                2500, new ModelCommand.Rollback("c4", "xor", 1000L, null),
                3000, new ModelCommand.Update("c5", "xor", 0.1, 250L),
                3500, new ModelCommand.Reset("c6", "xor", 5L));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            int a = (i >> 1) & 1;
            int b = (i >> 2) & 1;
            lines.add(new String(new Sample("xor", new double[] {a, b}, a ^ b, null, String.valueOf(i)).toJson(), StandardCharsets.UTF_8));
        }
        long base = System.currentTimeMillis() - 3_600_000;
        List<Long> sampleTimes = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            sampleTimes.add(base + 10L * i);
        }
        produceAt(config.topics().samples(), lines, sampleTimes);
        List<Integer> points = after.keySet().stream().sorted().toList();
        produceAt(config.topics().control(), points.stream().map(at -> new String(after.get(at).toJson(), StandardCharsets.UTF_8)).toList(),
                points.stream().map(at -> base + 10L * at - 5).toList()); // between sample at-1 and sample at
        ChildInstance process = new ChildInstance("commands-crash-instance", settings, work, List.of("-Xmx512m")).start();
        try {
            for (int threshold : new int[] {1000, 2200, 3300}) {
                int seen = KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(2),
                        read -> read.size() >= threshold).size();
                process.kill();
                assertTrue(seen < SAMPLES, "the kill must happen mid-stream");
                process.start();
            }
            List<JsonNode> predictions = KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(2),
                    read -> read.size() >= SAMPLES).stream().map(r -> json(r.value())).toList();
            List<JsonNode> events = KafkaTestSupport.readUntil(kafka, config.topics().modelEvents(), Duration.ofMinutes(1),
                    read -> read.size() >= after.size()).stream().map(r -> json(r.value())).toList();

            assertEquals(SAMPLES, predictions.size(), "exactly one prediction per sample");
            assertEquals(SAMPLES, predictions.stream().map(p -> p.get("id").asText()).distinct().count());
            assertEquals(after.size(), events.size(), "exactly one event per command: " + events);
            Map<String, JsonNode> byCommand = events.stream().collect(Collectors.toMap(e -> e.get("commandId").asText(), e -> e));
            assertEquals(after.size(), byCommand.size());
            events.forEach(event -> assertTrue(!event.get("event").asText().equals("rejected"), "applied: " + event));
            assertEquals(1000, byCommand.get("c4").get("versionAfter").asLong(), "rolled back to the snapshot at 1000 updates");

            // every prediction checked against the offline learner: the model at each step, bit for bit
            Mlp offline = replay(lines, predictions, after, byCommand);
            assertEquals(SAMPLES - 3500, offline.updates(), "reset before the last 500 samples");
        } finally {
            process.close();
        }
    }

    /**
     * The offline learner over the samples in order, with each command applied right after the sample it was produced
     * after (its timestamp lies between theirs, and max.task.idle.ms makes the task process both topics in timestamp
     * order); each event must report the version the offline model had at that point.
     */
    private static Mlp replay(List<String> lines, List<JsonNode> predictions, Map<Integer, ModelCommand> after, Map<String, JsonNode> events) {
        Mlp model = SnapshotJson.read(DEFINITION.getBytes(StandardCharsets.UTF_8)).model();
        Map<Long, Mlp> retained = new HashMap<>();
        Map<String, JsonNode> bySample = predictions.stream().collect(Collectors.toMap(p -> p.get("id").asText(), p -> p));
        SampleParser parser = new SampleParser();
        boolean paused = false;
        long snapshotEvery = 1000;
        for (int i = 0; i < lines.size(); i++) {
            ModelCommand command = after.get(i);
            if (command != null) {
                JsonNode event = events.get(command.id());
                assertEquals(model.updates(), event.get("versionBefore").asLong(), command.id() + " applied after sample " + (i - 1));
                if (command instanceof ModelCommand.Update update) {
                    model = model.withOptimizer(model.optimizer().withLearningRate(update.learningRate()));
                    snapshotEvery = update.snapshotEveryUpdates() != null ? update.snapshotEveryUpdates() : snapshotEvery;
                } else if (command instanceof ModelCommand.Pause) {
                    paused = true;
                } else if (command instanceof ModelCommand.Resume) {
                    paused = false;
                } else if (command instanceof ModelCommand.Reset reset) {
                    model = Mlp.initialize(model.architecture(), model.optimizer(), reset.seed());
                } else if (command instanceof ModelCommand.Rollback rollback) {
                    model = retained.get(rollback.toUpdates()).copy();
                }
            }
            JsonNode prediction = bySample.get(String.valueOf(i));
            assertEquals(model.updates(), prediction.get("modelVersion").asLong(), "sample " + i + " was predicted by the model at this version");
            Sample sample = parser.parse(lines.get(i));
            double output = paused ? sample.scoreOn(model).output(0) : sample.learnOn(model).output(0);
            assertEquals(output, prediction.get("output").get(0).asDouble(), 0.0, "sample " + i);
            if (!paused && model.updates() % snapshotEvery == 0) {
                retained.put(model.updates(), model.copy());
            }
        }
        return model;
    }

    /** Produces records with the given timestamps, in order, and fails if any send fails. */
    private void produceAt(String topic, List<String> values, List<Long> timestamps) throws Exception {
        Map<String, Object> client = new HashMap<>(kafka.adminProperties());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(topic, null, timestamps.get(i), "xor".getBytes(StandardCharsets.UTF_8),
                        values.get(i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }
}
