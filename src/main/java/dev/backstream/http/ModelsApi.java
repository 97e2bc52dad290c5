package dev.backstream.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.ModelMetrics;
import dev.backstream.message.PredictRequest;
import dev.backstream.message.RejectReason;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.FrozenMlp;
import dev.backstream.nn.InvalidSampleException;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.SnapshotJson;
import dev.backstream.stream.CommittedModel;
import dev.backstream.stream.CommittedModels;
import dev.backstream.stream.PublishedMetrics;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models API: liveness and readiness, the models of every instance, one model with its recent metrics, its
 * committed snapshot, and synchronous predictions. Every model request is answered by the instance whose active task
 * owns the model (this one, or the owner it is forwarded to once), from the state of the owner's last completed commit
 * ({@link CommittedModels}), so that every instance gives the same answer; {@code ?allowStandby=true} lets an
 * instance holding a standby replica answer from it instead, and the answer says so. The owner decides whether a model
 * exists: one it holds, or a declared one that was not deleted; models created at run time are found the same way.
 * The endpoints that change models are {@link ModelWrites}'.
 */
public final class ModelsApi {
    /** Set on a request forwarded to the owner: the owner answers itself and never forwards again. */
    static final String FORWARDED_BY = "Backstream-Forwarded-By";
    /** The version of the model state an answer comes from, also in the body. */
    static final String MODEL_VERSION = "Backstream-Model-Version";

    private final ModelCatalog catalog;
    private final CommittedModels models;
    private final PublishedMetrics metrics;
    private final ModelDirectory directory;
    private final Peers peers;
    private final ModelWrites writes;
    private final int maxBatch;
    private final long maxBodyBytes;
    private final int maxFeatures;
    /** The initial state of each declared model, for owned models that have not learned yet (decoded once). */
    private final Map<String, CommittedModel> initial = new ConcurrentHashMap<>();

    /**
     * @param maxBatch     the most instances a batch predict may hold ({@code http.max.batch})
     * @param maxBodyBytes the largest request body accepted ({@code http.max.body.bytes})
     * @param maxFeatures  the most numbers one instance may hold ({@code max.features})
     * @param writes       the endpoints that change models, or null to serve none
     */
    public ModelsApi(ModelCatalog catalog, CommittedModels models, PublishedMetrics metrics, ModelDirectory directory, Peers peers,
                     int maxBatch, long maxBodyBytes, int maxFeatures, ModelWrites writes) {
        this.catalog = catalog;
        this.models = models;
        this.metrics = metrics;
        this.directory = directory;
        this.peers = peers;
        this.writes = writes;
        this.maxBatch = maxBatch;
        this.maxBodyBytes = maxBodyBytes;
        this.maxFeatures = maxFeatures;
    }

    void register(JavalinConfig config) {
        config.http.maxRequestSize = maxBodyBytes;
        config.routes.get("/health", ctx -> json(ctx, 200, Json.MAPPER.writeValueAsBytes(Map.of("status", "UP"))));
        config.routes.get("/ready", this::ready);
        config.routes.get("/models", this::list);
        config.routes.get("/models/{id}", ctx -> routed(ctx, this::describe));
        config.routes.get("/models/{id}/snapshot", ctx -> routed(ctx, this::snapshot));
        config.routes.post("/models/{id}/predict", this::predict);
        if (writes != null) {
            writes.register(config);
        }
    }

    // ------------------------------------------------------------------------------------------------ handlers

    private void ready(Context ctx) throws IOException {
        ModelDirectory.Readiness readiness = directory.readiness();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", readiness.ready());
        body.put("state", readiness.state());
        if (readiness.reason() != null) {
            body.put("reason", readiness.reason());
        }
        json(ctx, readiness.ready() ? 200 : 503, Json.MAPPER.writeValueAsBytes(body));
    }

    /** A model's summary and definition, with the recent metrics published by its owner (oldest first). */
    private void describe(Context ctx, CommittedModel model, String replica) {
        json(ctx, 200, write(json -> {
            json.writeStartObject();
            writeSummary(json, model, replica);
            json.writeObjectFieldStart("definition");
            json.writeStringField("modelId", model.id());
            SnapshotJson.writeShape(json, model.definition().architecture(), model.definition().optimizer());
            json.writeNumberField("snapshotEveryUpdates", model.definition().snapshotEveryUpdates());
            json.writeEndObject();
            json.writeArrayFieldStart("recentMetrics");
            for (ModelMetrics recent : metrics.history(model.id())) {
                json.writeRawValue(new String(recent.toJson(), java.nio.charset.StandardCharsets.UTF_8));
            }
            json.writeEndArray();
            json.writeEndObject();
        }));
    }

