package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.message.DeadLetter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.cli.Main;
import dev.backstream.message.RejectReason;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The Backstream topology")
class BackstreamTopologyTest {

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    private TopologyFixture open(Map<String, String> overrides, long snapshotEvery) {
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, overrides), TopologyFixture.catalog(snapshotEvery));
        return fixture;
    }

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static String xorSample(int i) {
        return dev.backstream.message.XorSamples.json(i, "x" + i);
    }

    static String blobSample(Random random, int i) {
        int label = random.nextInt(3);
        double[] x = new double[3];
        for (int j = 0; j < 3; j++) {
            x[j] = (j == label ? 2.0 : 0.0) + 0.5 * random.nextGaussian();
        }
        return text(new Sample("blobs", x, label, null, "b" + i));
    }

    /** The JSON text a producer sends for {@code sample}, written by the one sample writer. */
    static String text(Sample sample) {
        return new String(sample.toJson(), StandardCharsets.UTF_8);
    }

    /** The offline learner applied to the same sample lines. */
    private static Mlp offline(TopologyFixture fixture, String id, List<String> lines) {
        Mlp model = fixture.catalog.find(id).orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        for (String line : lines) {
            parser.parse(line).learnOn(model);
        }
        return model;
    }

    @Nested
    @DisplayName("learning")
    class Learning {
        @Test
        void publishesThePredictionMadeBeforeEachUpdateAndStoresTheModelAfterIt() {
            TopologyFixture f = open(Map.of(), 1000);
            Mlp reference = f.catalog.find("xor").orElseThrow().newModel();
            SampleParser parser = new SampleParser();
            for (int i = 0; i < 20; i++) {
                String line = xorSample(i);
                f.send("xor", line);
                Outcome expected = parser.parse(line).learnOn(reference);

                TestRecord<byte[], byte[]> record = f.predictions.readRecord();
                JsonNode prediction = json(record.value());
                assertEquals("xor", new String(record.key(), StandardCharsets.UTF_8));
                assertEquals(i, prediction.get("modelVersion").asLong(), "modelVersion counts the updates before this sample");
                assertEquals(expected.output(0), prediction.get("output").get(0).asDouble());
                assertEquals(expected.loss(), prediction.get("loss").asDouble());
                assertEquals("x" + i, prediction.get("id").asText());
                assertEquals(i, prediction.get("sourceOffset").asLong());
                assertEquals(f.config.topics().samples(), prediction.get("sourceTopic").asText());
                assertTrue(f.storedModel("xor").bitIdentical(reference), "the store holds the model after sample " + i);
            }
            assertTrue(f.predictions.isEmpty());
            assertTrue(f.deadLetters.isEmpty());
        }

        @Test
        void endsWithTheModelTheOfflineTrainCommandProducesFromTheSameSequence() throws IOException {
            TopologyFixture f = open(Map.of(), 1000);
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                lines.add(xorSample(i));
                f.send("xor", lines.get(i));
            }
            Path definition = stateDir.resolve("xor-definition.json");
            SnapshotJson.write(new Snapshot("xor", f.catalog.find("xor").orElseThrow().newModel()), definition);
            Path samplesFile = Files.write(stateDir.resolve("xor.jsonl"), lines);
            Path out = stateDir.resolve("xor-out.json");
            assertEquals(0, Main.commandLine().execute("train", "--init", definition.toString(), "--samples", samplesFile.toString(),
                    "--snapshot-out", out.toString()));
            assertTrue(f.storedModel("xor").bitIdentical(SnapshotJson.read(out).model()));
        }

        @Test
        void keepsInterleavedModelsWithDifferentArchitecturesIndependent() {
            TopologyFixture f = open(Map.of(), 1000);
            Random random = new Random(5);
            List<String> xor = new ArrayList<>();
            List<String> blobs = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                if (random.nextBoolean()) {
                    xor.add(xorSample(i));
                    f.send("xor", xor.get(xor.size() - 1));
                } else {
                    blobs.add(blobSample(random, i));
                    f.send("blobs", blobs.get(blobs.size() - 1));
                }
            }
            assertTrue(f.storedModel("xor").bitIdentical(offline(f, "xor", xor)));
            assertTrue(f.storedModel("blobs").bitIdentical(offline(f, "blobs", blobs)));
            assertEquals(300, f.predictions.getQueueSize());
        }

        @Test
        void routesRecordsKeyedBySomethingElseToTheOwnerOfTheirModel() {
            TopologyFixture f = open(Map.of(), 1000);
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                lines.add(xorSample(i));
                String key = switch (i % 3) {
                    case 0 -> "xor";
                    case 1 -> "sensor-" + i;
                    default -> null;
                };
                f.send(key, lines.get(i));
            }
            assertTrue(f.storedModel("xor").bitIdentical(offline(f, "xor", lines)));
            List<TestRecord<byte[], byte[]>> records = f.predictions.readRecordsToList();
            assertEquals(40, records.size());
            for (int i = 0; i < 40; i++) {
                assertEquals("xor", new String(records.get(i).key(), StandardCharsets.UTF_8), "predictions are keyed by model id");
                assertEquals(i, json(records.get(i).value()).get("modelVersion").asLong());
                assertEquals(i, json(records.get(i).value()).get("sourceOffset").asLong(), "the original offset survives repartitioning");
            }
            assertTrue(f.driver.producedTopicNames().contains("backstream-test-" + BackstreamTopology.REPARTITION + "-repartition"),
                    f.driver.producedTopicNames().toString());
        }
    }

    @Nested
    @DisplayName("scoring")
    class Scoring {
        @Test
        void scoreRequestsUseTheCurrentModelChangeNothingAndEchoTheirId() {
            TopologyFixture f = open(Map.of(), 1000);
            for (int i = 0; i < 8; i++) {
                f.send("xor", xorSample(i));
            }
            f.predictions.readRecordsToList();
            Mlp before = f.storedModel("xor");
            f.score("xor", text(new Sample("xor", new double[] {1, 0}, null, null, "req-1")));
            f.score("anything", text(new Sample("xor", new double[] {0, 0}, null, null, null)));

            JsonNode first = json(f.predictions.readValue());
            assertEquals("req-1", first.get("id").asText());
            assertEquals(8, first.get("modelVersion").asLong());
            assertEquals(before.predict(new double[] {1, 0}).output(0), first.get("output").get(0).asDouble());
            assertFalse(first.has("loss"), "score requests have no loss");
            assertEquals(f.config.topics().scoreRequests(), first.get("sourceTopic").asText());
            JsonNode second = json(f.predictions.readValue());
            assertFalse(second.has("id"));
            assertTrue(f.storedModel("xor").bitIdentical(before));
        }
    }

    @Nested
    @DisplayName("snapshots")
    class Snapshots {
        @Test
        void arePublishedEverySnapshotEveryUpdatesWithTheirSource() {
            TopologyFixture f = open(Map.of("snapshot.interval.ms", "0"), 5);
            for (int i = 0; i < 12; i++) {
                f.send("xor", xorSample(i));
            }
            List<TestRecord<byte[], byte[]>> records = f.snapshots.readRecordsToList();
            assertEquals(2, records.size(), "after updates 5 and 10");
            Snapshot fifth = SnapshotJson.read(records.get(0).value());
            assertEquals("xor", fifth.modelId());
            assertEquals(5, fifth.model().updates());
            assertEquals(4, ((Number) fifth.extras().get("sourceOffset")).intValue(), "the offset of the fifth sample");
            assertEquals(0, ((Number) fifth.extras().get("sourcePartition")).intValue());
            assertEquals(10, SnapshotJson.read(records.get(1).value()).model().updates());
        }

        @Test
        void arePublishedOnWallClockTimeOnlyForModelsThatChanged() {
            TopologyFixture f = open(Map.of("snapshot.interval.ms", "10000"), 1000);
            f.send("xor", xorSample(0));
            f.send("xor", xorSample(1));
            assertTrue(f.snapshots.isEmpty());
            f.driver.advanceWallClockTime(Duration.ofSeconds(10));
            List<TestRecord<byte[], byte[]>> records = f.snapshots.readRecordsToList();
            assertEquals(1, records.size());
            Snapshot snapshot = SnapshotJson.read(records.get(0).value());
            assertEquals(2, snapshot.model().updates());
            assertTrue(snapshot.model().bitIdentical(f.storedModel("xor")));
            f.driver.advanceWallClockTime(Duration.ofSeconds(10));
            assertTrue(f.snapshots.isEmpty(), "no change, no snapshot");
            f.send("xor", xorSample(2));
            f.driver.advanceWallClockTime(Duration.ofSeconds(10));
            assertEquals(3, SnapshotJson.read(f.snapshots.readValue()).model().updates());
        }
    }

    @Nested
    @DisplayName("bad records go to dead letters, leave the model untouched, and the next good record is learned")
    class DeadLetters {
        private void assertDeadLetter(RejectReason reason, String evidence, String key, byte[] value) {
            TopologyFixture f = open(Map.of("max.record.bytes", "400"), 1000);
            f.send("xor", xorSample(0));
            f.predictions.readRecordsToList();
            Mlp before = f.storedModel("xor");

            f.samples.pipeInput(TopologyFixture.bytes(key), value);

            TestRecord<byte[], byte[]> record = f.deadLetters.readRecord();
            JsonNode letter = json(record.value());
            assertEquals(reason.name(), letter.get("reason").asText());
            assertTrue(letter.get("message").asText().contains(evidence), letter.toString());
            assertEquals(f.config.topics().samples(), letter.get("sourceTopic").asText());
            assertEquals(1, letter.get("sourceOffset").asLong());
            assertEquals(0, letter.get("sourcePartition").asInt());
            if (key != null) {
                assertEquals(key, letter.get("key").asText());
            }
            assertTrue(f.storedModel("xor").bitIdentical(before), "the model is untouched");
            f.send("xor", xorSample(1));
            assertEquals(1, json(f.predictions.readValue()).get("modelVersion").asLong(), "the next good record is learned");
            assertEquals(2, f.storedModel("xor").updates());
        }

        @Test
        void malformedJson() {
            assertDeadLetter(RejectReason.MALFORMED_JSON, "not valid JSON", "xor", TopologyFixture.bytes("{\"model\": \"xor\", "));
        }

        @Test
        void malformedBytesAreKeptAsBase64() {
            TopologyFixture f = open(Map.of(), 1000);
            byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
            f.samples.pipeInput(TopologyFixture.bytes("k"), garbage);
            JsonNode letter = json(f.deadLetters.readValue());
            assertEquals("MALFORMED_JSON", letter.get("reason").asText());
            assertEquals("base64", letter.get("valueEncoding").asText());
            assertArrayEquals(garbage, java.util.Base64.getDecoder().decode(letter.get("value").asText()));
        }

        @Test
        void wrongFeatureCount() {
            assertDeadLetter(RejectReason.WRONG_FEATURE_COUNT, "expected 2 values, found 3", "xor",
                    TopologyFixture.bytes("{\"model\":\"xor\",\"features\":[1,0,1],\"label\":1}"));
        }

        @Test
        void nonFiniteValue() {
            assertDeadLetter(RejectReason.NON_FINITE_VALUE, "features[1] = 1e400", "xor",
                    TopologyFixture.bytes("{\"model\":\"xor\",\"features\":[1,1e400],\"label\":1}"));
        }

        @Test
        void labelOutOfRange() {
            assertDeadLetter(RejectReason.LABEL_OUT_OF_RANGE, "label 2 is out of range: expected 0..1", "xor",
                    TopologyFixture.bytes("{\"model\":\"xor\",\"features\":[1,1],\"label\":2}"));
        }

        @Test
        void unknownModelNeverCreatesState() {
            assertDeadLetter(RejectReason.UNKNOWN_MODEL, "model 'nope' does not exist (neither declared in models.dir nor created)", "nope",
                    TopologyFixture.bytes("{\"model\":\"nope\",\"features\":[1,1],\"label\":1}"));
            assertNull(fixture.storedModel("nope"));
        }

        @Test
        void missingField() {
            assertDeadLetter(RejectReason.MISSING_FIELD, "needs \"label\" or \"target\"", "xor",
                    TopologyFixture.bytes("{\"model\":\"xor\",\"features\":[1,1]}"));
        }

        @Test
        void recordTooLarge() {
            String padding = " ".repeat(500);
            assertDeadLetter(RejectReason.RECORD_TOO_LARGE, "exceeds max.record.bytes = 400", "xor",
                    TopologyFixture.bytes("{\"model\":\"xor\",\"features\":[1,1],\"label\":1}" + padding));
        }

        @Test
        void nullValue() {
            assertDeadLetter(RejectReason.MALFORMED_JSON, "no value", "xor", null);
        }

        @Test
        void divergedUpdate() {
            fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), new dev.backstream.model.ModelCatalog(List.of(
                    new dev.backstream.model.ModelDefinition("reg", Mlp.restore(
                            dev.backstream.nn.Architecture.of(1, dev.backstream.nn.Loss.SQUARED_ERROR,
                                    new dev.backstream.nn.LayerSpec(1, dev.backstream.nn.Activation.LINEAR)),
                            dev.backstream.nn.OptimizerSpec.sgd(1e10), 0, new double[] {1, 0}, null, 0), 1000, "test"))));
            TopologyFixture f = fixture;
            f.send("reg", "{\"model\":\"reg\",\"features\":[1],\"target\":[2]}");
            f.predictions.readRecordsToList();
            Mlp before = f.storedModel("reg");
            f.send("reg", "{\"model\":\"reg\",\"features\":[1e150],\"target\":[0],\"id\":\"boom\"}");
            JsonNode prediction = json(f.predictions.readValue());
            assertEquals("boom", prediction.get("id").asText(), "the prediction made before the rejected update is still published");
            JsonNode letter = json(f.deadLetters.readValue());
            assertEquals("DIVERGED_UPDATE", letter.get("reason").asText());
            assertTrue(letter.get("message").asText().contains("non-finite"), letter.toString());
            assertEquals("{\"model\":\"reg\",\"features\":[1e150],\"target\":[0],\"id\":\"boom\"}", letter.get("value").asText(),
                    "the original bytes, not a re-serialization");
            assertTrue(f.storedModel("reg").bitIdentical(before));
            f.send("reg", "{\"model\":\"reg\",\"features\":[0.5],\"target\":[1]}");
            assertEquals(2, f.storedModel("reg").updates());
            f.samples.pipeInput(TopologyFixture.bytes("not-the-model-id"), TopologyFixture.bytes("{\"model\":\"reg\", \"features\":[1e200],\"target\":[0]}"));
            assertEquals("{\"model\":\"reg\", \"features\":[1e200],\"target\":[0]}", json(f.deadLetters.readValue()).get("value").asText(),
                    "the original bytes also after the repartition topic");
        }
    }

    @Nested
    @DisplayName("a dead letter always fits, whatever the record")
    class LargeRecords {
        private static final int FIELD_BYTES = 1000;

        private TopologyFixture fixture() {
            return open(Map.of("dead.letter.max.value.bytes", String.valueOf(FIELD_BYTES), "max.record.bytes", "100000"), 1000);
        }

        private JsonNode letterFor(TopologyFixture f, byte[] key, byte[] value) {
            f.samples.pipeInput(key, value);
            byte[] letter = f.deadLetters.readValue();
            assertTrue(letter.length <= DeadLetter.maxBytes(FIELD_BYTES), "a dead letter of " + letter.length + " bytes");
            f.send("xor", xorSample(0));
            assertEquals(0, json(f.predictions.readValue()).get("modelVersion").asLong(), "the next good record is learned");
            return json(letter);
        }

        @Test
        void controlCharactersAreCountedEscaped() {
            byte[] value = new byte[200_000];
            java.util.Arrays.fill(value, (byte) 0x01);
            JsonNode letter = letterFor(fixture(), TopologyFixture.bytes("xor"), value);
            assertEquals("RECORD_TOO_LARGE", letter.get("reason").asText());
            assertTrue(letter.get("valueTruncated").asBoolean());
            assertEquals(200_000, letter.get("valueBytes").asInt());
            assertEquals(FIELD_BYTES / 6, letter.get("value").asText().length(), "each \\u0001 takes six bytes of the letter");
        }

        @Test
        void invalidUtf8IsCutBeforeBase64() {
            byte[] value = new byte[50_000];
            java.util.Arrays.fill(value, (byte) 0xFF);
            JsonNode letter = letterFor(fixture(), TopologyFixture.bytes("xor"), value);
            assertEquals("MALFORMED_JSON", letter.get("reason").asText());
            assertEquals("base64", letter.get("valueEncoding").asText());
            assertTrue(letter.get("valueTruncated").asBoolean());
            assertEquals(50_000, letter.get("valueBytes").asInt());
            byte[] kept = java.util.Base64.getDecoder().decode(letter.get("value").asText());
            assertArrayEquals(java.util.Arrays.copyOf(value, kept.length), kept, "a prefix of the record");
            assertTrue(kept.length > FIELD_BYTES / 2 && letter.get("value").asText().length() <= FIELD_BYTES);
        }

        @Test
        void aLongKeyAndAModelIdEchoedInTheMessageAreCutToo() {
            String id = "m".repeat(20_000);
            JsonNode letter = letterFor(fixture(), TopologyFixture.bytes("k".repeat(30_000)),
                    TopologyFixture.bytes("{\"model\":\"" + id + "\",\"features\":[1,1],\"label\":1}"));
            assertEquals("UNKNOWN_MODEL", letter.get("reason").asText());
            assertTrue(letter.get("keyTruncated").asBoolean());
            assertEquals(30_000, letter.get("keyBytes").asInt());
            assertTrue(letter.get("message").asText().length() <= DeadLetter.MAX_MESSAGE_CHARS + 1);
        }

        @Test
        void aRecordThatFitsIsCopiedWholeWithoutMarks() {
            JsonNode letter = letterFor(fixture(), TopologyFixture.bytes("xor"), TopologyFixture.bytes("{\"model\":\"xor\",\"features\":[1]}"));
            assertEquals("{\"model\":\"xor\",\"features\":[1]}", letter.get("value").asText());
            assertNull(letter.get("valueTruncated"));
            assertNull(letter.get("valueBytes"));
        }
    }
}
