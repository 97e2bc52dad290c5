package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CrashRecoveryIT}'s proof with 5,000 declared models in one instance: the many-model machinery (models evicted
 * from memory when idle and decoded again, eager commits, per-model metrics and snapshots) keeps exactly-once. A
 * backlog of samples round-robin over the models, keyed by model id, is learned by a process killed with SIGKILL three
 * times mid-stream and restarted; a read_committed consumer must see exactly one prediction per sample, each model's
 * predictions must carry the versions 0..k-1 once each, and each model's last snapshot must be bit-identical to an
 * uninterrupted offline replay of that model's samples.
 */
@DisplayName("Crash recovery with 5,000 models on a real broker")
@Tag("integration")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ManyModelsCrashIT extends WithEmbeddedBroker {
    private static final int MODELS = 5000;
    private static final int SAMPLES_PER_MODEL = 4;
    private static final int SAMPLES = MODELS * SAMPLES_PER_MODEL;
    private static final int KILLS = 3;
    private static final int INPUTS = 8;

    @TempDir
    Path work;

    @Test
    void killingTheProcessThreeTimesMidStreamChangesNoneOfTheModels() throws Exception {
        Path models = Files.createDirectories(work.resolve("models"));
        List<String> ids = new ArrayList<>();
        for (int m = 0; m < MODELS; m++) {
            String id = String.format(Locale.ROOT, "m%04d", m);
            ids.add(id);
            Files.writeString(models.resolve(id + ".json"), definition(id, m));
        }
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "many-crash", work.resolve("state"));
        settings.remove("commit.interval.ms"); // the application's own commit settings: at least every 2 s, eager commits while cheap
        settings.put(BackstreamConfig.MODELS_DIR, models.toString());
        settings.put(BackstreamConfig.SNAPSHOT_EVERY_UPDATES, String.valueOf(SAMPLES_PER_MODEL)); // each model's last update publishes it
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0");
        settings.put(BackstreamConfig.MODELS_EVICT_IDLE_MS, "500"); // models leave memory and are decoded again between kills
        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "1000");
        settings.put("session.timeout.ms", "10000");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);

        List<String> lines = samples(ids);
        List<String[]> records = new ArrayList<>();
        for (String line : lines) {
            records.add(new String[] {new SampleParser().parse(line).model(), line});
        }
        KafkaTestSupport.produce(kafka, config.topics().samples(), records);

        ChildInstance process = new ChildInstance("many-crash-instance", settings, work, List.of("-Xmx512m")).start();
        List<Path> logs = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int kill = 1; kill <= KILLS; kill++) {
                int threshold = kill * SAMPLES / (KILLS + 1);
                KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(2), read -> read.size() >= threshold);
                process.kill(); // SIGKILL: no shutdown hook, no flush, no commit
                int committed = KafkaTestSupport.readToEnd(kafka, config.topics().predictions(), Duration.ofMinutes(1)).size();
                assertTrue(committed < SAMPLES, "kill " + kill + " must happen mid-stream, but all " + committed + " predictions were committed");
                System.out.printf("kill %d after %d committed predictions, %.1f s into the test%n", kill, committed, (System.nanoTime() - started) / 1e9);
                process.start();
                logs.add(process.log());
                long restarted = System.nanoTime();
                KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(2), read -> read.size() > committed);
                System.out.printf("restart %d: next committed prediction %.1f s after the start%n", kill, (System.nanoTime() - restarted) / 1e9);
            }

            Map<String, Snapshot> lastSnapshots = lastSnapshotsOnceAllAreFinal(config);
            List<JsonNode> predictions = KafkaTestSupport.readToEnd(kafka, config.topics().predictions(), Duration.ofMinutes(1))
                    .stream().map(record -> json(record.value())).toList();
            System.out.printf("all %d predictions and %d final snapshots committed %.1f s into the test%n",
                    predictions.size(), lastSnapshots.size(), (System.nanoTime() - started) / 1e9);

            assertEquals(SAMPLES, predictions.size(), "exactly one prediction per sample");
            Set<String> sampleIds = new HashSet<>();
            predictions.forEach(prediction -> sampleIds.add(prediction.get("id").asText()));
            assertEquals(SAMPLES, sampleIds.size(), "every sample's id in exactly one prediction");
            Map<String, List<Long>> versions = new TreeMap<>();
            for (JsonNode prediction : predictions) {
                versions.computeIfAbsent(prediction.get("model").asText(), model -> new ArrayList<>()).add(prediction.get("modelVersion").asLong());
            }
            assertEquals(MODELS, versions.size(), "every model made predictions");
            List<Long> everyVersion = List.of(0L, 1L, 2L, 3L);
            versions.forEach((model, made) -> assertEquals(everyVersion, made,
                    model + "'s predictions carry the versions 0.." + (SAMPLES_PER_MODEL - 1) + " in order, each once"));

            Map<String, Mlp> uninterrupted = replay(models, lines);
            for (String id : ids) {
                Snapshot last = lastSnapshots.get(id);
                assertEquals(SAMPLES_PER_MODEL, last.model().updates(), id + "'s last snapshot");
                assertTrue(last.model().bitIdentical(uninterrupted.get(id)),
                        id + " after " + KILLS + " kills is bit-identical to an uninterrupted run over its samples");
            }

            // Each restart is Kafka Streams' normal exactly-once recovery: said at INFO, not as errors. (The test's state
            // directory is a temporary one, which Kafka Streams warns about: that warning is the test's.)
            for (Path log : logs) {
                String restartLog = Files.readString(log);
                assertTrue(restartLog.lines().filter(line -> !line.contains("Using an OS temp directory"))
                                .noneMatch(line -> line.contains(" ERROR ") || line.contains(" WARN ") || line.startsWith("\tat ")),
                        "no warnings, errors or stack traces in a normal recovery; " + log.getFileName() + " logged:\n" + restartLog);
            }
        } finally {
            process.close();
        }
    }

    /**
     * Each model's last snapshot, read (committed) until every model's is the one of its last update; the snapshots
     * are keyed by model id, so an earlier one of a model is replaced by a later one.
     */
    private Map<String, Snapshot> lastSnapshotsOnceAllAreFinal(BackstreamConfig config) {
        Map<String, Snapshot> last = new HashMap<>();
        int[] parsed = {0};
        KafkaTestSupport.readUntil(kafka, config.topics().snapshots(), Duration.ofMinutes(2), read -> {
            for (; parsed[0] < read.size(); parsed[0]++) {
                Snapshot snapshot = SnapshotJson.read(read.get(parsed[0]).value());
                last.put(snapshot.modelId(), snapshot);
            }
            return last.size() == MODELS && last.values().stream().allMatch(snapshot -> snapshot.model().updates() == SAMPLES_PER_MODEL);
        });
        return last;
    }

    /** Each model as an uninterrupted offline run leaves it: its definition's initial model, then its samples in order. */
    private static Map<String, Mlp> replay(Path models, List<String> lines) throws Exception {
        ModelCatalog catalog = ModelCatalog.load(models, SAMPLES_PER_MODEL);
        Map<String, Mlp> replayed = new HashMap<>();
        SampleParser parser = new SampleParser();
        for (String line : lines) {
            Sample sample = parser.parse(line);
            sample.learnOn(replayed.computeIfAbsent(sample.model(), id -> catalog.find(id).orElseThrow().newModel()));
        }
        return replayed;
    }

    /** A small model (8-32-1, sigmoid, binary cross-entropy, sgd: the benchmark's S2), each with its own seed. */
    private static String definition(String id, int seed) {
        return """
                {"format": "backstream.mlp/v1", "modelId": "%s", "inputs": %d, "loss": "binary_cross_entropy",
                 "optimizer": {"type": "sgd", "learningRate": 0.1},
                 "layers": [{"units": 32, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": %d}
                """.formatted(id, INPUTS, seed);
    }

    /** {@link #SAMPLES} labeled samples, round-robin over the models, each with its own id; the same at every run. */
    private static List<String> samples(List<String> ids) {
        Random random = new Random(17);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            double[] features = new double[INPUTS];
            for (int j = 0; j < features.length; j++) {
                features[j] = random.nextInt(5) / 4.0;
            }
            String model = ids.get(i % ids.size());
            lines.add(new String(new Sample(model, features, random.nextInt(2), null, "s" + i).toJson(), StandardCharsets.UTF_8));
        }
        return lines;
    }
}
