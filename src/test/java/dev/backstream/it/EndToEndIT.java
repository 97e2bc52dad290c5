package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.data.Digits;
import dev.backstream.data.LabeledRow;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("End to end on a real Kafka broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EndToEndIT extends WithEmbeddedBroker {

    @TempDir
    Path stateDir;

    static ModelCatalog shippedModels() throws Exception {
        return ModelCatalog.load(Path.of("config/models"), 1000);
    }

    static String digitsSample(LabeledRow row, String id) {
        return sampleText(new dev.backstream.message.Sample("digits", row.features(), row.label(), null, id));
    }

    /** The JSON text of {@code sample}, from the one sample writer. */
    static String sampleText(dev.backstream.message.Sample sample) {
        return new String(sample.toJson(), StandardCharsets.UTF_8);
    }

    @Test
    void learnsXorAndDigitsThroughRealTopicsWithSnapshotsOnTheCompactedTopic() throws Exception {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "e2e", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 2);
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            int a = (i >> 1) & 1;
            int b = i & 1;
            // Half keyed by the model id, half by something else: both paths must reach the same task.
            records.add(new String[] {i % 2 == 0 ? "xor" : "device-" + i, sampleText(new dev.backstream.message.Sample("xor", new double[] {a, b}, a ^ b, null, null))});
        }
        List<LabeledRow> digits = new ArrayList<>(Digits.load());
        Random random = new Random(1);
        for (int pass = 0; pass < 3; pass++) {
            Collections.shuffle(digits, random);
            for (int i = 0; i < digits.size(); i++) {
                records.add(new String[] {"digits", digitsSample(digits.get(i), pass + "-" + i)});
            }
        }
        int total = records.size();
        try (BackstreamApp app = new BackstreamApp(config, shippedModels())) {
            app.start();
            KafkaTestSupport.produce(kafka, config.topics().samples(), records);
            List<ConsumerRecord<byte[], byte[]>> predictions = KafkaTestSupport.readUntil(kafka, config.topics().predictions(),
                    Duration.ofMinutes(2), read -> read.size() >= total);
            assertEquals(total, predictions.size(), "exactly one prediction per sample");

            Map<String, List<JsonNode>> byModel = predictions.stream().map(record -> json(record.value()))
                    .collect(Collectors.groupingBy(p -> p.get("model").asText()));
            List<JsonNode> xor = byModel.get("xor");
            xor.sort((p, q) -> Long.compare(p.get("modelVersion").asLong(), q.get("modelVersion").asLong()));
            for (int v = 0; v < xor.size(); v++) {
                assertEquals(v, xor.get(v).get("modelVersion").asLong(), "one update per XOR sample, none lost or repeated");
            }
            long lastCorrect = xor.subList(xor.size() - 100, xor.size()).stream()
                    .filter(p -> p.get("predictedClass").asInt() == p.get("label").asInt()).count();
            assertEquals(100, lastCorrect, "XOR is learned");

            List<JsonNode> lastPass = byModel.get("digits").stream().filter(p -> p.get("id").asText().startsWith("2-")).toList();
            double accuracy = lastPass.stream().filter(p -> p.get("predictedClass").asInt() == p.get("label").asInt()).count()
                    / (double) lastPass.size();
            assertTrue(accuracy >= 0.93, "prequential accuracy on the third pass over digits: " + accuracy);

            List<ConsumerRecord<byte[], byte[]>> snapshots = KafkaTestSupport.readUntil(kafka, config.topics().snapshots(),
                    Duration.ofSeconds(30), read -> read.stream().anyMatch(r -> new String(r.key(), StandardCharsets.UTF_8).equals("xor")
                            && SnapshotJson.read(r.value()).model().updates() == 4000));
            Map<String, Snapshot> latest = new HashMap<>();
            snapshots.forEach(r -> latest.put(new String(r.key(), StandardCharsets.UTF_8), SnapshotJson.read(r.value())));
            assertEquals(4000, latest.get("xor").model().updates());
            assertTrue(latest.get("digits").model().updates() >= 5000, "digits snapshots every 1000 updates");
        }
    }

    @Test
    void refusesToStartWhenTheInputTopicsHaveDifferentPartitionCounts() throws Exception {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "copartition", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            admin.createPartitions(Map.of(config.topics().scoreRequests(), org.apache.kafka.clients.admin.NewPartitions.increaseTo(3))).all().get();
        }
        try (BackstreamApp app = new BackstreamApp(config, shippedModels())) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, app::start);
            assertTrue(e.getMessage().contains(config.topics().samples() + " has 1") && e.getMessage().contains(config.topics().scoreRequests() + " has 3"),
                    e.getMessage());
        }
    }

    @Test
    void sendsBadRecordsToDeadLettersWhileGoodOnesKeepFlowing() throws Exception {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "bad", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        List<String[]> records = new ArrayList<>();
        String[] bad = {"{not json", "{\"model\":\"xor\",\"features\":[1],\"label\":1}", "{\"model\":\"ghost\",\"features\":[1,1],\"label\":1}",
                "{\"model\":\"xor\",\"features\":[1,1],\"label\":5}", "{\"model\":\"xor\",\"features\":[1,1e999],\"label\":1}"};
        for (int i = 0; i < 200; i++) {
            records.add(new String[] {"xor", sampleText(new dev.backstream.message.Sample("xor", new double[] {i & 1, 0}, i & 1, null, null))});
            if (i % 40 == 0) {
                records.add(new String[] {"xor", bad[i / 40]});
            }
        }
        try (BackstreamApp app = new BackstreamApp(config, shippedModels())) {
            app.start();
            KafkaTestSupport.produce(kafka, config.topics().samples(), records);
            List<ConsumerRecord<byte[], byte[]>> letters = KafkaTestSupport.readUntil(kafka, config.topics().deadLetters(),
                    Duration.ofMinutes(1), read -> read.size() >= 5);
            // sorted: the ghost sample, keyed "xor", is repartitioned by its own model id before its task rejects it
            List<String> reasons = letters.stream().map(r -> json(r.value()).get("reason").asText()).sorted().toList();
            assertEquals(List.of("LABEL_OUT_OF_RANGE", "MALFORMED_JSON", "NON_FINITE_VALUE", "UNKNOWN_MODEL", "WRONG_FEATURE_COUNT"), reasons);
            List<ConsumerRecord<byte[], byte[]>> predictions = KafkaTestSupport.readUntil(kafka, config.topics().predictions(),
                    Duration.ofMinutes(1), read -> read.size() >= 200);
            assertEquals(199, json(predictions.get(199).value()).get("modelVersion").asLong(), "every good record was learned, in order");
        }
    }
}
