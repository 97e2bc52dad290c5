package dev.backstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.RejectReason;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelCatalog;
import dev.backstream.stream.Activity;
import dev.backstream.stream.CommittedModels;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.PublishedMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write endpoints against a channel that answers as the learner would (or never): what is sent, what is refused
 * before sending, and how each outcome is answered. The real control topic is {@code HttpCommandsIT}'s.
 */
@DisplayName("Model writes over HTTP")
class ModelWritesTest {
    private static final String TOKEN = "t0ken";
    private static final SourceRecord CONTROL = new SourceRecord("control", 0, 5, 1000);

    private final List<ModelCommand> sent = new ArrayList<>();
    private Function<ModelCommand, CompletableFuture<byte[]>> learner = command -> CompletableFuture.completedFuture(
            ModelEvent.applied(command, ModelEvent.PAUSED, 3L, 3L, CONTROL).toJson());
    private PrometheusMetrics metrics;
    private HttpServer server;

    private HttpServer start(String token, Duration timeout) {
        CommandChannel channel = command -> {
            sent.add(command);
            return learner.apply(command);
        };
        ModelDirectory directory = new ModelDirectory() {
            public String self() {
                return "127.0.0.1:1";
            }

            public Optional<Placement> placement(String id) {
                return Optional.empty();
            }

            public List<String> instances() {
                return List.of();
            }

            public Readiness readiness() {
                return new Readiness(false, "TEST", "test");
            }

            public Optional<byte[]> standbyValue(String id, int partition) {
                return Optional.empty();
            }
        };
        ModelsApi api = new ModelsApi(new ModelCatalog(List.of()), new CommittedModels(), new PublishedMetrics(), directory, new Peers(null),
                10, 1 << 20, 1000, new ModelWrites(token, channel, 1 << 20, 64 * 1024, 1000, timeout));
        metrics = new PrometheusMetrics(new PublishedMetrics(), new Activity().totals(), new ModelSeriesSlots(ModelSeriesSlots.DEFAULT_MAX));
        server = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, null), metrics, api);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            metrics.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url(path)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    private static void assertRefused(HttpResponse<String> response, int status, String code) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(code, json(response).get("error").asText(), response.body());
    }

    @Test
    void withoutATokenConfiguredEveryWriteIsDisabledAndNothingIsSent() throws Exception {
        start(null, Duration.ofSeconds(5));
        HttpResponse<String> refused = send("POST", "/models/m/pause", null, "Bearer " + TOKEN);
        assertRefused(refused, 403, "WRITES_DISABLED");
        assertTrue(json(refused).get("message").asText().contains("http.token"));
        assertRefused(send("DELETE", "/models/m", null, null), 403, "WRITES_DISABLED");
        assertTrue(sent.isEmpty());
    }

    @Test
    void aMissingOrWrongTokenIsUnauthorized() throws Exception {
        start(TOKEN, Duration.ofSeconds(5));
        HttpResponse<String> none = send("POST", "/models/m/pause", null, null);
        assertRefused(none, 401, "UNAUTHORIZED");
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertRefused(send("POST", "/models/m/pause", null, "Bearer " + TOKEN + "0"), 401, "UNAUTHORIZED");
        assertRefused(send("POST", "/models/m/pause", null, "Basic " + TOKEN), 401, "UNAUTHORIZED");
        assertRefused(send("POST", "/models/m/pause", null, "Bearer "), 401, "UNAUTHORIZED");
        assertTrue(sent.isEmpty());
        assertEquals(200, send("POST", "/models/m/pause", null, "bearer " + TOKEN).statusCode(), "the scheme is case-insensitive");
    }

    @Test
    void eachWriteSendsOneCommandWithAnHttpIdAndAnswersItsEvent() throws Exception {
        start(TOKEN, Duration.ofSeconds(5));
        HttpResponse<String> paused = send("POST", "/models/m/pause", null, "Bearer " + TOKEN);
        assertEquals(200, paused.statusCode(), paused.body());
        assertEquals("paused", json(paused).get("event").asText());
        send("PATCH", "/models/m", "{\"learningRate\": 0.25}", "Bearer " + TOKEN);
        send("POST", "/models/m/rollback", "{\"toUpdates\": 4}", "Bearer " + TOKEN);
        send("POST", "/models/m/reset", "", "Bearer " + TOKEN);
        assertEquals(4, sent.size());
        assertTrue(sent.get(0) instanceof ModelCommand.Pause);
        assertEquals(json(paused).get("commandId").asText(), sent.get(0).id());
        assertTrue(sent.get(0).id().matches("http-[0-9a-f-]{36}"), sent.get(0).id());
        assertEquals(0.25, ((ModelCommand.Update) sent.get(1)).learningRate());
        assertEquals(4L, ((ModelCommand.Rollback) sent.get(2)).toUpdates());
        assertEquals(null, ((ModelCommand.Reset) sent.get(3)).seed());
    }

    @Test
    void aRejectedCommandIsAnsweredWithItsReasonAndStatus() throws Exception {
        start(TOKEN, Duration.ofSeconds(5));
        for (String[] rejection : new String[][] {{"UNKNOWN_MODEL", "404"}, {"MODEL_EXISTS", "409"}, {"TOO_MANY_MODELS", "409"},
                {"SNAPSHOT_NOT_RETAINED", "400"}, {"ARCHITECTURE_MISMATCH", "400"}, {"INVALID_DEFINITION", "400"}}) {
            learner = command -> CompletableFuture.completedFuture(ModelEvent.rejected(command, null, null,
                    RejectReason.valueOf(rejection[0]), "because", 1L, CONTROL).toJson());
            HttpResponse<String> answer = send("POST", "/models/m/resume", null, "Bearer " + TOKEN);
            assertRefused(answer, Integer.parseInt(rejection[1]), rejection[0]);
            assertEquals("because", json(answer).get("message").asText());
            assertEquals("rejected", json(answer).get("event").get("event").asText());
        }
    }

    @Test
    void anEventThatDoesNotComeInTimeIs504AndNamesTheCommand() throws Exception {
        start(TOKEN, Duration.ofMillis(200));
        learner = command -> new CompletableFuture<>();
        HttpResponse<String> answer = send("DELETE", "/models/m", null, "Bearer " + TOKEN);
        assertRefused(answer, 504, "COMMAND_TIMEOUT");
        assertEquals(sent.get(0).id(), json(answer).get("commandId").asText());
        assertTrue(json(answer).get("message").asText().contains("may still be applied"));
    }

    @Test
    void aCreateIsCheckedAsTheLearnerWouldAndAnswered201() throws Exception {
        start(TOKEN, Duration.ofSeconds(5));
        learner = command -> CompletableFuture.completedFuture(ModelEvent.applied(command, ModelEvent.CREATED, null, 0L, CONTROL).toJson());
        String definition = """
                {"format": "backstream.mlp/v1", "modelId": "n", "inputs": 2, "loss": "squared_error", "optimizer": {"type": "sgd", "learningRate": 0.1},
                 "layers": [{"units": 1, "activation": "linear"}], "seed": 1}
                """;
        HttpResponse<String> created = send("POST", "/models", definition, "Bearer " + TOKEN);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/models/n", created.headers().firstValue("Location").orElse(""));
        assertEquals("n", sent.get(0).model());
        assertRefused(send("POST", "/models", definition.replace("\"squared_error\"", "\"hinge\""), "Bearer " + TOKEN), 400, "INVALID_DEFINITION");
        assertRefused(send("POST", "/models", "{\"inputs\": 2}", "Bearer " + TOKEN), 400, "MISSING_FIELD");
        assertRefused(send("POST", "/models", "{\"modelId\": 7}", "Bearer " + TOKEN), 400, "INVALID_FIELD");
        assertRefused(send("POST", "/models", "{", "Bearer " + TOKEN), 400, "MALFORMED_JSON");
        HttpResponse<String> utf16 = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url("/models/m/reset")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"seed\": 1}", java.nio.charset.StandardCharsets.UTF_16))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertRefused(utf16, 400, "MALFORMED_JSON"); // bodies are UTF-8 JSON, like every message
        assertRefused(send("PATCH", "/models/m", "{}", "Bearer " + TOKEN), 400, "MISSING_FIELD");
        assertRefused(send("POST", "/models/m/reset", "{\"seed\": 1.5}", "Bearer " + TOKEN), 400, "INVALID_FIELD");
        assertEquals(1, sent.size(), "nothing refused was sent");
    }
}
