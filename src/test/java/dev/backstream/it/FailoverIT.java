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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Two instances on a real broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FailoverIT extends WithEmbeddedBroker {
    @TempDir
    Path work;

    @Test
    void stoppingOneInstanceMovesItsModelsToTheOtherWithoutLosingAnUpdate() throws Exception {
        List<BackstreamConfig> configs = MultiInstance.configs(kafka, "failover", work, "a", "b");
        BackstreamConfig configA = configs.get(0);
        BackstreamConfig configB = configs.get(1);
        KafkaTestSupport.createTopics(kafka, configA.topics(), MultiInstance.PARTITIONS);

        int half = 1200;
        int total = 2400;
        BackstreamApp a = new BackstreamApp(configA, MultiInstance.catalog(), MultiInstance.fastRebalances());
        BackstreamApp b = new BackstreamApp(configB, MultiInstance.catalog(), MultiInstance.fastRebalances());
        try {
            a.start();
            b.start();
            MultiInstance.awaitActiveTasks(List.of(a, b), MultiInstance.PARTITIONS);
            KafkaTestSupport.produce(kafka, configA.topics().samples(), MultiInstance.samples(0, half));
            KafkaTestSupport.readUntil(kafka, configA.topics().predictions(), Duration.ofMinutes(1), read -> read.size() >= half);

            Set<Integer> ownedByA = MultiInstance.activePartitions(a);
            List<String> movingModels = MultiInstance.MODELS.stream().filter(m -> ownedByA.contains(MultiInstance.partitionOf(m))).toList();
            assertTrue(!movingModels.isEmpty() && !MultiInstance.activePartitions(b).isEmpty(),
                    "both instances own models: A " + ownedByA + ", B " + MultiInstance.activePartitions(b));
            a.close(); // a clean stop: its tasks move to B

            KafkaTestSupport.produce(kafka, configA.topics().samples(), MultiInstance.samples(half, total));
            List<JsonNode> predictions = KafkaTestSupport.readUntil(kafka, configA.topics().predictions(), Duration.ofMinutes(2),
                    read -> read.size() >= total).stream().map(record -> json(record.value())).toList();
            assertEquals(MultiInstance.PARTITIONS, MultiInstance.activePartitions(b).size(), "B now owns every partition");
            MultiInstance.assertEqualsOfflineLearner(MultiInstance.samples(0, total), predictions);
            System.out.println("models moved from A to B: " + movingModels);
        } finally {
            a.close();
            b.close();
        }
    }
}