    private void snapshot(Context ctx, CommittedModel model, String replica) {
        ctx.header(MODEL_VERSION, Long.toString(model.version()));
        ctx.header("Backstream-Replica", replica);
        json(ctx, 200, model.snapshotJson());
    }

    private void predict(Context ctx) throws Exception {
        requireJson(ctx);
        byte[] body = readBody(ctx, maxBodyBytes);
        routed(ctx, body, (c, model, replica) -> answerPrediction(c, model, replica, body));
    }

    private void answerPrediction(Context ctx, CommittedModel model, String replica, byte[] body) {
        PredictRequest request = PredictRequest.parse(body, maxBatch, maxFeatures);
        FrozenMlp scorer = model.scorer();
        List<Outcome> outcomes = new ArrayList<>(request.instances().size());
        for (int i = 0; i < request.instances().size(); i++) {
            try {
                outcomes.add(scorer.predict(request.instances().get(i)));
            } catch (InvalidSampleException e) {
                Map<String, Object> details = new LinkedHashMap<>();
                if (request.batch()) {
                    details.put("instance", i);
                }
                if (e.problem() == InvalidSampleException.Problem.WRONG_FEATURE_COUNT) {
                    details.put("expected", scorer.architecture().inputs());
                    details.put("found", request.instances().get(i).length);
                }
                throw new ApiException(400, RejectReason.of(e.problem()).name(),
                        (request.batch() ? "instances[" + i + "]: " : "") + e.getMessage(), details);
            }
        }
        ctx.header(MODEL_VERSION, Long.toString(model.version()));
        json(ctx, 200, write(json -> {
            json.writeStartObject();
            json.writeStringField("model", model.id());
            json.writeNumberField("modelVersion", model.version());
            if (request.batch()) {
                json.writeArrayFieldStart("predictions");
                for (Outcome outcome : outcomes) {
                    json.writeStartObject();
                    writeOutcome(json, outcome);
                    json.writeEndObject();
                }
                json.writeEndArray();
            } else {
                writeOutcome(json, outcomes.get(0));
            }
            writeServedBy(json, model, replica);
            json.writeEndObject();
        }));
    }

    private static void writeOutcome(JsonGenerator json, Outcome outcome) throws IOException {
        json.writeArrayFieldStart("output");
        for (int i = 0; i < outcome.outputs(); i++) {
            json.writeNumber(outcome.output(i));
        }
        json.writeEndArray();
        int predicted = outcome.predictedClass();
        if (predicted >= 0) {
            json.writeNumberField("predictedClass", predicted);
        }
    }

    /**
     * Every model with its owner, version and latest metrics: those the instances hold, created ones included, and the
     * declared ones not deleted. Without {@code ?local=true}, the listing of every instance (asked in parallel); a
     * declared model that no instance lists nor reports deleted (its owner is unknown, restoring, or did not answer) is
     * listed without a version. A local listing also names the declared models deleted in this instance's tasks.
     */
    private void list(Context ctx) throws IOException {
        boolean local = "true".equals(ctx.queryParam("local"));
        Map<String, byte[]> listed = new TreeMap<>(); // model id -> its summary, as JSON
        List<String> unreachable = new ArrayList<>();
        java.util.Set<String> deleted = new java.util.TreeSet<>();
        for (CommittedModel model : localModels()) {
            listed.put(model.id(), write(json -> writeSummaryObject(json, model, "active")));
        }
        for (ModelDefinition definition : catalog.all()) {
            if (models.isDeleted(definition.id())) {
                deleted.add(definition.id());
            }
        }
        if (!local) {
            Map<String, CompletableFuture<JsonNode>> asked = new LinkedHashMap<>();
            for (String instance : directory.instances()) {
                if (!instance.equals(directory.self())) {
                    asked.put(instance, peers.getJson(directory.self(), instance, "/models?local=true"));
                }
            }
            for (Map.Entry<String, CompletableFuture<JsonNode>> answer : asked.entrySet()) {
                JsonNode remote = Peers.await(answer.getValue());
                if (remote == null || !remote.path("models").isArray()) {
                    unreachable.add(answer.getKey());
                    continue;
                }
                for (JsonNode model : remote.get("models")) {
                    listed.putIfAbsent(model.path("id").asText(), Json.MAPPER.writeValueAsBytes(model));
                }
                remote.path("deleted").forEach(id -> deleted.add(id.asText()));
            }
            for (ModelDefinition definition : catalog.all()) {
                if (!deleted.contains(definition.id())) {
                    listed.computeIfAbsent(definition.id(), id -> write(json -> writeUnavailableSummary(json, definition)));
                }
            }
        }
        json(ctx, 200, write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("models");
            for (byte[] summary : listed.values()) {
                json.writeRawValue(new String(summary, java.nio.charset.StandardCharsets.UTF_8));
            }
            json.writeEndArray();
            json.writeArrayFieldStart("unreachable");
            for (String instance : unreachable) {
                json.writeString(instance);
            }
            json.writeEndArray();
            if (local) {
                json.writeArrayFieldStart("deleted");
                for (String id : deleted) {
                    json.writeString(id);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        }));
    }

