package dev.backstream.it;

import dev.backstream.stream.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.broker.EmbeddedKafka;
import dev.backstream.cli.Main;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One application run by several instances, some in this JVM (whose standbys are visible) and some as child processes
 * (which can be crashed): six XOR models over six partitions ({@link MultiInstance#ONE_PER_PARTITION_OF_SIX}), one
 * standby per task, static membership, samples produced in batches, the task moves observed between settled
 * assignments, and the final checks against the offline learner and {@code backstream train}.
 */
final class InstanceGroup implements AutoCloseable {
    static final int PARTITIONS = 6;
    static final List<String> MODELS = MultiInstance.ONE_PER_PARTITION_OF_SIX;

    private final EmbeddedKafka kafka;
    private final Path work;
    private final Map<String, String> settings;
    private final Topics topics;
    private final String applicationId;
    private final ModelCatalog catalog = MultiInstance.catalog(MODELS);
    private final Path modelsDir;
    private final int batch;
    private final int total;
    private final Admin admin;
    private final Map<String, BackstreamApp> running = new LinkedHashMap<>();
    private final Set<String> inJvm = new LinkedHashSet<>();
    private final Map<String, ChildInstance> children = new HashMap<>();
    private final TaskMoves moves = new TaskMoves();
    private Map<Integer, String> owners = Map.of();
    private int produced;

    /**
     * @param batches how many batches of {@code batch} samples the test will produce: each model's snapshot is written
     *                after its last sample, for the final comparison
     */
    InstanceGroup(EmbeddedKafka kafka, Path work, String name, int batches, int batch, Duration sessionTimeout) throws IOException {
        this.kafka = kafka;
        this.work = work;
        this.batch = batch;
        this.total = batches * batch;
        assertEquals(0, total % MODELS.size(), "every model gets the same number of samples");
        this.modelsDir = Files.createDirectories(work.resolve("models"));
        for (ModelDefinition definition : catalog.all()) {
            SnapshotJson.write(new Snapshot(definition.id(), definition.newModel()), modelsDir.resolve(definition.id() + ".json"));
        }
        // every instance gets its own state.dir (startInJvm, ChildInstance): this one is never used
        settings = KafkaTestSupport.uniqueSettings(kafka, name, work.resolve("unused"));
        settings.put(BackstreamConfig.MODELS_DIR, modelsDir.toString());
        settings.put(BackstreamConfig.SNAPSHOT_EVERY_UPDATES, String.valueOf(total / MODELS.size()));
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0");
        settings.put("num.standby.replicas", "1");
        settings.put("session.timeout.ms", String.valueOf(sessionTimeout.toMillis()));
        settings.put("heartbeat.interval.ms", "500");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        topics = config.topics();
        applicationId = config.applicationId();
        KafkaTestSupport.createTopics(kafka, topics, PARTITIONS);
        Properties adminProperties = new Properties();
        adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        admin = Admin.create(adminProperties);
    }

    /** Starts instance {@code name} in this JVM, with its own state directory (kept across restarts). */
    void startInJvm(String name) throws IOException {
        Map<String, String> own = new HashMap<>(settings);
        own.put(BackstreamConfig.STATE_DIR, work.resolve("state-" + name).toString());
        own.put("group.instance.id", name);
        BackstreamConfig config = new BackstreamConfig(own, null);
        BackstreamApp app = new BackstreamApp(config, ModelCatalog.load(modelsDir, config.snapshotEveryUpdates()));
        app.start();
        running.put(name, app);
        inJvm.add(name);
    }

    /** The planned stop of an instance in this JVM: {@link BackstreamApp#close()}. */
    void closeInJvm(String name) {
        running.remove(name).close();
    }

    /** Instance {@code name} as a child process (not started). */
    ChildInstance child(String name) {
        return children.computeIfAbsent(name, n -> new ChildInstance(n, settings, work, ChildInstance.SMALL_JVM));
    }

    /** Produces the next batch of samples, round robin over the models. */
    void produceBatch() {
        assertTrue(produced + batch <= total, "the test declared " + total / batch + " batches");
        KafkaTestSupport.produce(kafka, topics.samples(), MultiInstance.samples(MODELS, produced, produced + batch));
        produced += batch;
    }

    /** Waits until at least one prediction of the last batch is committed: its processing is under way. */
    void awaitLastBatchStarted() {
        KafkaTestSupport.readUntil(kafka, topics.predictions(), Duration.ofMinutes(2), read -> read.size() > produced - batch);
    }

    /** Waits until every sample produced so far has a committed prediction; returns them. */
    List<JsonNode> awaitPredictions() {
        return KafkaTestSupport.readUntil(kafka, topics.predictions(), Duration.ofMinutes(2), read -> read.size() >= produced)
                .stream().map(record -> json(record.value())).toList();
    }

    /**
     * Waits until the group has settled with exactly {@code instances} as members, each instance of this JVM running
     * and owning the active tasks the coordinator assigned it, then records the assignment (and this JVM's standbys).
     */
    void observe(String phase, String... instances) {
        Set<String> expected = Set.of(instances);
        AtomicReference<Map<Integer, String>> settled = new AtomicReference<>();
        KafkaTestSupport.waitUntil("the group settles with instances " + expected + " after: " + phase, Duration.ofMinutes(2), () -> {
            Map<Integer, String> now = GroupOwners.settled(admin, applicationId, topics.samples(), PARTITIONS, expected).orElse(null);
            if (now == null || !running.keySet().stream().filter(expected::contains).allMatch(name -> isRunningWith(name, now))) {
                return false;
            }
            settled.set(now);
            return true;
        });
        Map<String, Set<Integer>> standbys = new TreeMap<>();
        inJvm.forEach(name -> standbys.put(name, running.containsKey(name) ? MultiInstance.standbyPartitions(running.get(name)) : Set.of()));
        owners = settled.get();
        moves.observe(phase, owners, standbys);
        System.out.printf("%s: active %s, standbys in this JVM %s%n", phase, new TreeMap<>(owners), standbys);
    }

    private boolean isRunningWith(String name, Map<Integer, String> owners) {
        BackstreamApp app = running.get(name);
        Set<Integer> assigned = owners.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).collect(Collectors.toSet());
        return app.streams().state() == KafkaStreams.State.RUNNING && MultiInstance.activePartitions(app).equals(assigned);
    }

    /** Whether {@code instance}, running in this JVM, owns every active task. */
    boolean ownsAll(String instance) {
        BackstreamApp app = running.get(instance);
        return app.streams().state() == KafkaStreams.State.RUNNING && MultiInstance.activePartitions(app).size() == PARTITIONS;
    }

    /** The partitions whose active tasks {@code instance} owned at the last observation. */
    Set<Integer> activePartitionsOf(String instance) {
        return owners.entrySet().stream().filter(e -> e.getValue().equals(instance)).map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /** The standby tasks of {@code instance}, running in this JVM, now. */
    Set<Integer> standbyPartitionsOf(String instance) {
        return MultiInstance.standbyPartitions(running.get(instance));
    }

    /** The models whose tasks {@code instance} owned at the last observation. */
    Set<String> modelsOf(String instance) {
        return MODELS.stream().filter(m -> instance.equals(owners.get(MultiInstance.partitionOf(m, PARTITIONS)))).collect(Collectors.toSet());
    }

    /** Starts watching the predictions topic from its current end (read_committed). */
    PredictionWatch watchPredictions() {
        return new PredictionWatch();
    }

    /** Something done to an instance (a stop, a kill, a restart). */
    interface Event {
        void run() throws Exception;
    }

    /**
     * Runs {@code event}, produces the next batch right after it, and returns the seconds from the event until the first
     * committed prediction of one of {@code models} (the instance's tasks, wherever they went).
     */
    double secondsUntilPredicting(Set<String> models, Event event) throws Exception {
        try (PredictionWatch watch = watchPredictions()) {
            long at = System.nanoTime();
            event.run();
            produceBatch();
            return watch.secondsUntilPrediction(models, at);
        }
    }

    TaskMoves moves() {
        return moves;
    }

    /**
     * The pass condition: every committed prediction equals the offline learner's test-then-train prediction,
     * exactly one per sample, and each model's final snapshot is bit-identical to what {@code backstream train} learns
     * from the same samples in the same order (and to the offline learner's model).
     */
    void assertEqualsOfflineLearnerAndTrain() throws IOException {
        assertEquals(total, produced, "the test produced every batch it declared");
        List<String[]> samples = MultiInstance.samples(MODELS, 0, produced);
        Map<String, Mlp> offline = MultiInstance.assertEqualsOfflineLearner(catalog, samples, awaitPredictions());
        long perModel = total / MODELS.size();
        Map<String, Snapshot> finals = new HashMap<>();
        KafkaTestSupport.readUntil(kafka, topics.snapshots(), Duration.ofMinutes(1), read -> {
            for (ConsumerRecord<byte[], byte[]> record : read) {
                Snapshot snapshot = SnapshotJson.read(record.value());
                if (snapshot.model().updates() == perModel) {
                    finals.put(snapshot.modelId(), snapshot);
                }
            }
            return finals.size() == MODELS.size();
        });
        for (String model : MODELS) {
            Path samplesFile = work.resolve("train-" + model + ".jsonl");
            Files.write(samplesFile, samples.stream().filter(s -> s[0].equals(model)).map(s -> s[1]).toList());
            Path trained = work.resolve("trained-" + model + ".json");
            int exit = Main.commandLine().execute("train", "--init", modelsDir.resolve(model + ".json").toString(),
                    "--samples", samplesFile.toString(), "--snapshot-out", trained.toString());
            assertEquals(0, exit, "backstream train for " + model);
            Mlp byTrain = SnapshotJson.read(trained).model();
            assertTrue(finals.get(model).model().bitIdentical(byTrain), "final model " + model + " is bit-identical to backstream train's");
            assertTrue(byTrain.bitIdentical(offline.get(model)), "backstream train and the offline learner agree on " + model);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.values().forEach(BackstreamApp::close);
        running.clear();
        for (ChildInstance child : children.values()) {
            child.close();
        }
        admin.close();
    }

    /** Committed predictions from the moment it was created: how long until given models predict again. */
    final class PredictionWatch implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;

        private PredictionWatch() {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topics.predictions()).stream()
                    .map(info -> new TopicPartition(topics.predictions(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, not at the first poll
        }

        /** Seconds from {@code since} ({@link System#nanoTime()}) until a committed prediction of one of {@code models} is read. */
        double secondsUntilPrediction(Set<String> models, long since) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    if (models.contains(json(record.value()).get("model").asText())) {
                        return (System.nanoTime() - since) / 1e9;
                    }
                }
            }
            throw new AssertionError("no prediction of " + models + " within 2 minutes");
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
