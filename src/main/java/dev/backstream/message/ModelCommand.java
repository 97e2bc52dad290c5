package dev.backstream.message;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

/**
 * A command on the control topic ({@value #FORMAT}): it changes one model, in the task that owns the model, in order
 * with that model's samples. Each command names its model and may carry an id that its model event repeats.
 *
 * <pre>
 * {"command": "create",   "model": "m", "id": "c-1", "definition": {...a backstream.mlp/v1 definition...}}
 * {"command": "update",   "model": "m", "learningRate": 0.01, "snapshotEveryUpdates": 5000, "drift": {...}}
 * {"command": "reset",    "model": "m"}                      or with "seed": 7
 * {"command": "rollback", "model": "m", "toUpdates": 42000}  or with "snapshot": {...backstream.mlp/v1...}
 * {"command": "pause",    "model": "m"}   {"command": "resume", "model": "m"}   {"command": "delete", "model": "m"}
 * {"command": "promote",  "model": "m", "challenger": "wide"}
 * </pre>
 */
public sealed interface ModelCommand {
    /** The format name; commands carry no format field, the topic says what they are. */
    String FORMAT = "backstream.command/v1";

    /** The command's id, repeated by its model event, or null. */
    String id();

    /** The model the command changes. */
    String model();

    /** The command's name as it appears in JSON ({@code "create"}, ...). */
    String name();

    /** Creates a model from an inline definition (the JSON of a model definition file); refused if the id exists. */
    record Create(String id, String model, byte[] definition) implements ModelCommand {
        public Create {
            requireModel(model);
            Objects.requireNonNull(definition, "definition");
            definition = definition.clone();
        }

        @Override
        public byte[] definition() {
            return definition.clone();
        }

        @Override
        public String name() {
            return "create";
        }
    }