    /**
     * The models whose active task runs here and serves, in their committed state: those held (learned, stored or
     * created), and the declared ones not deleted that have not learned yet.
     */
    private List<CommittedModel> localModels() {
        Map<String, CommittedModel> local = new TreeMap<>();
        for (CommittedModel model : models.all()) {
            if (models.serves(model.partition())) {
                local.put(model.id(), model);
            }
        }
        for (ModelDefinition definition : catalog.all()) {
            if (local.containsKey(definition.id()) || models.isDeleted(definition.id())) {
                continue;
            }
            Optional<ModelDirectory.Placement> placement = directory.placement(definition.id());
            if (placement.isPresent() && placement.get().active().equals(directory.self()) && models.serves(placement.get().partition())) {
                owned(definition.id(), placement.get().partition()).ifPresent(model -> local.put(model.id(), model));
            }
        }
        return new ArrayList<>(local.values());
    }

    // ------------------------------------------------------------------------------------------------ routing

    /** What a model request does once it reached an instance that may answer it. */
    @FunctionalInterface
    private interface ModelHandler {
        void handle(Context ctx, CommittedModel model, String replica) throws Exception;
    }

    private void routed(Context ctx, ModelHandler handler) throws Exception {
        routed(ctx, null, handler);
    }

    /**
     * Answers here if this instance owns the model (or holds a standby and the caller allows it), else forwards the
     * request once to the owner and relays its answer.
     */
    private void routed(Context ctx, byte[] body, ModelHandler handler) throws Exception {
        String id = ctx.pathParam("id");
        ModelDirectory.Placement placement = directory.placement(id).orElseThrow(() -> new ApiException(503, HttpReason.NOT_READY.name(),
                "the instance owning model '" + id + "' is not known yet (the application is starting or rebalancing); retry"));
        String self = directory.self();
        if (placement.active().equals(self)) {
            if (!models.serves(placement.partition())) {
                throw new ApiException(503, HttpReason.NOT_READY.name(), "model '" + id + "' is being restored on this instance; retry");
            }
            handler.handle(ctx, owned(id, placement.partition()).orElseThrow(() -> unknown(id)), "active");
            return;
        }
        if ("true".equals(ctx.queryParam("allowStandby")) && placement.standbys().contains(self)) {
            CommittedModel standby = CommittedModel.fromReplica(id, placement.partition(), catalog.find(id).orElse(null),
                    key -> directory.standbyValue(key, placement.partition()).orElse(null)).orElseThrow(() -> unknown(id));
            handler.handle(ctx, standby, "standby");
            return;
        }
        if (ctx.header(FORWARDED_BY) != null) {
            // forwarded once already: the owner moved in between; the caller retries and is routed afresh
            throw new ApiException(503, HttpReason.NOT_READY.name(), "model '" + id + "' moved to another instance while the request was forwarded; retry");
        }
        Peers.Answer answer = peers.forward(self, placement.active(), ctx.method().name(), ctx.path()
                + (ctx.queryString() == null ? "" : "?" + ctx.queryString()), body, ctx.contentType());
        answer.headers().forEach(ctx::header);
        ctx.status(answer.status()).contentType(answer.contentType()).result(answer.body());
    }

    /**
     * Model {@code id} of {@code partition}, whose active task runs here: its committed state, or for a declared model
     * not deleted that has not learned yet its initial state (version 0); empty if there is no such model.
     */
    private Optional<CommittedModel> owned(String id, int partition) {
        Optional<CommittedModel> held = models.find(id);
        if (held.isPresent()) {
            return held;
        }
        Optional<ModelDefinition> declared = catalog.find(id);
        if (declared.isEmpty() || models.isDeleted(id)) {
            return Optional.empty();
        }
        return Optional.of(initial.computeIfAbsent(id, ignored -> CommittedModel.initial(declared.get(), partition)));
    }

    private static ApiException unknown(String id) {
        return new ApiException(404, RejectReason.UNKNOWN_MODEL.name(), "there is no model '" + id
                + "': it is neither declared in models.dir nor created, or it was deleted");
    }

    // ------------------------------------------------------------------------------------------------ writing

    private void writeSummaryObject(JsonGenerator json, CommittedModel model, String replica) throws IOException {
        json.writeStartObject();
        writeSummary(json, model, replica);
        json.writeEndObject();
    }

