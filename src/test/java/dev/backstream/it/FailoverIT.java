package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.app.ModelCatalog;
import dev.backstream.app.ModelDefinition;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Two instances on a real broker")
class FailoverIT extends WithEmbeddedBroker {
    private static final int PARTITIONS = 4;
    private static final List<String> MODELS = List.of("m0", "m1", "m2", "m3", "m4", "m5");

    @TempDir
    Path work;

    private static ModelCatalog catalog() {
        Architecture architecture = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(4, Activation.SIGMOID),
                new LayerSpec(1, Activation.SIGMOID));
        List<ModelDefinition> definitions = new ArrayList<>();
        for (int m = 0; m < MODELS.size(); m++) {
            definitions.add(new ModelDefinition(MODELS.get(m), Mlp.initialize(architecture, OptimizerSpec.sgd(0.5), m), 1000, "test"));
        }
        return new ModelCatalog(definitions);
    }

    private static List<String[]> samples(int from, int to) {
        List<String[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String model = MODELS.get(i % MODELS.size());
            int a = (i >> 3) & 1;
            int b = (i >> 4) & 1;
            records.add(new String[] {model, "{\"model\":\"" + model + "\",\"features\":[" + a + "," + b + "],\"label\":" + (a ^ b)
                    + ",\"id\":\"" + i + "\"}"});
        }
        return records;
    }

    private static Set<Integer> activePartitions(BackstreamApp app) {
        return app.streams().metadataForLocalThreads().stream().map(ThreadMetadata::activeTasks).flatMap(Set::stream)
                .flatMap(task -> task.topicPartitions().stream()).map(tp -> tp.partition()).collect(Collectors.toSet());
    }

    private static int partitionOf(String model) {
        return Utils.toPositive(Utils.murmur2(model.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    @Test
    void stoppingOneInstanceMovesItsModelsToTheOtherWithoutLosingAnUpdate() throws Exception {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "failover", work.resolve("a"));
        BackstreamConfig configA = new BackstreamConfig(settings, null);
        Map<String, String> settingsB = new HashMap<>(settings);
        settingsB.put(BackstreamConfig.STATE_DIR, work.resolve("b").toString());
        BackstreamConfig configB = new BackstreamConfig(settingsB, null);
        KafkaTestSupport.createTopics(kafka, configA.topics(), PARTITIONS);
        Properties fast = new Properties();
        fast.put("session.timeout.ms", "10000");
        fast.put("heartbeat.interval.ms", "500");

        int half = 1200;
        int total = 2400;
        BackstreamApp a = new BackstreamApp(configA, catalog(), fast);
        BackstreamApp b = new BackstreamApp(configB, catalog(), fast);
        try {
            a.start();
            b.start();
            waitUntilRunningWithTasks(a, b);
            KafkaTestSupport.produce(kafka, configA.topics().samples(), samples(0, half));
            KafkaTestSupport.readUntil(kafka, configA.topics().predictions(), Duration.ofMinutes(1), read -> read.size() >= half);

            Set<Integer> ownedByA = activePartitions(a);
            List<String> movingModels = MODELS.stream().filter(m -> ownedByA.contains(partitionOf(m))).toList();
            assertTrue(!movingModels.isEmpty() && !activePartitions(b).isEmpty(),
                    "both instances own models: A " + ownedByA + ", B " + activePartitions(b));
            a.close(); // a clean stop: its tasks move to B

            KafkaTestSupport.produce(kafka, configA.topics().samples(), samples(half, total));
            List<JsonNode> predictions = KafkaTestSupport.readUntil(kafka, configA.topics().predictions(), Duration.ofMinutes(2),
                    read -> read.size() >= total).stream().map(KafkaTestSupport::json).toList();
            assertEquals(total, predictions.size(), "exactly one prediction per sample");
            assertTrue(activePartitions(b).size() == PARTITIONS, "B now owns every partition: " + activePartitions(b));

            // Every prediction equals the offline learner's prediction before that sample: no update lost or repeated.
            Map<String, Mlp> offline = new HashMap<>();
            catalog().all().forEach(d -> offline.put(d.id(), d.newModel()));
            Map<String, JsonNode> byId = predictions.stream().collect(Collectors.toMap(p -> p.get("id").asText(), p -> p));
            SampleParser parser = new SampleParser();
            for (String[] record : samples(0, total)) {
                Sample sample = parser.parse(record[1]);
                double[] expected = sample.learnOn(offline.get(sample.model())).copyOutput();
                JsonNode prediction = byId.get(sample.id());
                assertArrayEquals(expected, new double[] {prediction.get("output").get(0).asDouble()}, "sample " + sample.id());
            }
            System.out.println("models moved from A to B: " + movingModels);
        } finally {
            a.close();
            b.close();
        }
    }

    private static void waitUntilRunningWithTasks(BackstreamApp... apps) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            boolean ready = true;
            int tasks = 0;
            for (BackstreamApp app : apps) {
                ready &= app.streams().state() == KafkaStreams.State.RUNNING;
                tasks += activePartitions(app).size();
            }
            if (ready && tasks == PARTITIONS) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "instances did not settle on " + PARTITIONS + " tasks");
            Thread.sleep(100); // polling KafkaStreams state, which has no combined "all assigned" callback
        }
    }
}