    /**
     * Changes settings of a model that do not change its architecture; null fields keep their value.
     *
     * @param learningRate         the optimizer's new learning rate (its other state is kept)
     * @param snapshotEveryUpdates the new snapshot cadence
     * @param drift                the new drift settings (the {@code "drift"} object of a definition, as JSON); the
     *                             detector starts afresh
     */
    record Update(String id, String model, Double learningRate, Long snapshotEveryUpdates, byte[] drift) implements ModelCommand {
        public Update {
            requireModel(model);
            if (learningRate == null && snapshotEveryUpdates == null && drift == null) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD,
                        "an update needs \"learningRate\", \"snapshotEveryUpdates\" or \"drift\"");
            }
            drift = drift == null ? null : drift.clone();
            if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"learningRate\" is " + learningRate + "; expected a finite number > 0");
            }
            if (snapshotEveryUpdates != null && snapshotEveryUpdates < 1) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"snapshotEveryUpdates\" is " + snapshotEveryUpdates + "; expected >= 1");
            }
        }

        /** An update of the learning rate and/or the snapshot cadence. */
        public Update(String id, String model, Double learningRate, Long snapshotEveryUpdates) {
            this(id, model, learningRate, snapshotEveryUpdates, null);
        }

        @Override
        public byte[] drift() {
            return drift == null ? null : drift.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Update update && java.util.Objects.equals(id, update.id) && model.equals(update.model)
                    && java.util.Objects.equals(learningRate, update.learningRate)
                    && java.util.Objects.equals(snapshotEveryUpdates, update.snapshotEveryUpdates) && java.util.Arrays.equals(drift, update.drift);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(id, model, learningRate, snapshotEveryUpdates) * 31 + java.util.Arrays.hashCode(drift);
        }

        @Override
        public String name() {
            return "update";
        }
    }

    /** Starts the model again: from its definition's initial state, or from a fresh initialization with {@code seed}. */
    record Reset(String id, String model, Long seed) implements ModelCommand {
        public Reset {
            requireModel(model);
        }

        @Override
        public String name() {
            return "reset";
        }
    }

    /**
     * Puts the model back to an earlier state: one of its retained snapshots, by update count, or an inline snapshot.
     * Exactly one of the two is given.
     */
    record Rollback(String id, String model, Long toUpdates, byte[] snapshot) implements ModelCommand {
        public Rollback {
            requireModel(model);
            if ((toUpdates == null) == (snapshot == null)) {
                throw new InvalidMessageException(toUpdates == null ? RejectReason.MISSING_FIELD : RejectReason.INVALID_FIELD,
                        "a rollback needs exactly one of \"toUpdates\" and \"snapshot\"");
            }
            if (toUpdates != null && toUpdates < 0) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"toUpdates\" is " + toUpdates + "; expected >= 0");
            }
            snapshot = snapshot == null ? null : snapshot.clone();
        }

        @Override
        public byte[] snapshot() {
            return snapshot == null ? null : snapshot.clone();
        }

        @Override
        public String name() {
            return "rollback";
        }
    }

    /** Stops learning (scoring goes on); samples that arrive while paused are counted, not learned, not kept. */
    record Pause(String id, String model) implements ModelCommand {
        public Pause {
            requireModel(model);
        }

        @Override
        public String name() {
            return "pause";
        }
    }

    /** Learning goes on from the next sample. */
    record Resume(String id, String model) implements ModelCommand {
        public Resume {
            requireModel(model);
        }

        @Override
        public String name() {
            return "resume";
        }
    }

    /** Removes the model and all its state; its id is free again. */
    record Delete(String id, String model) implements ModelCommand {
        public Delete {
            requireModel(model);
        }

        @Override
        public String name() {
            return "delete";
        }
    }

    /**
     * Makes challenger {@code challenger} of the model its champion, and the champion that challenger: they swap their
     * state, metrics and definitions, and from then on the promoted model answers score requests.
     */
    record Promote(String id, String model, String challenger) implements ModelCommand {
        public Promote {
            requireModel(model);
            if (challenger == null || challenger.isEmpty()) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, "a promote command needs \"challenger\": the name of the challenger to promote");
            }
        }

        @Override
        public String name() {
            return "promote";
        }
    }

    private static void requireModel(String model) {
        if (model == null || model.isEmpty()) {
            throw new InvalidMessageException(RejectReason.MISSING_FIELD, "a command needs \"model\": the id of the model it changes");
        }
        ModelIds.check(model, "model");
    }

    /** The command's JSON, as the control topic carries it: the one writer of commands. */
    default byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("command", name());
            json.writeStringField("model", model());
            if (id() != null) {
                json.writeStringField("id", id());
            }
            if (this instanceof Create create) {
                json.writeFieldName("definition");
                json.writeRawValue(new String(create.definition, StandardCharsets.UTF_8));
            } else if (this instanceof Update update) {
                if (update.learningRate() != null) {
                    json.writeNumberField("learningRate", update.learningRate());
                }
                if (update.snapshotEveryUpdates() != null) {
                    json.writeNumberField("snapshotEveryUpdates", update.snapshotEveryUpdates());
                }
                if (update.drift != null) {
                    json.writeFieldName("drift");
                    json.writeRawValue(new String(update.drift, StandardCharsets.UTF_8));
                }
            } else if (this instanceof Reset reset && reset.seed() != null) {
                json.writeNumberField("seed", reset.seed());
            } else if (this instanceof Promote promote) {
                json.writeStringField("challenger", promote.challenger());
            } else if (this instanceof Rollback rollback) {
                if (rollback.toUpdates() != null) {
                    json.writeNumberField("toUpdates", rollback.toUpdates());
                } else {
                    json.writeFieldName("snapshot");
                    json.writeRawValue(new String(rollback.snapshot, StandardCharsets.UTF_8));
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Parses a command.
     *
     * @throws InvalidMessageException MALFORMED_JSON, MISSING_FIELD, INVALID_FIELD or UNKNOWN_COMMAND, naming the field
     */
    static ModelCommand parse(byte[] json) {
        if (json == null) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "the record has no value; expected a JSON command");
        }
        Utf8Json.require(json, "commands");
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "unreadable JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode object)) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "expected a JSON object");
        }
        String command = text(object, "command", true);
        String model = text(object, "model", true);
        String id = text(object, "id", false);
        Set<String> allowed = switch (command) {
            case "create" -> Set.of("definition");
            case "update" -> Set.of("learningRate", "snapshotEveryUpdates", "drift");
            case "reset" -> Set.of("seed");
            case "rollback" -> Set.of("toUpdates", "snapshot");
            case "promote" -> Set.of("challenger");
            case "pause", "resume", "delete" -> Set.of();
            default -> throw new InvalidMessageException(RejectReason.UNKNOWN_COMMAND, "unknown command \"" + command
                    + "\"; expected create, update, reset, rollback, pause, resume, delete or promote");
        };
        for (Iterator<String> fields = object.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!field.equals("command") && !field.equals("model") && !field.equals("id") && !allowed.contains(field)) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is not a field of a " + command + " command");
            }
        }
        return switch (command) {
            case "create" -> new Create(id, model, objectBytes(object, "definition", true));
            case "update" -> new Update(id, model, number(object, "learningRate"), integer(object, "snapshotEveryUpdates"),
                    objectBytes(object, "drift", false));
            case "reset" -> new Reset(id, model, integer(object, "seed"));
            case "rollback" -> new Rollback(id, model, integer(object, "toUpdates"), objectBytes(object, "snapshot", false));
            case "pause" -> new Pause(id, model);
            case "resume" -> new Resume(id, model);
            case "promote" -> new Promote(id, model, text(object, "challenger", false));
            default -> new Delete(id, model);
        };
    }

    private static String text(ObjectNode object, String field, boolean required) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, "a command needs \"" + field + "\"");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is " + value.getNodeType() + "; expected a string");
        }
        return value.asText();
    }

    private static Double number(ObjectNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is " + value.getNodeType() + "; expected a number");
        }
        return value.asDouble();
    }

    private static Long integer(ObjectNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is " + value + "; expected an integer");
        }
        return value.asLong();
    }

    private static byte[] objectBytes(ObjectNode object, String field, boolean required) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, "a create command needs \"" + field + "\": a model definition");
            }
            return null;
        }
        if (!value.isObject()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is " + value.getNodeType() + "; expected an object");
        }
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" cannot be written back: " + e.getOriginalMessage(), e);
        }
    }
}
