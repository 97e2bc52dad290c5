package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A task that goes active → standby → active on the same instance must resume from the model its changelog holds,
 * not from the copy it had in memory before it became a standby. Kafka Streams recycles the task's stores between
 * the two roles instead of re-initialising them (it only clears their caches), and the other instance advances the
 * model in between.
 */
@DisplayName("Standby replicas on a real broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StandbyRecycleIT extends WithEmbeddedBroker {
    @TempDir
    Path work;

    @Test
    @DisplayName("a task that returns from standby to active learns from the model the other instance committed")
    void taskReturningFromStandbyResumesFromTheChangelog() throws Exception {
        List<BackstreamConfig> configs = MultiInstance.configs(kafka, "standby", work, "a", "b");
        BackstreamConfig configA = configs.get(0);
        BackstreamConfig configB = configs.get(1);
        KafkaTestSupport.createTopics(kafka, configA.topics(), MultiInstance.PARTITIONS);
        Properties overrides = MultiInstance.fastRebalances();
        overrides.put("num.standby.replicas", "1");
        String samples = configA.topics().samples();
        String predictions = configA.topics().predictions();

        BackstreamApp a = new BackstreamApp(configA, MultiInstance.catalog(), overrides);
        BackstreamApp b = new BackstreamApp(configB, MultiInstance.catalog(), overrides);
        try {
            a.start();
            MultiInstance.awaitActiveTasks(List.of(a), MultiInstance.PARTITIONS);
            KafkaTestSupport.produce(kafka, samples, MultiInstance.samples(0, 600));
            KafkaTestSupport.readUntil(kafka, predictions, Duration.ofMinutes(1), read -> read.size() >= 600);

            // B joins: some of A's tasks move to B, and A keeps them as standbys (recycled active -> standby).
            b.start();
            MultiInstance.awaitActiveTasks(List.of(a, b), MultiInstance.PARTITIONS);
            KafkaTestSupport.waitUntil("both instances own tasks and A is B's standby", Duration.ofMinutes(1),
                    () -> !MultiInstance.activePartitions(b).isEmpty()
                            && MultiInstance.standbyPartitions(a).containsAll(MultiInstance.activePartitions(b)));
            Set<Integer> movedToB = new HashSet<>(MultiInstance.activePartitions(b));
            KafkaTestSupport.produce(kafka, samples, MultiInstance.samples(600, 1200));
            KafkaTestSupport.readUntil(kafka, predictions, Duration.ofMinutes(1), read -> read.size() >= 1200);

            // B leaves: A's standbys of those tasks become active again (recycled standby -> active).
            b.close();
            MultiInstance.awaitActiveTasks(List.of(a), MultiInstance.PARTITIONS);
            KafkaTestSupport.produce(kafka, samples, MultiInstance.samples(1200, 1800));
            List<JsonNode> read = KafkaTestSupport.readUntil(kafka, predictions, Duration.ofMinutes(1), r -> r.size() >= 1800)
                    .stream().map(record -> json(record.value())).toList();

            assertFalse(movedToB.isEmpty(), "some task went active -> standby -> active on A");
            MultiInstance.assertEqualsOfflineLearner(MultiInstance.samples(0, 1800), read);
            System.out.println("partitions that went A active -> A standby (B active) -> A active: " + movedToB);
        } finally {
            a.close();
            b.close();
        }
    }
}
