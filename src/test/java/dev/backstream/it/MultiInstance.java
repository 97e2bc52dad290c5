package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The shared fixture of the tests that run several instances of one application: six small XOR models over four
 * partitions (or, with {@link #ONE_PER_PARTITION_OF_SIX}, over six), their samples, where each instance's tasks are,
 * and the offline learner every prediction is checked against.
 */
final class MultiInstance {
    static final int PARTITIONS = 4;
    static final List<String> MODELS = List.of("m0", "m1", "m2", "m3", "m4", "m5");
    /**
     * Six model ids that the default partitioner puts in partitions 0 to 5 of a six-partition topic, in that order,
     * so that every task has a model to learn (m0 to m5 leave partition 3 empty and share partition 5).
     */
    static final List<String> ONE_PER_PARTITION_OF_SIX = List.of("m4", "m2", "m1", "m6", "m3", "m0");

    private MultiInstance() {
    }

    /**
     * The configurations of instances {@code names} of one application: unique topics and application id, one state
     * directory each under {@code work}.
     */
    static List<BackstreamConfig> configs(dev.backstream.broker.EmbeddedKafka kafka, String application, java.nio.file.Path work,
                                          String... names) {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, application, work.resolve(names[0]));
        List<BackstreamConfig> configs = new ArrayList<>();
        for (String name : names) {
            Map<String, String> own = new HashMap<>(settings);
            own.put(BackstreamConfig.STATE_DIR, work.resolve(name).toString());
            configs.add(new BackstreamConfig(own, null));
        }
        return configs;
    }

    static ModelCatalog catalog() {
        return catalog(MODELS);
    }

    /** Small XOR models 2-4-1, the i-th of {@code models} initialised with seed i. */
    static ModelCatalog catalog(List<String> models) {
        Architecture architecture = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(4, Activation.SIGMOID),
                new LayerSpec(1, Activation.SIGMOID));
        List<ModelDefinition> definitions = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            definitions.add(new ModelDefinition(models.get(m), Mlp.initialize(architecture, OptimizerSpec.sgd(0.5), m), 1000, "test"));
        }
        return new ModelCatalog(definitions);
    }

    /** Samples {@code from} (inclusive) to {@code to}, keyed by model id, round robin over the models, id = index. */
    static List<String[]> samples(int from, int to) {
        return samples(MODELS, from, to);
    }

    /** Samples {@code from} (inclusive) to {@code to}, keyed by model id, round robin over {@code models}, id = index. */
    static List<String[]> samples(List<String> models, int from, int to) {
        List<String[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String model = models.get(i % models.size());
            int a = (i >> 3) & 1;
            int b = (i >> 4) & 1;
            records.add(new String[] {model, new String(new Sample(model, new double[] {a, b}, a ^ b, null, String.valueOf(i)).toJson(),
                    StandardCharsets.UTF_8)});
        }
        return records;
    }

    /** Rebalances within seconds: a lost member is noticed after 10 s, not 45 s. */
    static Properties fastRebalances() {
        Properties properties = new Properties();
        properties.put("session.timeout.ms", "10000");
        properties.put("heartbeat.interval.ms", "500");
        return properties;
    }

    static int partitionOf(String model) {
        return partitionOf(model, PARTITIONS);
    }

    /** The partition the default partitioner chooses for records keyed by {@code model}. */
    static int partitionOf(String model, int partitions) {
        return Utils.toPositive(Utils.murmur2(model.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    static Set<Integer> activePartitions(BackstreamApp app) {
        return partitions(app, ThreadMetadata::activeTasks);
    }

    static Set<Integer> standbyPartitions(BackstreamApp app) {
        return partitions(app, ThreadMetadata::standbyTasks);
    }

    private static Set<Integer> partitions(BackstreamApp app, Function<ThreadMetadata, Set<TaskMetadata>> tasks) {
        return app.streams().metadataForLocalThreads().stream().map(tasks).flatMap(Set::stream)
                .map(task -> task.taskId().partition()).collect(Collectors.toSet());
    }

    /** Waits until every one of {@code apps} is RUNNING and together they own {@code tasks} active tasks. */
    static void awaitActiveTasks(List<BackstreamApp> apps, int tasks) {
        KafkaTestSupport.waitUntil(apps.size() + " instance(s) running with " + tasks + " active tasks between them",
                Duration.ofMinutes(1), () -> apps.stream().allMatch(app -> app.streams().state() == KafkaStreams.State.RUNNING)
                        && apps.stream().mapToInt(app -> activePartitions(app).size()).sum() == tasks);
    }

    /**
     * Asserts exactly one prediction per sample, each bit-identical to the offline learner's test-then-train prediction
     * and made by the model version the offline learner had reached: no update lost, repeated or made on a stale model.
     */
    static void assertEqualsOfflineLearner(List<String[]> samples, List<JsonNode> predictions) {
        assertEqualsOfflineLearner(catalog(), samples, predictions);
    }

    /**
     * As {@link #assertEqualsOfflineLearner(List, List)}, starting from the models of {@code catalog}; returns the
     * offline learner's final models by id.
     */
    static Map<String, Mlp> assertEqualsOfflineLearner(ModelCatalog catalog, List<String[]> samples, List<JsonNode> predictions) {
        assertEquals(samples.size(), predictions.size(), "exactly one prediction per sample");
        Map<String, JsonNode> byId = predictions.stream().collect(Collectors.toMap(p -> p.get("id").asText(), p -> p));
        Map<String, Mlp> offline = new HashMap<>();
        catalog.all().forEach(d -> offline.put(d.id(), d.newModel()));
        SampleParser parser = new SampleParser();
        for (String[] record : samples) {
            Sample sample = parser.parse(record[1]);
            Outcome expected = sample.learnOn(offline.get(sample.model()));
            JsonNode prediction = byId.get(sample.id());
            assertNotNull(prediction, "a prediction for sample " + sample.id());
            assertEquals(expected.modelVersion(), prediction.get("modelVersion").asLong(),
                    "model version that predicted sample " + sample.id() + " of " + sample.model());
            assertArrayEquals(expected.copyOutput(), new double[] {prediction.get("output").get(0).asDouble()},
                    "prediction for sample " + sample.id());
        }
        return offline;
    }
}
