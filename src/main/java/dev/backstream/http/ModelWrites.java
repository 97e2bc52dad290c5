package dev.backstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.RejectReason;
import dev.backstream.model.ModelCatalog;
import dev.backstream.snapshot.SnapshotJson;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The endpoints that change a model: each turns its request into one {@link ModelCommand} (id {@code http-<uuid>}),
 * sends it to the control topic through a {@link CommandChannel} and answers with the command's model event once the
 * model's task has applied or rejected it. Any instance takes a write: Kafka routes the command to the model's task.
 *
 * <p>Every write needs {@code Authorization: Bearer <http.token>} (401 {@code UNAUTHORIZED} otherwise; the tokens are
 * compared in constant time, as digests, so that neither their content nor their length leaks); without a configured
 * token writes are disabled (403 {@code WRITES_DISABLED}). A body that is not a valid request is refused before
 * anything is written, with the codes the learner would reject the command with.
 */
public final class ModelWrites {
    /** How long a write waits for its model event by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final String BEARER = "Bearer ";

    private final byte[] tokenDigest;
    private final CommandChannel channel;
    private final long maxBodyBytes;
    private final int maxRecordBytes;
    private final long defaultSnapshotEveryUpdates;
    private final Duration timeout;

    /**
     * @param token                       {@code http.token}, or null (or empty) to disable writes
     * @param maxBodyBytes                the largest request body accepted ({@code http.max.body.bytes})
     * @param maxRecordBytes              the largest command the learner reads ({@code max.record.bytes})
     * @param defaultSnapshotEveryUpdates {@code snapshot.every.updates}, for checking a definition as the learner will
     * @param timeout                     how long to wait for a command's model event before answering 504
     */
    public ModelWrites(String token, CommandChannel channel, long maxBodyBytes, int maxRecordBytes, long defaultSnapshotEveryUpdates,
                       Duration timeout) {
        this.tokenDigest = token == null || token.isEmpty() ? null : digest(token);
        this.channel = channel;
        this.maxBodyBytes = maxBodyBytes;
        this.maxRecordBytes = maxRecordBytes;
        this.defaultSnapshotEveryUpdates = defaultSnapshotEveryUpdates;
        this.timeout = timeout;
    }

    void register(JavalinConfig config) {
        config.routes.post("/models", this::create);
        config.routes.patch("/models/{id}", ctx -> command(ctx, "update", Set.of("learningRate", "snapshotEveryUpdates", "drift"), true));
        config.routes.delete("/models/{id}", ctx -> command(ctx, "delete", Set.of(), false));
        config.routes.post("/models/{id}/reset", ctx -> command(ctx, "reset", Set.of("seed"), false));
        config.routes.post("/models/{id}/rollback", ctx -> command(ctx, "rollback", Set.of("toUpdates", "snapshot"), true));
        config.routes.post("/models/{id}/pause", ctx -> command(ctx, "pause", Set.of(), false));
        config.routes.post("/models/{id}/resume", ctx -> command(ctx, "resume", Set.of(), false));
        config.routes.post("/models/{id}/promote", ctx -> command(ctx, "promote", Set.of("challenger"), true));
    }

    // ------------------------------------------------------------------------------------------------ handlers

    /** {@code POST /models}: the body is a model definition, as in {@code models.dir}; 201 with the created event. */
    private void create(Context ctx) throws IOException {
        authorize(ctx);
        ObjectNode definition = body(ctx, true);
        JsonNode modelId = definition.get("modelId");
        if (modelId == null || modelId.isNull()) {
            throw new ApiException(400, RejectReason.MISSING_FIELD.name(), "a model definition needs \"modelId\": the id of the model to create");
        }
        if (!modelId.isTextual() || modelId.asText().isEmpty()) {
            throw new ApiException(400, RejectReason.INVALID_FIELD.name(), "\"modelId\" is " + modelId + "; expected a non-empty string");
        }
        byte[] bytes = Json.MAPPER.writeValueAsBytes(definition);
        try {
            ModelCatalog.loadDefinition(bytes, null, "the request body", defaultSnapshotEveryUpdates, maxRecordBytes / 48L);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new ApiException(400, RejectReason.INVALID_DEFINITION.name(), e.getMessage());
        }
        String id = modelId.asText();
        ctx.header("Location", "/models/" + id);
        send(ctx, new ModelCommand.Create(commandId(), id, bytes), 201);
    }

