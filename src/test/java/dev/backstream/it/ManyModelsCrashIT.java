package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CrashRecoveryIT}'s proof with 5,000 declared models in one instance: the many-model machinery (models evicted
 * from memory when idle and decoded again, eager commits, per-model metrics and snapshots)
 * keeps exactly-once. Samples round-robin over the models, keyed by model id: a first wave of one per model, learned
 * until every model has left memory, then a backlog of the rest, learned by a process killed with SIGKILL three times
 * mid-stream and restarted. A read_committed consumer must see exactly one prediction per sample, each the offline
 * learner's, each model's with the versions 0..k-1 in order; each model's last snapshot must be bit-identical to an
 * uninterrupted offline replay of its samples, and its last metrics those of that replay.
 */
@DisplayName("Crash recovery with 5,000 models on a real broker")
@Tag("integration")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ManyModelsCrashIT extends WithEmbeddedBroker {
    private static final int MODELS = 5000;
    private static final int SAMPLES_PER_MODEL = 8;
    private static final int SAMPLES = MODELS * SAMPLES_PER_MODEL;
    private static final int KILLS = 3;
    private static final int INPUTS = 8;
    /** One sample per model, learned before the kills. */
    private static final int FIRST_WAVE = MODELS;
    private static final Pattern HTTP_API = Pattern.compile("HTTP API on (http://\\S+/) ");

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
        settings.remove("commit.interval.ms"); // the application's own: at least every 2 s, and eager commits every 100 ms while cheap
        // Round-robin over 5,000 models changes a model per record, which the default (a commit is cheap while it writes
        // at most one model per 32 records) never finds cheap: commits would come every 2 s, the first one holding most of
        // the stream, and no kill would fall near its threshold. One model per record: an eager commit every 100 ms.
        settings.put(BackstreamConfig.COMMIT_EAGER_RECORDS_PER_MODEL, "1");
        settings.put(BackstreamConfig.MODELS_DIR, models.toString());
        settings.put(BackstreamConfig.SNAPSHOT_EVERY_UPDATES, String.valueOf(SAMPLES_PER_MODEL)); // each model's last update publishes it
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0");
        settings.put(BackstreamConfig.MODELS_EVICT_IDLE_MS, "500"); // models leave memory and are decoded again
        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "1000");
        settings.put("session.timeout.ms", "10000");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);

        List<String> lines = samples(ids);
        SampleParser parser = new SampleParser();
        List<String[]> records = new ArrayList<>();
        for (String line : lines) {
            records.add(new String[] {parser.parse(line).model(), line});
        }
        KafkaTestSupport.produce(kafka, config.topics().samples(), records.subList(0, FIRST_WAVE));

        ChildInstance process = new ChildInstance("many-crash-instance", settings, work, List.of("-Xmx512m")).start();
        List<Path> logs = new ArrayList<>();
        long started = System.nanoTime();
        try {
            // The first wave: every model learns one sample, is committed, publishes its metrics and leaves memory; the
            // rest of the stream then decodes each model again from the store, and the kills fall in it.
            KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(2), read -> read.size() >= FIRST_WAVE);
            KafkaTestSupport.waitUntil("every model left memory after its first sample", Duration.ofMinutes(1),
                    () -> modelsInMemory(process.log()) == 0);
            System.out.printf("first wave of %d samples learned and every model out of memory %.1f s into the test%n",
                    FIRST_WAVE, (System.nanoTime() - started) / 1e9);
            KafkaTestSupport.produce(kafka, config.topics().samples(), records.subList(FIRST_WAVE, SAMPLES));

            for (int kill = 1; kill <= KILLS; kill++) {
                int threshold = FIRST_WAVE + kill * (SAMPLES - FIRST_WAVE) / (KILLS + 1);
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
            List<Long> everyVersion = LongStream.range(0, SAMPLES_PER_MODEL).boxed().toList();
            versions.forEach((model, made) -> assertEquals(everyVersion, made,
                    model + "'s predictions carry the versions 0.." + (SAMPLES_PER_MODEL - 1) + " in order, each once"));

            Replay uninterrupted = Replay.of(models, lines);
            for (JsonNode prediction : predictions) {
                Scored offline = uninterrupted.scored().get(prediction.get("id").asText());
                assertEquals(offline.modelVersion(), prediction.get("modelVersion").asLong(), "the model version of " + prediction);
                assertEquals(offline.output(), prediction.get("output").get(0).asDouble(), 0.0,
                        "the prediction of " + prediction.get("id").asText() + " is the uninterrupted run's: " + prediction);
            }
            for (String id : ids) {
                Snapshot last = lastSnapshots.get(id);
                assertEquals(SAMPLES_PER_MODEL, last.model().updates(), id + "'s last snapshot");
                assertTrue(last.model().bitIdentical(uninterrupted.models().get(id)),
                        id + " after " + KILLS + " kills is bit-identical to an uninterrupted run over its samples");
            }
            assertMetricsOfAnUninterruptedRun(config, uninterrupted, lines);

            // Each restart is Kafka Streams' normal exactly-once recovery: said at INFO, not as errors. (The test's state
            // directory is a temporary one, which Kafka Streams warns about: that warning is the test's.)
            for (Path log : logs) {
                String restartLog = Files.readString(log);
                assertTrue(restartLog.contains("INFO  ExactlyOnceRecoveryLogFilter - task 0_0: "),
                        "the recovery is reported at INFO; " + log.getFileName() + " logged:\n" + restartLog);
                assertTrue(restartLog.lines().filter(line -> !line.contains("Using an OS temp directory"))
                                .noneMatch(line -> line.contains(" ERROR ") || line.contains(" WARN ") || line.startsWith("\tat ")),
                        "no warnings, errors or stack traces in a normal recovery; " + log.getFileName() + " logged:\n" + restartLog);
            }
        } finally {
            process.close();
        }
    }

    /**
     * The child's {@code models-in-memory} gauge (Prometheus, {@code GET /metrics} on the HTTP port its log names), or
     * NaN until the log names the port and the gauge is there.
     */
    private static double modelsInMemory(Path log) throws Exception {
        Matcher api = HTTP_API.matcher(Files.readString(log));
        if (!api.find()) {
            return Double.NaN;
        }
        return Http.get(api.group(1) + "metrics").body().lines()
                .filter(line -> line.startsWith("kafka_backstream_task_models_in_memory{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(Double.NaN);
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

    /**
     * Each model's metrics records, as a read_committed consumer sees them once every model's last one is published:
     * each model's updates counts strictly increase (no record repeated across the kills), and each model's last
     * record holds the window and fading metrics of the uninterrupted run over its samples ({@code metrics.window} 1000
     * holds them all; fading factor 0.999).
     */
    private void assertMetricsOfAnUninterruptedRun(BackstreamConfig config, Replay uninterrupted, List<String> lines) {
        Map<String, List<JsonNode>> byModel = new TreeMap<>();
        int[] read = {0};
        int[] complete = {0};
        KafkaTestSupport.readUntil(kafka, config.topics().metrics(), Duration.ofMinutes(1), records -> {
            for (; read[0] < records.size(); read[0]++) {
                JsonNode metrics = json(records.get(read[0]).value());
                byModel.computeIfAbsent(metrics.get("model").asText(), model -> new ArrayList<>()).add(metrics);
                if (metrics.get("updates").asLong() == SAMPLES_PER_MODEL) {
                    complete[0]++;
                }
            }
            return complete[0] >= MODELS;
        });
        assertEquals(MODELS, byModel.size(), "every model published its metrics");
        Map<String, List<Scored>> byModelInOrder = new HashMap<>();
        SampleParser parser = new SampleParser();
        for (String line : lines) {
            Sample sample = parser.parse(line);
            byModelInOrder.computeIfAbsent(sample.model(), model -> new ArrayList<>()).add(uninterrupted.scored().get(sample.id()));
        }
        double fading = config.metricsFadingFactor();
        byModel.forEach((model, records) -> {
            for (int i = 1; i < records.size(); i++) {
                assertTrue(records.get(i).get("updates").asLong() > records.get(i - 1).get("updates").asLong(),
                        model + ": no metrics record repeated: " + records);
            }
            JsonNode last = records.get(records.size() - 1);
            assertEquals(SAMPLES_PER_MODEL, last.get("updates").asLong(), model + "'s last metrics: " + last);
            List<Scored> scored = byModelInOrder.get(model);
            double correct = 0;
            double loss = 0;
            double weights = 0;
            double fadingCorrect = 0;
            double fadingLoss = 0;
            for (int j = 0; j < scored.size(); j++) {
                double hit = scored.get(j).predictedClass() == scored.get(j).label() ? 1 : 0;
                double w = Math.pow(fading, scored.size() - 1 - j);
                correct += hit;
                loss += scored.get(j).loss();
                weights += w;
                fadingCorrect += w * hit;
                fadingLoss += w * scored.get(j).loss();
            }
            assertEquals(SAMPLES_PER_MODEL, last.get("windowCount").asInt(), model);
            assertEquals(correct / SAMPLES_PER_MODEL, last.get("windowAccuracy").asDouble(), 1e-12, model);
            assertEquals(loss / SAMPLES_PER_MODEL, last.get("windowLogLoss").asDouble(), 1e-12, model);
            assertEquals(fadingCorrect / weights, last.get("fadingAccuracy").asDouble(), 1e-12, model);
            assertEquals(fadingLoss / weights, last.get("fadingLogLoss").asDouble(), 1e-12, model);
        });
    }

    /** What the uninterrupted run made of one sample: the prediction before its update, and the sample's label. */
    private record Scored(long modelVersion, double output, int predictedClass, double loss, int label) {
    }

    /**
     * An uninterrupted offline run: each model from its definition's initial model over its samples in order.
     *
     * @param models each model as the run leaves it
     * @param scored each sample's prediction, by sample id
     */
    private record Replay(Map<String, Mlp> models, Map<String, Scored> scored) {
        static Replay of(Path definitions, List<String> lines) throws Exception {
            ModelCatalog catalog = ModelCatalog.load(definitions, SAMPLES_PER_MODEL);
            Replay replay = new Replay(new HashMap<>(), new HashMap<>());
            SampleParser parser = new SampleParser();
            for (String line : lines) {
                Sample sample = parser.parse(line);
                Mlp model = replay.models().computeIfAbsent(sample.model(), id -> catalog.find(id).orElseThrow().newModel());
                Outcome outcome = sample.learnOn(model); // the model's one Outcome, overwritten by its next call: read now
                replay.scored().put(sample.id(), new Scored(outcome.modelVersion(), outcome.output(0), outcome.predictedClass(), outcome.loss(),
                        sample.label()));
            }
            return replay;
        }
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
