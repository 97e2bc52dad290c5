package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A float32 model through the production topology, declared as a user declares it: a definition file saying
 * {@code "dtype": "float32"}. Beside it, "f64" is the same definition without the dtype (float64), so that sizes can be
 * compared.
 */
@DisplayName("A float32 model in the application")
class Float32TopologyTest {
    /** Three blobs, Adam (so that optimizer state is stored too), the same seed for both dtypes. */
    private static final String DEFINITION = """
            {"format": "backstream.mlp/v1", "modelId": "%s", "seed": 3, "inputs": 3,%s
             "loss": "categorical_cross_entropy", "optimizer": {"type": "adam", "learningRate": 0.01},
             "layers": [{"units": 6, "activation": "tanh"}, {"units": 3, "activation": "softmax"}]}
            """;

    @TempDir
    Path dir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private ModelCatalog catalog(long snapshotEvery) throws IOException {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("f32.json"), DEFINITION.formatted("f32", " \"dtype\": \"float32\","));
        Files.writeString(models.resolve("f64.json"), DEFINITION.formatted("f64", ""));
        return ModelCatalog.load(models, snapshotEvery);
    }

    private TopologyFixture open(Map<String, String> overrides, long snapshotEvery) throws IOException {
        fixture = new TopologyFixture(TopologyFixture.config(dir.resolve("state"), overrides), catalog(snapshotEvery));
        return fixture;
    }

    private static List<String> samples(String model, int count, long seed) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(3);
            double[] x = new double[3];
            for (int j = 0; j < 3; j++) {
                x[j] = (j == label ? 2.0 : 0.0) + 0.5 * random.nextGaussian();
            }
            lines.add(new String(new Sample(model, x, label, null, model + "-" + i).toJson(), StandardCharsets.UTF_8));
        }
        return lines;
    }

    private static Mlp offline(ModelCatalog catalog, String id, List<String> lines) {
        Mlp model = catalog.find(id).orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        lines.forEach(line -> parser.parse(line).learnOn(model));
        return model;
    }

    @Test
    @DisplayName("the declared definition is a float32 model")
    void theDefinitionFileDeclaresAFloat32Model() throws IOException {
        ModelCatalog catalog = catalog(1000);
        assertEquals(Dtype.FLOAT32, catalog.find("f32").orElseThrow().architecture().dtype());
        assertEquals(Dtype.FLOAT64, catalog.find("f64").orElseThrow().architecture().dtype());
        assertEquals("3-6(tanh)-3(softmax) categorical_cross_entropy float32", catalog.find("f32").orElseThrow().architecture().describe());
    }

    @Test
    @DisplayName("publishes the predictions an offline float32 replay makes, bit for bit, stores the model after each, and scores with it")
    void publishesThePredictionsOfAnOfflineFloat32ReplayBitForBit() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        Mlp reference = f.catalog.find("f32").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        List<String> lines = samples("f32", 60, 5);
        for (int i = 0; i < lines.size(); i++) {
            f.send("f32", lines.get(i));
            Outcome expected = parser.parse(lines.get(i)).learnOn(reference);

            JsonNode prediction = json(f.predictions.readValue());
            assertEquals(i, prediction.get("modelVersion").asLong());
            for (int k = 0; k < 3; k++) {
                assertEquals(Double.doubleToRawLongBits(expected.output(k)),
                        Double.doubleToRawLongBits(prediction.get("output").get(k).asDouble()), "output " + k + " of sample " + i);
            }
            assertEquals(expected.predictedClass(), prediction.get("predictedClass").asInt());
            assertEquals(Double.doubleToRawLongBits(expected.loss()), Double.doubleToRawLongBits(prediction.get("loss").asDouble()));
            assertTrue(f.storedModel("f32").bitIdentical(reference), "the store holds the model after sample " + i);
        }
        Mlp stored = f.storedModel("f32");
        assertEquals(Dtype.FLOAT32, stored.architecture().dtype());

        f.score("f32", new String(new Sample("f32", new double[] {0.5, 2, -0.25}, null, null, "q").toJson(), StandardCharsets.UTF_8));
        JsonNode scored = json(f.predictions.readValue());
        double[] expected = reference.predict(new double[] {0.5, 2, -0.25}).copyOutput();
        for (int k = 0; k < 3; k++) {
            assertEquals(Double.doubleToRawLongBits(expected[k]), Double.doubleToRawLongBits(scored.get("output").get(k).asDouble()),
                    "score request output " + k);
        }
        assertTrue(f.storedModel("f32").bitIdentical(reference), "a score request changes nothing");
        assertTrue(f.deadLetters.isEmpty());
    }

    @Test
    @DisplayName("ends with the float32 model that `backstream train` learns offline from the definition file and the same samples")
    void endsWithTheModelTheOfflineTrainCommandLearns() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        List<String> lines = samples("f32", 100, 5);
        lines.forEach(line -> f.send("f32", line));
        Path samplesFile = Files.write(dir.resolve("f32.jsonl"), lines);
        Path out = dir.resolve("f32-out.json");
        assertEquals(0, dev.backstream.cli.Main.commandLine().execute("train", "--init", dir.resolve("models/f32.json").toString(),
                "--samples", samplesFile.toString(), "--snapshot-out", out.toString()));
        Mlp trained = SnapshotJson.read(out).model();
        assertEquals(Dtype.FLOAT32, trained.architecture().dtype());
        assertTrue(f.storedModel("f32").bitIdentical(trained));
    }

    @Test
    @DisplayName("creates a float32 model at run time from a create command whose definition says \"dtype\": \"float32\"")
    void createsAFloat32ModelAtRunTime() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        byte[] definition = DEFINITION.formatted("made", " \"dtype\": \"float32\",").getBytes(StandardCharsets.UTF_8);
        assertEquals("created", f.command(new dev.backstream.message.ModelCommand.Create("c", "made", definition)).get("event").asText());
        List<String> lines = samples("made", 10, 5);
        lines.forEach(line -> f.send("made", line));
        Mlp stored = f.storedModel("made");
        assertEquals(Dtype.FLOAT32, stored.architecture().dtype());
        Mlp expected = SnapshotJson.read(definition).model();
        SampleParser parser = new SampleParser();
        lines.forEach(line -> parser.parse(line).learnOn(expected));
        assertTrue(stored.bitIdentical(expected));
    }

    @Test
    @DisplayName("rolls a float32 model back to a float32 snapshot, and refuses a float64 snapshot of the same shape, naming the float32 architecture")
    void rollsBackToAFloat32SnapshotAndRefusesAFloat64One() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        List<String> lines = samples("f32", 10, 5);
        lines.subList(0, 4).forEach(line -> f.send("f32", line));
        Mlp earlier = f.storedModel("f32");
        lines.subList(4, 10).forEach(line -> f.send("f32", line));
        lines.forEach(line -> f.send("f64", line.replace("\"f32\"", "\"f64\"")));

        JsonNode mismatch = f.command(new dev.backstream.message.ModelCommand.Rollback("r1", "f32", null,
                SnapshotJson.toBytes(new Snapshot("f64", f.storedModel("f64")))));
        assertEquals("ARCHITECTURE_MISMATCH", mismatch.get("reason").asText(), mismatch.toString());
        assertTrue(mismatch.toString().contains("categorical_cross_entropy float32"), mismatch.toString());
        assertEquals(10, f.storedModel("f32").updates(), "the refused rollback changed nothing");

        JsonNode rolledBack = f.command(new dev.backstream.message.ModelCommand.Rollback("r2", "f32", null,
                SnapshotJson.toBytes(new Snapshot("f32", earlier))));
        assertEquals("rolled_back", rolledBack.get("event").asText(), rolledBack.toString());
        assertTrue(f.storedModel("f32").bitIdentical(earlier));
    }

    @Test
    @DisplayName("rejects an update to a learning rate a float32 model cannot take, changing nothing, and applies one it can")
    void rejectsALearningRateTheFloat32ModelCannotTake() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        List<String> lines = samples("f32", 6, 5);
        lines.subList(0, 3).forEach(line -> f.send("f32", line));
        Mlp before = f.storedModel("f32");

        JsonNode refused = f.command(new dev.backstream.message.ModelCommand.Update("u1", "f32", 1e7, null, null));

        assertEquals("rejected", refused.get("event").asText(), refused.toString());
        assertEquals("INVALID_FIELD", refused.get("reason").asText(), refused.toString());
        assertTrue(refused.get("message").asText().startsWith("learningRate 1.0E7 is above"), refused.toString());
        assertTrue(f.storedModel("f32").bitIdentical(before), "the refused update changed nothing");
        lines.subList(3, 6).forEach(line -> f.send("f32", line));
        assertEquals(6, f.storedModel("f32").updates(), "the model learns on");

        JsonNode applied = f.command(new dev.backstream.message.ModelCommand.Update("u2", "f32", 0.5, null, null));
        assertEquals("updated", applied.get("event").asText(), applied.toString());
        assertEquals(0.5, f.storedModel("f32").optimizer().learningRate());
    }

    @Test
    @DisplayName("runs a float32 challenger beside a float64 champion of the same shape, and promotes it to a float32 champion")
    void runsAFloat32ChallengerOfAFloat64ChampionAndPromotesIt() throws IOException {
        String champion = """
                "format": "backstream.mlp/v1", "modelId": "champ", "inputs": 2, "loss": "binary_cross_entropy",
                 "optimizer": {"type": "sgd", "learningRate": 0.5},
                 "layers": [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": 7""";
        String half = """
                "dtype": "float32", "optimizer": {"type": "sgd", "learningRate": 0.5},
                 "layers": [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": 7""";
        Path models = Files.createDirectories(dir.resolve("challenger-models"));
        Files.writeString(models.resolve("champ.json"), ChallengerTopologyTest.definition(champion, List.of("half", half), null));
        ModelCatalog catalog = ModelCatalog.load(models, 100_000);
        assertEquals(Dtype.FLOAT32, catalog.find("champ").orElseThrow().challengers().get("half").architecture().dtype());
        fixture = new TopologyFixture(TopologyFixture.config(dir.resolve("challenger-state"), Map.of()), catalog);
        TopologyFixture f = fixture;

        Mlp offline = ChallengerTopologyTest.offline("champ:half", half);
        assertEquals(Dtype.FLOAT32, offline.architecture().dtype());
        SampleParser parser = new SampleParser();
        for (int i = 0; i < 40; i++) {
            f.send("champ", ChallengerTopologyTest.sample(i));
            Outcome expected = parser.parse(ChallengerTopologyTest.sample(i)).learnOn(offline);
            assertEquals("champ", json(f.predictions.readValue()).get("model").asText());
            JsonNode challenger = json(f.predictions.readValue());
            assertEquals("champ:half", challenger.get("model").asText());
            assertEquals(Double.doubleToRawLongBits(expected.output(0)), Double.doubleToRawLongBits(challenger.get("output").get(0).asDouble()),
                    "sample " + i);
        }

        Mlp championBefore = f.storedModel("champ");
        f.send("champ", "{\"model\":\"champ\",\"features\":[1e39,0.5],\"label\":1}");
        JsonNode refused = json(f.deadLetters.readValue());
        assertEquals("NON_FINITE_VALUE", refused.get("reason").asText(), "a sample the float32 challenger cannot take: " + refused);
        assertTrue(f.predictions.isEmpty(), "neither the champion nor the challenger learned it");
        assertTrue(f.storedModel("champ").bitIdentical(championBefore));

        JsonNode promoted = f.command(new dev.backstream.message.ModelCommand.Promote("p", "champ", "half"));
        assertEquals("promoted", promoted.get("event").asText(), promoted.toString());
        Mlp stored = f.storedModel("champ");
        assertEquals(Dtype.FLOAT32, stored.architecture().dtype());
        assertTrue(stored.bitIdentical(offline), "the champion is now the challenger's float32 model");
        f.send("champ", ChallengerTopologyTest.sample(40));
        Outcome next = parser.parse(ChallengerTopologyTest.sample(40)).learnOn(offline);
        JsonNode afterPromotion = json(f.predictions.readValue());
        assertEquals("champ", afterPromotion.get("model").asText());
        assertEquals(Double.doubleToRawLongBits(next.output(0)), Double.doubleToRawLongBits(afterPromotion.get("output").get(0).asDouble()));
        assertTrue(f.storedModel("champ").bitIdentical(offline));
    }

    @Test
    @DisplayName("stores a float32 model in fewer bytes: every parameter and optimizer state value takes 4 bytes, not 8")
    void storesHalfTheParameterBytesOfTheSameFloat64Model() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        List<String> f32 = samples("f32", 20, 5);
        List<String> f64 = samples("f64", 20, 5);
        for (int i = 0; i < 20; i++) {
            f.send("f32", f32.get(i));
            f.send("f64", f64.get(i));
        }
        ModelStore store = (ModelStore) f.driver.getStateStore(BackstreamTopology.STORE);
        byte[] stored32 = store.persistedValue("f32");
        byte[] stored64 = store.persistedValue("f64");
        Architecture architecture = f.catalog.find("f64").orElseThrow().architecture();
        int values = 3 * architecture.parameterCount(); // parameters, Adam's m and v
        assertEquals(3 * 45, values, "3-6-3: 24 + 21 parameters, three vectors");
        assertEquals(stored64.length - values * Double.BYTES + values * Float.BYTES, stored32.length,
                "the float32 value is the float64 one with 4-byte values: " + stored32.length + " against " + stored64.length);
        assertEquals(20, f.storedModel("f32").updates());
        assertEquals(20, f.storedModel("f64").updates());
    }

    @Test
    @DisplayName("publishes snapshots that say \"dtype\": \"float32\" and read back bit-identical to the stored model")
    void publishesFloat32SnapshotsThatReadBackBitIdentical() throws IOException {
        TopologyFixture f = open(Map.of("snapshot.interval.ms", "0"), 10);
        for (String line : samples("f32", 10, 5)) {
            f.send("f32", line);
        }
        byte[] published = f.snapshots.readValue();
        assertTrue(f.snapshots.isEmpty());
        JsonNode document = json(published);
        assertEquals("f32", document.get("modelId").asText());
        assertEquals("float32", document.get("dtype").asText());
        Snapshot snapshot = SnapshotJson.read(published);
        assertEquals(10, snapshot.model().updates());
        assertTrue(snapshot.model().bitIdentical(f.storedModel("f32")), "the snapshot is the stored model, Adam's state included");
        for (JsonNode row : document.get("layers").get(0).get("weights")) {
            for (JsonNode weight : row) {
                float value = (float) weight.asDouble();
                assertEquals(Double.parseDouble(Float.toString(value)), weight.asDouble(),
                        "a snapshot value is the shortest decimal of a float: " + weight);
            }
        }
    }

    @Test
    @DisplayName("shows HTTP readers the committed float32 model: its scorer predicts as the model, bit for bit, and its snapshot is the model")
    void showsHttpReadersTheCommittedFloat32Model() throws IOException {
        TopologyFixture f = open(Map.of(), 1000);
        for (String line : samples("f32", 12, 5)) {
            f.send("f32", line);
        }
        f.driver.advanceWallClockTime(java.time.Duration.ofMillis(100));
        CommittedModel shown = f.shared.models().find("f32").orElseThrow();
        Mlp stored = f.storedModel("f32");
        assertEquals(12, shown.version());
        Random random = new Random(9);
        for (int i = 0; i < 20; i++) {
            double[] x = random.doubles(3, -1, 3).toArray();
            double[] expected = stored.predict(x).copyOutput();
            double[] served = shown.scorer().predict(x).copyOutput();
            for (int k = 0; k < 3; k++) {
                assertEquals(Double.doubleToRawLongBits(expected[k]), Double.doubleToRawLongBits(served[k]), "output " + k + " of input " + i);
            }
        }
        Snapshot snapshot = SnapshotJson.read(shown.snapshotJson());
        assertEquals(Dtype.FLOAT32, snapshot.model().architecture().dtype());
        assertTrue(snapshot.model().bitIdentical(stored));
    }

    @Test
    @DisplayName("a restarted task continues from the committed float32 model bit for bit")
    void aRestartedTaskContinuesFromTheCommittedFloat32ModelBitForBit() throws Exception {
        ModelCatalog catalog = catalog(1000);
        ModelStoreHarness harness = new ModelStoreHarness();
        List<String> lines = new ArrayList<>();
        List<String> first = samples("f32", 35, 5);
        ModelProcessor crashed = harness.processor(catalog);
        for (int i = 0; i < 30; i++) {
            lines.add(first.get(i));
            crashed.process(record(first.get(i), i));
        }
        harness.store.flushCache(); // Kafka Streams prepares a commit
        for (int i = 30; i < 35; i++) {
            crashed.process(record(first.get(i), i)); // processed, never committed: lost in a crash
        }
        crashed.close();
        harness.restart();

        ModelProcessor restarted = harness.processor(catalog);
        List<String> second = samples("f32", 30, 6);
        for (int i = 0; i < 30; i++) {
            lines.add(second.get(i));
            restarted.process(record(second.get(i), 30 + i));
        }
        harness.store.flushCache();

        JsonNode firstAfterRestart = Json.MAPPER.readTree(harness.context.forwarded().get(0).record().value().json());
        assertEquals(30, firstAfterRestart.get("modelVersion").asLong(), "resumed at the committed update 30, not at 35");
        Mlp stored = harness.store.persisted("f32").orElseThrow().model();
        assertEquals(Dtype.FLOAT32, stored.architecture().dtype());
        assertEquals(60, stored.updates());
        assertTrue(stored.bitIdentical(offline(catalog, "f32", lines)), "the committed 30 samples and the 30 after the restart");
    }

    @Test
    @DisplayName("a definition file changed to float32 leaves a model that has state float64, and readers are shown float64")
    void aDefinitionChangedToFloat32LeavesAStoredFloat64ModelAndReadersSeeItsDtype() throws Exception {
        Path asFloat64 = Files.createDirectories(dir.resolve("before"));
        Files.writeString(asFloat64.resolve("f32.json"), DEFINITION.formatted("f32", ""));
        ModelCatalog before = ModelCatalog.load(asFloat64, 1000);
        ModelCatalog after = catalog(1000); // the same file, now saying "dtype": "float32"
        ModelStoreHarness harness = new ModelStoreHarness();
        List<String> lines = samples("f32", 10, 5);
        ModelProcessor first = harness.processor(before);
        for (int i = 0; i < 5; i++) {
            first.process(record(lines.get(i), i));
        }
        harness.store.flushCache();
        first.close();
        harness.restart();
        ModelProcessor second = harness.processor(after);
        for (int i = 5; i < 10; i++) {
            second.process(record(lines.get(i), i));
        }
        harness.store.flushCache();
        harness.store.publishCommitted();

        // "Changing a file does not change a model that has state" (README, Managing models): it goes on as float64
        assertEquals(Dtype.FLOAT64, harness.store.persisted("f32").orElseThrow().model().architecture().dtype());
        assertTrue(harness.store.persisted("f32").orElseThrow().model().bitIdentical(offline(before, "f32", lines)));
        CommittedModel shown = harness.committed.find("f32").orElseThrow();
        assertEquals(Dtype.FLOAT32, shown.definition().architecture().dtype(), "the definition is the changed file");
        assertEquals(Dtype.FLOAT64, shown.architecture().dtype(), "the committed state is a float64 model");
        assertEquals("3-6(tanh)-3(softmax) categorical_cross_entropy", shown.architecture().describe());
        assertEquals("adam", shown.optimizer().type());

        JsonNode listed = listing(after, harness.committed, shown.partition()).get("models").get(0);
        assertEquals("f32", listed.get("id").asText());
        assertEquals(10, listed.get("modelVersion").asLong());
        assertEquals("float64", listed.get("dtype").asText(), listed.toString());
        assertEquals("3-6(tanh)-3(softmax) categorical_cross_entropy", listed.get("architecture").asText());
    }

    /** {@code GET /models?local=true} of an instance that owns {@code partition} and shows {@code committed}. */
    private static JsonNode listing(ModelCatalog catalog, CommittedModels committed, int partition) throws Exception {
        String self = "127.0.0.1:1";
        dev.backstream.http.ModelDirectory directory = new dev.backstream.http.ModelDirectory() {
            public String self() {
                return self;
            }

            public java.util.Optional<Placement> placement(String id) {
                return java.util.Optional.of(new Placement(self, partition, List.of()));
            }

            public List<String> instances() {
                return List.of(self);
            }

            public Readiness readiness() {
                return new Readiness(true, "RUNNING", null);
            }

            public java.util.Optional<byte[]> standbyValue(String id, int p) {
                return java.util.Optional.empty();
            }
        };
        dev.backstream.http.ModelsApi api = new dev.backstream.http.ModelsApi(catalog, committed, new PublishedMetrics(), directory,
                new dev.backstream.http.Peers(null), 10, 1 << 20, 1000, null);
        dev.backstream.http.PrometheusMetrics metrics = new dev.backstream.http.PrometheusMetrics(new PublishedMetrics(),
                new Activity().totals(), new ModelSeriesSlots(ModelSeriesSlots.DEFAULT_MAX));
        try (dev.backstream.http.HttpServer server = dev.backstream.http.HttpServer.start(
                new dev.backstream.http.HttpServer.Settings("127.0.0.1", 0, null), metrics, api)) {
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url("/models?local=true"))).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return Json.MAPPER.readTree(response.body());
        }
    }

    private static Record<byte[], RoutedSample> record(String line, long offset) {
        RoutedSample routed = new RoutedSample(new SampleParser().parse(line), true, null, line.getBytes(StandardCharsets.UTF_8),
                new SourceRecord("backstream.samples", 0, offset, 1000 + offset));
        return new Record<>("f32".getBytes(StandardCharsets.UTF_8), routed, 1000 + offset);
    }
}