    private void writeSummary(JsonGenerator json, CommittedModel model, String replica) throws IOException {
        // the committed state's shape, not the definition's: a definition file changed after the model learned does
        // not change the model (it goes on as stored until a reset), and the summary says what answers
        writeIdentity(json, model.id(), model.architecture(), model.optimizer());
        json.writeNumberField("modelVersion", model.version());
        json.writeObjectFieldStart("owner");
        json.writeStringField("instance", directory.self());
        json.writeNumberField("partition", model.partition());
        json.writeEndObject();
        writeServedBy(json, model, replica);
        Optional<ModelMetrics> latest = metrics.latest(model.id());
        if (latest.isPresent()) {
            json.writeFieldName("metrics");
            json.writeRawValue(new String(latest.get().toJson(), java.nio.charset.StandardCharsets.UTF_8));
        } else {
            json.writeNullField("metrics");
        }
    }

    /** What a model is, in every summary: id, architecture, inputs, outputs, loss, dtype and optimizer. */
    private static void writeIdentity(JsonGenerator json, String id, Architecture architecture, OptimizerSpec optimizer)
            throws IOException {
        json.writeStringField("id", id);
        json.writeStringField("architecture", architecture.describe());
        json.writeNumberField("inputs", architecture.inputs());
        json.writeNumberField("outputs", architecture.outputs());
        json.writeStringField("loss", architecture.loss().id());
        json.writeStringField("dtype", architecture.dtype().id());
        SnapshotJson.writeOptimizer(json, optimizer);
    }

    /** A declared model no instance listed: its owner is unknown, restoring, or did not answer. */
    private void writeUnavailableSummary(JsonGenerator json, ModelDefinition definition) throws IOException {
        json.writeStartObject();
        writeIdentity(json, definition.id(), definition.architecture(), definition.optimizer());
        json.writeNullField("modelVersion");
        json.writeNullField("owner");
        json.writeNullField("metrics");
        json.writeEndObject();
    }

    private void writeServedBy(JsonGenerator json, CommittedModel model, String replica) throws IOException {
        json.writeObjectFieldStart("servedBy");
        json.writeStringField("instance", directory.self());
        json.writeNumberField("partition", model.partition());
        json.writeStringField("replica", replica);
        json.writeEndObject();
    }

    @FunctionalInterface
    private interface JsonWriting {
        void write(JsonGenerator json) throws IOException;
    }

    private static byte[] write(JsonWriting writing) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            writing.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void json(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    /** Refuses a request whose body is not declared {@code application/json} (415). */
    static void requireJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).replace(" ", "").matches("application/json(;.*)?")) {
            throw new ApiException(415, HttpReason.UNSUPPORTED_MEDIA_TYPE.name(),
                    "send the request as Content-Type: application/json; found " + (type == null ? "none" : type));
        }
    }

    /** The request body, refused with 413 beyond {@code maxBodyBytes} ({@code http.max.body.bytes}) before more of it is read. */
    static byte[] readBody(Context ctx, long maxBodyBytes) {
        long declared = ctx.contentLength();
        if (declared > maxBodyBytes) {
            discard(ctx, declared);
            throw tooLarge(declared, maxBodyBytes);
        }
        try (InputStream in = ctx.bodyInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                throw tooLarge(-1, maxBodyBytes);
            }
            return body;
        } catch (IOException e) {
            throw new ApiException(400, RejectReason.MALFORMED_JSON.name(), "the request body could not be read: " + e.getMessage());
        }
    }

    /** The most bytes of a refused body read and thrown away so that its client sees the 413 (see {@link #discard}). */
    private static final long DISCARDED_BODY_BYTES = 64L * 1024 * 1024;

    /**
     * Reads a refused body, up to {@link #DISCARDED_BODY_BYTES}, into nothing: a server that answers and closes while
     * the client is still sending makes the client's kernel receive a reset, and the client then sees no answer at all
     * instead of the 413. A larger body's client may see the connection close.
     */
    private static void discard(Context ctx, long declared) {
        if (declared > DISCARDED_BODY_BYTES) {
            return;
        }
        try (InputStream in = ctx.bodyInputStream()) {
            byte[] buffer = new byte[64 * 1024];
            long left = declared;
            int read;
            while (left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= read;
            }
        } catch (IOException e) {
            // the client went away: nobody to answer
        }
    }

    private static ApiException tooLarge(long declared, long maxBodyBytes) {
        return new ApiException(413, HttpReason.REQUEST_TOO_LARGE.name(), "the request body"
                + (declared >= 0 ? " of " + declared + " bytes" : "") + " exceeds http.max.body.bytes = " + maxBodyBytes);
    }

    /** The answer to a request whose content the API refused with a reason code shared with dead letters. */
    static ApiException refused(InvalidMessageException e) {
        int status = e.reason() == RejectReason.RECORD_TOO_LARGE ? 413 : 400;
        return new ApiException(status, e.reason().name(), e.getMessage());
    }
}