    /** A command on model {@code {id}} whose fields are the body's ({@code allowed} ones only). */
    private void command(Context ctx, String name, Set<String> allowed, boolean bodyRequired) throws IOException {
        authorize(ctx);
        ObjectNode fields = body(ctx, bodyRequired);
        for (Iterator<String> names = fields.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!allowed.contains(field)) {
                throw new ApiException(400, RejectReason.INVALID_FIELD.name(), "\"" + field + "\" is not a field of a " + name + " request"
                        + (allowed.isEmpty() ? "; it takes no body" : "; expected " + new TreeSet<>(allowed)));
            }
        }
        ObjectNode command = Json.MAPPER.createObjectNode();
        command.put("command", name);
        command.put("model", ctx.pathParam("id"));
        command.put("id", commandId());
        command.setAll(fields);
        ModelCommand parsed = ModelCommand.parse(Json.MAPPER.writeValueAsBytes(command)); // refuses bad fields as the learner would
        if (parsed instanceof ModelCommand.Rollback rollback && rollback.snapshot() != null) {
            try {
                long declared = ModelCatalog.declaredParameters(Json.MAPPER.readTree(rollback.snapshot()));
                if (declared > maxRecordBytes / 48L) {
                    throw new ApiException(400, RejectReason.ARCHITECTURE_MISMATCH.name(), "\"snapshot\" declares " + declared
                            + " parameters, more than any model here can have");
                }
                SnapshotJson.read(rollback.snapshot());
            } catch (ApiException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ApiException(400, RejectReason.INVALID_DEFINITION.name(), "\"snapshot\" is not a valid backstream.mlp/v1 or v2 model: " + e.getMessage());
            }
        }
        send(ctx, parsed, 200);
    }

    // ------------------------------------------------------------------------------------------------ the exchange

    /**
     * Sends {@code command} and answers with its model event: {@code status} if applied, the rejection's status and
     * reason code if rejected, 504 if the event did not come in time.
     */
    private void send(Context ctx, ModelCommand command, int status) throws IOException {
        int size = command.toJson().length;
        if (size > maxRecordBytes) {
            throw new ApiException(413, RejectReason.RECORD_TOO_LARGE.name(), "the command would be a record of " + size
                    + " bytes; the application reads control records of at most max.record.bytes = " + maxRecordBytes);
        }
        CompletableFuture<byte[]> outcome;
        try {
            outcome = channel.send(command);
        } catch (IllegalStateException e) {
            throw new ApiException(503, HttpReason.NOT_READY.name(), "cannot send commands yet: " + e.getMessage() + "; retry");
        }
        byte[] event;
        try {
            event = outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            outcome.cancel(false);
            throw new ApiException(504, HttpReason.COMMAND_TIMEOUT.name(), "command " + command.id() + " (" + command.name() + " of model '"
                    + command.model() + "') was sent, but its outcome did not arrive within " + timeout.toMillis() + " ms; it may still be "
                    + "applied: look for commandId " + command.id() + " on the model-events topic, or ask GET /models/" + command.model(),
                    Map.of("commandId", command.id()));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ApiException(503, HttpReason.NOT_READY.name(), "the command could not be written to the control topic: "
                    + cause.getMessage() + "; retry", Map.of("commandId", command.id()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, HttpReason.NOT_READY.name(), "interrupted while waiting for command " + command.id() + "; it may still be applied");
        }
        JsonNode answer = Json.MAPPER.readTree(event);
        if (ModelEvent.REJECTED.equals(answer.path("event").asText())) {
            String reason = answer.path("reason").asText();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("event", answer);
            throw new ApiException(statusOf(reason), reason, answer.path("message").asText(reason), details);
        }
        ModelsApi.json(ctx, status, event);
    }

    /** The HTTP status of a command rejected with {@code reason}. */
    static int statusOf(String reason) {
        return switch (reason) {
            case "UNKNOWN_MODEL", "UNKNOWN_CHALLENGER" -> 404;
            case "MODEL_EXISTS", "TOO_MANY_MODELS" -> 409;
            case "RECORD_TOO_LARGE" -> 413;
            default -> 400;
        };
    }

    private static String commandId() {
        return "http-" + UUID.randomUUID();
    }

    // ------------------------------------------------------------------------------------------------ requests

    /** Refuses the request unless writes are enabled and it carries the configured token. */
    private void authorize(Context ctx) {
        if (tokenDigest == null) {
            throw new ApiException(403, HttpReason.WRITES_DISABLED.name(), "writes are disabled on this instance: set http.token "
                    + "(BACKSTREAM_HTTP_TOKEN) to enable the endpoints that change models, and send it as Authorization: Bearer <token>");
        }
        String header = ctx.header("Authorization");
        boolean bearer = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length());
        if (!bearer || !MessageDigest.isEqual(tokenDigest, digest(header.substring(BEARER.length()).trim()))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"backstream\"");
            throw new ApiException(401, HttpReason.UNAUTHORIZED.name(), bearer
                    ? "the bearer token is not this application's http.token"
                    : "this endpoint changes a model: send Authorization: Bearer <http.token>");
        }
    }

    /** The body as a JSON object; an empty body is an empty object unless {@code required}. */
    private ObjectNode body(Context ctx, boolean required) {
        byte[] body = ModelsApi.readBody(ctx, maxBodyBytes);
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            if (required) {
                throw new ApiException(400, RejectReason.MALFORMED_JSON.name(), "no body; expected a JSON object");
            }
            return Json.MAPPER.createObjectNode();
        }
        ModelsApi.requireJson(ctx);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, RejectReason.MALFORMED_JSON.name(), "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiException(400, RejectReason.MALFORMED_JSON.name(), "unreadable JSON: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode object)) {
            throw new ApiException(400, RejectReason.MALFORMED_JSON.name(), "expected a JSON object");
        }
        return object;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
