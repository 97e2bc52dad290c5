package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.Sample;
import dev.backstream.model.ModelCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write endpoints of the HTTP API on a real broker: each request becomes a command on the control topic and is
 * answered with its model event; models created over HTTP are listed and learn; deleted ones are gone; refused
 * requests write nothing; no token, no writes.
 */
@DisplayName("HTTP commands on a real broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpCommandsIT extends WithEmbeddedBroker {
    private static final String TOKEN = "it-token-7f3a";

    private BackstreamConfig config;
    private BackstreamApp app;

    @BeforeAll
    void start(@TempDir Path stateDir) throws Exception {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "http-commands", stateDir);
        settings.put(BackstreamConfig.HTTP_TOKEN, TOKEN);
        config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 2);
        app = new BackstreamApp(config, EndToEndIT.shippedModels());
        app.start();
        KafkaTestSupport.waitUntil("the instance is ready", Duration.ofSeconds(60), () -> Http.get(url("/ready")).status() == 200);
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

    private static String definition(String id, int snapshotEvery) {
        return """
                {"format": "backstream.mlp/v1", "modelId": "%s", "inputs": 2, "loss": "binary_cross_entropy",
                 "optimizer": {"type": "sgd", "learningRate": 0.5},
                 "layers": [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
                 "seed": 5, "snapshotEveryUpdates": %d}
                """.formatted(id, snapshotEvery);
    }

    /** A request carrying {@code token} as a bearer token (none if empty), with an optional JSON body. */
    private static Http.Answer write(String method, String url, String body, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (!token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        return Http.send(request);
    }

    private Http.Answer write(String method, String path, String body) {
        return write(method, url(path), body, TOKEN);
    }

    private static void assertEvent(Http.Answer answer, int status, String event) {
        assertEquals(status, answer.status(), answer.body());
        assertEquals(event, answer.json().get("event").asText(), answer.body());
        assertTrue(answer.json().get("commandId").asText().startsWith("http-"), answer.body());
        assertEquals("backstream.model-event/v1", answer.json().get("format").asText());
    }

    private static void assertRefused(Http.Answer answer, int status, String code) {
        assertEquals(status, answer.status(), answer.body());
        assertEquals(code, answer.json().get("error").asText(), answer.body());
        assertFalse(answer.json().get("message").asText().isBlank());
    }

    private void produceSamples(String model, int from, int count) {
        List<String[]> samples = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            int a = (i >> 1) & 1;
            int b = i & 1;
            samples.add(new String[] {model, EndToEndIT.sampleText(new Sample(model, new double[] {a, b}, a ^ b, null, null))});
        }
        KafkaTestSupport.produce(kafka, config.topics().samples(), samples);
    }

    private void awaitVersion(String model, long version) {
        KafkaTestSupport.waitUntil(model + " is served at version " + version, Duration.ofSeconds(60), () -> {
            Http.Answer answer = Http.get(url("/models/" + model));
            return answer.status() == 200 && answer.json().get("modelVersion").asLong() == version;
        });
    }

    private Set<String> listed() {
        Http.Answer answer = Http.get(url("/models"));
        assertEquals(200, answer.status(), answer.body());
        Set<String> ids = new TreeSet<>();
        answer.json().get("models").forEach(model -> ids.add(model.get("id").asText()));
        return ids;
    }

    @Test
    void writesNeedTheTokenAndAreDisabledWithoutOne(@TempDir Path otherState) throws Exception {
        assertRefused(write("POST", url("/models/xor/pause"), null, ""), 401, "UNAUTHORIZED");
        assertRefused(write("POST", url("/models/xor/pause"), null, "not-" + TOKEN), 401, "UNAUTHORIZED");
        assertRefused(write("DELETE", url("/models/xor"), null, TOKEN + "x"), 401, "UNAUTHORIZED");
        assertEquals(200, Http.get(url("/models/xor")).status(), "still there");

        BackstreamConfig tokenless = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "http-commands-off", otherState), null);
        KafkaTestSupport.createTopics(kafka, tokenless.topics(), 1);
        try (BackstreamApp readOnly = new BackstreamApp(tokenless, EndToEndIT.shippedModels())) {
            readOnly.start();
            Http.Answer refused = write("POST", readOnly.httpUrl("/models"), definition("m", 10), TOKEN);
            assertRefused(refused, 403, "WRITES_DISABLED");
            assertTrue(refused.json().get("message").asText().contains("http.token"), refused.body());
            assertRefused(write("DELETE", readOnly.httpUrl("/models/xor"), null, ""), 403, "WRITES_DISABLED");
        }
    }

    @Test
    void aModelCreatedOverHttpIsListedAndLearnsFromItsSamples() {
        Http.Answer created = write("POST", "/models", definition("fresh", 1000));
        assertEvent(created, 201, "created");
        assertEquals("fresh", created.json().get("model").asText());
        assertEquals(0, created.json().get("versionAfter").asLong());
        awaitVersion("fresh", 0);
        assertTrue(listed().contains("fresh"), "listed with the declared models");

        produceSamples("fresh", 0, 200);
        awaitVersion("fresh", 200);
        Http.Answer predicted = Http.postJson(url("/models/fresh/predict"), "{\"features\": [1, 0]}");
        assertEquals(200, predicted.status(), predicted.body());

        assertRefused(write("POST", "/models", definition("fresh", 1000)), 409, "MODEL_EXISTS");
        assertRefused(write("POST", "/models", definition("xor", 1000)), 409, "MODEL_EXISTS");
        assertEquals(200, Http.get(url("/models/fresh")).json().get("modelVersion").asLong(), "a refused create changes nothing");
    }

    @Test
    void everyCommandIsAnsweredWithItsEvent() {
        assertEvent(write("POST", "/models", definition("managed", 10)), 201, "created");
        produceSamples("managed", 0, 50);
        awaitVersion("managed", 50);

        assertEvent(write("POST", "/models/managed/pause", null), 200, "paused");
        assertEvent(write("POST", "/models/managed/resume", ""), 200, "resumed");
        Http.Answer updated = write("PATCH", "/models/managed", "{\"learningRate\": 0.1, \"snapshotEveryUpdates\": 20}");
        assertEvent(updated, 200, "updated");
        Http.Answer rolledBack = write("POST", "/models/managed/rollback", "{\"toUpdates\": 40}");
        assertEvent(rolledBack, 200, "rolled_back");
        assertEquals(50, rolledBack.json().get("versionBefore").asLong());
        assertEquals(40, rolledBack.json().get("versionAfter").asLong());
        awaitVersion("managed", 40);
        assertRefused(write("POST", "/models/managed/rollback", "{\"toUpdates\": 7}"), 400, "SNAPSHOT_NOT_RETAINED");
        Http.Answer reset = write("POST", "/models/managed/reset", "{\"seed\": 3}");
        assertEvent(reset, 200, "reset");
        assertEquals(0, reset.json().get("versionAfter").asLong());
        awaitVersion("managed", 0);
        assertEvent(write("DELETE", "/models/managed", null), 200, "deleted");
        KafkaTestSupport.waitUntil("managed is gone", Duration.ofSeconds(30), () -> Http.get(url("/models/managed")).status() == 404);
        assertFalse(listed().contains("managed"));
        assertRefused(write("POST", "/models/managed/pause", null), 404, "UNKNOWN_MODEL");
    }

    @Test
    void aDeletedDeclaredModelIsGoneFromTheReadApi() {
        assertEquals(200, Http.get(url("/models/digits")).status());
        Http.Answer deleted = write("DELETE", "/models/digits", null);
        assertEvent(deleted, 200, "deleted");
        KafkaTestSupport.waitUntil("digits answers 404", Duration.ofSeconds(30), () -> Http.get(url("/models/digits")).status() == 404);
        assertRefused(Http.get(url("/models/digits")), 404, "UNKNOWN_MODEL");
        assertRefused(Http.get(url("/models/digits/snapshot")), 404, "UNKNOWN_MODEL");
        assertFalse(listed().contains("digits"), "not listed, although declared");
        assertTrue(listed().contains("xor"));
    }

    @Test
    void aRefusedBodyWritesNothing() {
        int commands = KafkaTestSupport.readToEnd(kafka, config.topics().control(), Duration.ofSeconds(30)).size();
        int events = KafkaTestSupport.readToEnd(kafka, config.topics().modelEvents(), Duration.ofSeconds(30)).size();

        assertRefused(write("POST", "/models/xor/rollback", "{\"toUpdates\": "), 400, "MALFORMED_JSON");
        assertRefused(write("POST", "/models/xor/rollback", "[40]"), 400, "MALFORMED_JSON");
        assertRefused(write("POST", "/models/xor/rollback", null), 400, "MALFORMED_JSON");
        assertRefused(write("POST", "/models/xor/rollback", "{}"), 400, "MISSING_FIELD");
        assertRefused(write("PATCH", "/models/xor", "{\"learningRate\": -1}"), 400, "INVALID_FIELD");
        assertRefused(write("PATCH", "/models/xor", "{\"learningRate\": 0.1, \"loss\": \"mse\"}"), 400, "INVALID_FIELD");
        assertRefused(write("POST", "/models/xor/pause", "{\"now\": true}"), 400, "INVALID_FIELD");
        assertRefused(write("POST", "/models", "{\"format\": \"backstream.mlp/v1\"}"), 400, "MISSING_FIELD");
        assertRefused(write("POST", "/models", "{\"format\": \"backstream.mlp/v1\", \"modelId\": \"half\"}"), 400, "INVALID_DEFINITION");
        assertRefused(write("POST", "/models/xor/rollback", "{\"snapshot\": {\"format\": \"nope\"}}"), 400, "INVALID_DEFINITION");

        assertEquals(commands, KafkaTestSupport.readToEnd(kafka, config.topics().control(), Duration.ofSeconds(30)).size(),
                "no command was written");
        assertEquals(events, KafkaTestSupport.readToEnd(kafka, config.topics().modelEvents(), Duration.ofSeconds(30)).size(),
                "no model event for a refused request");
    }
}
