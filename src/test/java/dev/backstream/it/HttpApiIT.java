package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API of one instance that learned a known stream on a real broker: every answer is checked against the
 * offline learner fed the same samples, and every kind of bad request gets its 4xx and stable code.
 */
@DisplayName("The HTTP API on a real broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiIT extends WithEmbeddedBroker {
    private static final int SAMPLES = 600;

    private BackstreamApp app;
    private Mlp offline;

    @BeforeAll
    void learnAKnownStream(@TempDir Path stateDir) throws Exception {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "http-api", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 2);
        ModelCatalog catalog = EndToEndIT.shippedModels();
        offline = catalog.find("xor").orElseThrow().newModel();
        List<String[]> samples = new ArrayList<>();
        SampleParser parser = new SampleParser();
        for (int i = 0; i < SAMPLES; i++) {
            String line = dev.backstream.message.XorSamples.json(i, null);
            samples.add(new String[] {"xor", line});
            parser.parse(line).learnOn(offline);
        }
        app = new BackstreamApp(config, catalog);
        app.start();
        KafkaTestSupport.produce(kafka, config.topics().samples(), samples);
        KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofSeconds(90), read -> read.size() >= SAMPLES);
        KafkaTestSupport.waitUntil("the committed xor model is served", Duration.ofSeconds(30),
                () -> Http.get(url("/models/xor")).status() == 200 && Http.get(url("/models/xor")).json().get("modelVersion").asLong() == SAMPLES);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private String url(String path) {
        return app.httpUrl(path);
    }

    @Test
    void healthAndReadinessAnswer() {
        assertEquals(200, Http.get(url("/health")).status());
        Http.Answer ready = Http.get(url("/ready"));
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.json().get("ready").asBoolean());
        assertEquals("RUNNING", ready.json().get("state").asText());
    }

    @Test
    void listsEveryDeclaredModelWithItsOwnerVersionAndMetrics() {
        Http.Answer answer = Http.get(url("/models"));
        assertEquals(200, answer.status(), answer.body());
        Set<String> ids = new TreeSet<>();
        answer.json().get("models").forEach(model -> ids.add(model.get("id").asText()));
        assertEquals(Set.of("digits", "xor"), ids);
        JsonNode xor = model(answer.json(), "xor");
        assertEquals(SAMPLES, xor.get("modelVersion").asLong());
        assertEquals("2-4(sigmoid)-1(sigmoid) binary_cross_entropy", xor.get("architecture").asText());
        assertEquals("sgd", xor.get("optimizer").get("type").asText());
        assertEquals(app.httpUrl("").replace("http://", ""), xor.get("owner").get("instance").asText());
        assertEquals(0, model(answer.json(), "digits").get("modelVersion").asLong(), "a declared model that learned nothing is at version 0");
        assertEquals(0, answer.json().get("unreachable").size());
    }

    private static JsonNode model(JsonNode list, String id) {
        for (JsonNode model : list.get("models")) {
            if (model.get("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError("no model " + id + " in " + list);
    }

    @Test
    void oneModelComesWithItsDefinitionAndRecentMetrics() {
        KafkaTestSupport.waitUntil("the metrics of the last update are published", Duration.ofSeconds(30),
                () -> Http.get(url("/models/xor")).json().path("metrics").path("updates").asLong() == SAMPLES);
        JsonNode xor = Http.get(url("/models/xor")).json();
        assertEquals(2, xor.get("definition").get("inputs").asInt());
        assertEquals(2, xor.get("definition").get("layers").size());
        JsonNode recent = xor.get("recentMetrics");
        assertTrue(recent.size() >= 1);
        for (int i = 1; i < recent.size(); i++) {
            assertTrue(recent.get(i).get("updates").asLong() >= recent.get(i - 1).get("updates").asLong(), "oldest first");
        }
        assertEquals(recent.get(recent.size() - 1), xor.get("metrics"), "the latest metrics end the history");
    }

    @Test
    void theSnapshotIsTheCommittedModelBitForBit() {
        Http.Answer answer = Http.get(url("/models/xor/snapshot"));
        assertEquals(200, answer.status());
        assertEquals(String.valueOf(SAMPLES), answer.modelVersion());
        Mlp served = SnapshotJson.read(answer.body().getBytes(StandardCharsets.UTF_8)).model();
        assertTrue(served.bitIdentical(offline), "the snapshot equals the offline learner after the same " + SAMPLES + " samples");
    }

    @Test
    void predictsWhatTheOfflineModelPredictsSingleAndBatch() {
        double[][] inputs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0.25, 0.75}};
        Http.Answer single = Http.postJson(url("/models/xor/predict"), "{\"features\": [0.25, 0.75]}");
        assertEquals(200, single.status(), single.body());
        assertEquals(SAMPLES, single.json().get("modelVersion").asLong());
        Outcome expected = offline.predict(inputs[4]);
        assertEquals(expected.output(0), single.json().get("output").get(0).asDouble(), 0.0, "bit for bit");
        assertEquals(expected.predictedClass(), single.json().get("predictedClass").asInt());

        Http.Answer batch = Http.postJson(url("/models/xor/predict"), "{\"instances\": [[0,0],[0,1],[1,0],[1,1],[0.25,0.75]]}");
        assertEquals(200, batch.status(), batch.body());
        JsonNode predictions = batch.json().get("predictions");
        assertEquals(inputs.length, predictions.size());
        for (int i = 0; i < inputs.length; i++) {
            assertEquals(offline.predict(inputs[i]).output(0), predictions.get(i).get("output").get(0).asDouble(), 0.0);
        }
        for (int i = 0; i < inputs.length; i++) {
            assertEquals(offline.predict(inputs[i]).predictedClass(), predictions.get(i).get("predictedClass").asInt());
        }
        Http.Answer after = Http.get(url("/models/xor"));
        assertEquals(SAMPLES, after.json().get("modelVersion").asLong(), "predicting never changes the model");
    }

    /** One bad request: what it sends, and the status and code it must get. */
    private record Bad(String what, String method, String path, String contentType, byte[] body, int status, String code) {
        static Bad post(String what, String body, int status, String code) {
            return new Bad(what, "POST", "/models/xor/predict", "application/json", body.getBytes(StandardCharsets.UTF_8), status, code);
        }
    }

    @Test
    void everyBadRequestGetsItsStatusAndStableCodeAndNeverAStackTrace() {
        StringBuilder big = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < 1001; i++) {
            big.append(i == 0 ? "" : ",").append("[0,1]");
        }
        big.append("]}");
        byte[] overBody = new byte[16 * 1024 * 1024 + 1];
        java.util.Arrays.fill(overBody, (byte) ' ');
        List<Bad> list = List.of(
                Bad.post("malformed JSON", "{\"features\": [0, 1", 400, "MALFORMED_JSON"),
                Bad.post("not an object", "[0, 1]", 400, "MALFORMED_JSON"),
                Bad.post("an empty body", "", 400, "MALFORMED_JSON"),
                Bad.post("wrong feature count", "{\"features\": [0, 1, 1]}", 400, "WRONG_FEATURE_COUNT"),
                Bad.post("wrong feature count in a batch", "{\"instances\": [[0, 1], [1]]}", 400, "WRONG_FEATURE_COUNT"),
                Bad.post("a number beyond double", "{\"features\": [1e400, 0]}", 400, "NON_FINITE_VALUE"),
                Bad.post("a string feature", "{\"features\": [\"1\", 0]}", 400, "INVALID_FIELD"),
                Bad.post("both shapes", "{\"features\": [1, 0], \"instances\": [[1, 0]]}", 400, "INVALID_FIELD"),
                Bad.post("an unknown field", "{\"features\": [1, 0], \"label\": 1}", 400, "INVALID_FIELD"),
                Bad.post("an empty batch", "{\"instances\": []}", 400, "INVALID_FIELD"),
                Bad.post("no features", "{}", 400, "MISSING_FIELD"),
                Bad.post("a batch over http.max.batch", big.toString(), 413, "RECORD_TOO_LARGE"),
                new Bad("a body over http.max.body.bytes", "POST", "/models/xor/predict", "application/json", overBody, 413, "REQUEST_TOO_LARGE"),
                new Bad("an unknown model", "POST", "/models/nope/predict", "application/json", "{\"features\": [1, 0]}".getBytes(StandardCharsets.UTF_8), 404, "UNKNOWN_MODEL"),
                new Bad("an unknown model's snapshot", "GET", "/models/nope/snapshot", null, null, 404, "UNKNOWN_MODEL"),
                new Bad("form data", "POST", "/models/xor/predict", "application/x-www-form-urlencoded", "features=1".getBytes(StandardCharsets.UTF_8), 415, "UNSUPPORTED_MEDIA_TYPE"),
                new Bad("no content type", "POST", "/models/xor/predict", null, "{\"features\": [1, 0]}".getBytes(StandardCharsets.UTF_8), 415, "UNSUPPORTED_MEDIA_TYPE"),
                new Bad("an unknown path", "GET", "/nothing/here", null, null, 404, "NOT_FOUND"),
                new Bad("a wrong method", "PUT", "/models/xor", null, null, 405, "METHOD_NOT_ALLOWED"),
                new Bad("a write while no http.token is set", "DELETE", "/models/xor", null, null, 403, "WRITES_DISABLED"));
        for (Bad bad : list) {
            java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url(bad.path())))
                    .method(bad.method(), bad.body() == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                            : java.net.http.HttpRequest.BodyPublishers.ofByteArray(bad.body()));
            if (bad.contentType() != null) {
                request.header("Content-Type", bad.contentType());
            }
            Http.Answer answer = Http.send(request);
            assertEquals(bad.status(), answer.status(), bad.what() + ": " + answer.body());
            assertTrue(answer.contentType() != null && answer.contentType().startsWith("application/json"), bad.what() + ": JSON");
            JsonNode body = answer.json();
            assertEquals(bad.code(), body.get("error").asText(), bad.what() + ": " + answer.body());
            assertFalse(body.get("message").asText().isBlank(), bad.what());
            assertFalse(answer.body().contains("\tat ") || answer.body().contains("Exception"), bad.what() + ": no stack trace: " + answer.body());
        }
        JsonNode count = Http.postJson(url("/models/xor/predict"), "{\"features\": [0, 1, 1]}").json();
        assertEquals(2, count.get("expected").asInt());
        assertEquals(3, count.get("found").asInt());
        assertEquals(SAMPLES, Http.get(url("/models/xor")).json().get("modelVersion").asLong(), "no bad request changed the model");
        assertEquals(200, Http.get(url("/ready")).status(), "the application is still up");
    }

    @Test
    void theOpenApiDescriptionNamesEveryRoute() {
        Http.Answer answer = Http.get(url("/openapi.json"));
        assertEquals(200, answer.status());
        Set<String> paths = new TreeSet<>();
        Iterator<String> names = answer.json().get("paths").fieldNames();
        names.forEachRemaining(paths::add);
        assertEquals(Set.of("/health", "/ready", "/models", "/models/{id}", "/models/{id}/snapshot", "/models/{id}/predict",
                "/models/{id}/reset", "/models/{id}/rollback", "/models/{id}/pause", "/models/{id}/resume", "/models/{id}/promote",
                "/metrics", "/openapi.json"), paths);
        for (Map.Entry<String, String> served : Map.of("/health", "GET", "/ready", "GET", "/models", "GET", "/models/xor", "GET",
                "/models/xor/snapshot", "GET", "/metrics", "GET").entrySet()) {
            assertEquals(200, Http.get(url(served.getKey())).status(), served.getKey() + " is served");
        }
        assertNotNull(answer.json().get("components").get("schemas").get("Refusal"));
    }
}
