package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.Sample;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a hostile or careless producer can send cannot stop the application: records whose dead letter would once have
 * been larger than the producer's limit, and a dead-letters topic that refuses a letter.
 */
@DisplayName("Hostile records on a real broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HostileRecordsIT extends WithEmbeddedBroker {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path stateDir;

    private static byte[] filled(int size, int value) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[][] xor(int i) {
        int a = i & 1;
        return new byte[][] {"xor".getBytes(StandardCharsets.UTF_8),
                new Sample("xor", new double[] {a, 1}, a ^ 1, null, "good-" + i).toJson()};
    }

    private static byte[][] bad(byte[] value) {
        return new byte[][] {"xor".getBytes(StandardCharsets.UTF_8), value};
    }

    @Test
    @DisplayName("records whose whole copy would not fit a dead letter get a cut one, and the application goes on learning")
    void recordsLargerThanADeadLetterCanHold() throws Exception {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "hostile", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        KafkaTestSupport.alterTopic(kafka, config.topics().samples(), Map.of("max.message.bytes", String.valueOf(8 * MIB)));
        List<byte[][]> records = new ArrayList<>();
        records.add(xor(0));
        records.add(bad(filled(4_000_000, 'a')));   // over max.record.bytes: RECORD_TOO_LARGE
        records.add(xor(1));
        records.add(bad(filled(200_000, 0x01)));    // each byte escaped to \u0001: 1.2 MB of JSON text
        records.add(xor(2));
        records.add(bad(filled(1_000_000, 0xFF)));  // not UTF-8: 1.33 MB of base64
        records.add(xor(3));

        try (BackstreamApp app = new BackstreamApp(config, EndToEndIT.shippedModels())) {
            app.start();
            KafkaTestSupport.produceBytes(kafka, config.topics().samples(), records, 8 * MIB);
            List<JsonNode> predictions = KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(1),
                    read -> read.size() >= 4).stream().map(record -> json(record.value())).toList();
            List<ConsumerRecord<byte[], byte[]>> letters = KafkaTestSupport.readUntil(kafka, config.topics().deadLetters(),
                    Duration.ofMinutes(1), read -> read.size() >= 3);

            assertEquals(KafkaStreams.State.RUNNING, app.streams().state());
            for (int i = 0; i < 4; i++) {
                assertEquals("good-" + i, predictions.get(i).get("id").asText());
                assertEquals(i, predictions.get(i).get("modelVersion").asLong(), "every good record learned once, in order");
            }
            assertEquals(3, letters.size());
            int[] sizes = {4_000_000, 200_000, 1_000_000};
            String[] reasons = {"RECORD_TOO_LARGE", "MALFORMED_JSON", "MALFORMED_JSON"};
            for (int i = 0; i < 3; i++) {
                JsonNode letter = json(letters.get(i).value());
                assertEquals(reasons[i], letter.get("reason").asText(), letter.get("message").asText());
                assertTrue(letter.get("valueTruncated").asBoolean());
                assertEquals(sizes[i], letter.get("valueBytes").asInt());
                assertEquals(2L * i + 1, letter.get("sourceOffset").asLong());
                assertTrue(letters.get(i).value().length <= 2 * 65_536 + 16 * 1024, "a letter of " + letters.get(i).value().length + " bytes");
            }
            assertEquals("base64", json(letters.get(2).value()).get("valueEncoding").asText());
        }
    }

    @Test
    @DisplayName("a dead letter the broker refuses is replaced by one without the record, and no sample is learned twice")
    void aDeadLetterTheBrokerRefuses() throws Exception {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "refused", stateDir);
        // uncompressed, so that the 10 KB letter of a very compressible record is really larger than the topic allows
        settings.put("compression.type", "none");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        KafkaTestSupport.alterTopic(kafka, config.topics().deadLetters(), Map.of("max.message.bytes", "4096"));
        List<byte[][]> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(xor(i));
            if (i == 10) {
                records.add(bad(("{\"model\":\"xor\",\"features\":[" + "1,".repeat(5000)).getBytes(StandardCharsets.UTF_8)));
            }
        }

        // the replaced stream thread's consumer does not leave the group: its session must expire before the rebalance
        try (BackstreamApp app = new BackstreamApp(config, EndToEndIT.shippedModels(), MultiInstance.fastRebalances())) {
            app.start();
            KafkaTestSupport.produceBytes(kafka, config.topics().samples(), records, MIB);
            List<JsonNode> predictions = KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofMinutes(1),
                    read -> read.size() >= 20).stream().map(record -> json(record.value())).toList();
            List<ConsumerRecord<byte[], byte[]>> letters = KafkaTestSupport.readUntil(kafka, config.topics().deadLetters(),
                    Duration.ofMinutes(1), read -> read.size() >= 1);

            assertEquals(KafkaStreams.State.RUNNING, app.streams().state());
            assertEquals(20, predictions.size(), "exactly one committed prediction per good sample");
            for (int i = 0; i < 20; i++) {
                assertEquals(i, predictions.get(i).get("modelVersion").asLong(), "learned once, in order: " + predictions.get(i));
            }
            assertEquals(1, letters.size());
            JsonNode letter = json(letters.get(0).value());
            assertEquals("MALFORMED_JSON", letter.get("reason").asText());
            assertEquals(11, letter.get("sourceOffset").asLong());
            assertNull(letter.get("value"), "the record is left out");
            assertTrue(letter.get("valueTruncated").asBoolean());
            assertEquals(27 + 2 * 5000, letter.get("valueBytes").asInt());
        }
    }
}
