package dev.backstream.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The declared models, loaded and validated at start-up: one {@code *.json} file per model in the models directory.
 *
 * <p>A file is a {@code backstream.mlp/v1} (or {@code v2}) document: a model definition (no weights, a {@code seed}) or a full
 * snapshot (warm start). Optional extra fields: {@code "initialSnapshot": "path.json"} (warm-start from that snapshot,
 * relative to the file; its architecture must match), {@code "snapshotEveryUpdates": n}, {@code "drift": {...}} (see
 * {@link DriftSpec}), {@code "challengers": [{"name": "wide", ...definition body...}]}: models that learn from the
 * same samples, each declaring only its optimizer, layers and seed or weights, and inheriting the model's inputs,
 * loss and feature spec (its output layer must be the model's), and {@code "features": {...}} (see
 * {@link FeatureSpec}): how raw events become the model's inputs and label; with it {@code "inputs"} may be left out
 * (it is the spec's width), and if given must equal it. A {@code backstream.mlp/v2} snapshot (a definition file or an
 * {@code initialSnapshot}) brings its feature spec and preprocessing state; a definition that declares a spec and
 * warm-starts from a {@code v2} snapshot must declare the snapshot's spec. Only declared ids are
 * served: records for any other id go to dead letters and never create state.
 */
public final class ModelCatalog {
    private final Map<String, ModelDefinition> models;

    public ModelCatalog(Collection<ModelDefinition> definitions) {
        Map<String, ModelDefinition> byId = new LinkedHashMap<>();
        for (ModelDefinition definition : definitions) {
            ModelDefinition previous = byId.put(definition.id(), definition);
            if (previous != null) {
                throw new IllegalArgumentException("model '" + definition.id() + "' is declared twice: in " + previous.source()
                        + " and in " + definition.source());
            }
        }
        this.models = Map.copyOf(byId);
    }

    /**
     * Loads every {@code *.json} file of {@code directory}.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static ModelCatalog load(Path directory, long defaultSnapshotEveryUpdates) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("models.dir " + directory + " is not a directory");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.json")) {
            stream.forEach(files::add);
        }
        files.sort(null);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("models.dir " + directory + " has no *.json model definitions");
        }
        List<ModelDefinition> definitions = new ArrayList<>();
        for (Path file : files) {
            definitions.add(loadDefinition(file, defaultSnapshotEveryUpdates));
        }
        return new ModelCatalog(definitions);
    }

    static ModelDefinition loadDefinition(Path file, long defaultSnapshotEveryUpdates) throws IOException {
        return loadDefinition(Files.readAllBytes(file), file.getParent(), file.toString(), defaultSnapshotEveryUpdates);
    }

    /**
     * Reads one definition.
     *
     * @param baseDirectory where an {@code initialSnapshot} path resolves, or null if the definition may not name one
     * @param source        names the definition in messages
     */
    public static ModelDefinition loadDefinition(byte[] json, Path baseDirectory, String source, long defaultSnapshotEveryUpdates)
            throws IOException {
        return loadDefinition(json, baseDirectory, source, defaultSnapshotEveryUpdates, Architecture.MAX_PARAMETERS);
    }

    /**
     * {@link #loadDefinition(byte[], Path, String, long)} refusing, before any model is allocated, a definition whose
     * layers (or a challenger's) declare more than {@code maxParameters} parameters: a definition of a few hundred
     * bytes can declare a model of gigabytes.
     */
    public static ModelDefinition loadDefinition(byte[] json, Path baseDirectory, String source, long defaultSnapshotEveryUpdates,
                                                 long maxParameters) throws IOException {
        try {
            JsonNode document = Json.MAPPER.readTree(json);
            if (!(document instanceof ObjectNode object)) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            JsonNode featuresNode = object.get("features");
            if (featuresNode != null && featuresNode.isObject() && !object.has("inputs")) {
                object.put("inputs", FeatureSpec.parse(featuresNode, source).width()); // read again, and checked, with the snapshot
            }
            long declared = declaredParameters(object);
            if (declared > maxParameters) {
                throw new IllegalArgumentException("the model declares " + declared + " parameters (it or a challenger); at most "
                        + maxParameters + " fit here");
            }
            JsonNode every = object.remove("snapshotEveryUpdates");
            JsonNode initialSnapshot = object.remove("initialSnapshot");
            JsonNode driftNode = object.remove("drift");
            JsonNode challengersNode = object.remove("challengers");
            Map<String, ModelDefinition> challengers = challengers(challengersNode, object, source);
            Snapshot snapshot = SnapshotJson.read(object);
            if (snapshot.modelId().indexOf(':') >= 0) {
                throw new IllegalArgumentException("modelId \"" + snapshot.modelId() + "\" contains ':'; it is reserved for challengers' ids "
                        + "(<model>:<challenger>)");
            }
            Snapshot start = snapshot;
            FeatureSpec features = snapshot.features();
            Preprocessing preprocessing = snapshot.preprocessing();
            if (initialSnapshot != null) {
                if (baseDirectory == null) {
                    throw new IllegalArgumentException("initialSnapshot is not supported here");
                }
                Path snapshotFile = baseDirectory.resolve(initialSnapshot.asText());
                start = SnapshotJson.read(snapshotFile);
                if (!start.model().architecture().equals(snapshot.model().architecture())) {
                    throw new IllegalArgumentException("initialSnapshot " + snapshotFile + " has architecture "
                            + start.model().architecture().describe() + ", the definition declares " + snapshot.model().architecture().describe());
                }
                if (start.features() != null) {
                    if (features != null && !features.equals(start.features())) {
                        throw new IllegalArgumentException("initialSnapshot " + snapshotFile + " has another feature spec than the definition: "
                                + start.features().toJson() + "; the definition declares " + features.toJson());
                    }
                    features = start.features();
                    preprocessing = start.preprocessing();
                }
            }
            long everyUpdates = every == null ? defaultSnapshotEveryUpdates : every.asLong();
            if (every != null && !every.canConvertToLong()) {
                throw new IllegalArgumentException("snapshotEveryUpdates: expected an integer, found " + every);
            }
            DriftSpec drift = driftNode == null || driftNode.isNull() ? null
                    : DriftSpec.parse(driftNode, start.model().architecture().classes() > 0);
            return new ModelDefinition(snapshot.modelId(), start.model(), everyUpdates, source, drift, challengers, features, preprocessing);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new IllegalArgumentException(message.startsWith(source + ": ") ? message : source + ": " + message, e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Fields a challenger inherits from its champion, and may not declare. */
    private static final List<String> INHERITED = List.of("format", "modelId", "inputs", "loss", "features");

    /**
     * Reads the {@code "challengers"} array of {@code champion}'s definition: each element a definition body with a
     * {@code "name"} and without the fields it inherits ({@link #INHERITED}); empty if {@code node} is absent.
     */
    private static Map<String, ModelDefinition> challengers(JsonNode node, ObjectNode champion, String source) {
        Map<String, ModelDefinition> challengers = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return challengers;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("challengers: expected an array of challenger definitions, found " + node.getNodeType());
        }
        JsonNode modelId = champion.get("modelId");
        String championId = modelId == null ? "" : modelId.asText();
        for (int i = 0; i < node.size(); i++) {
            if (!(node.get(i) instanceof ObjectNode element)) {
                throw new IllegalArgumentException("challengers[" + i + "]: expected an object, found " + node.get(i).getNodeType());
            }
            ObjectNode body = element.deepCopy();
            JsonNode nameNode = body.remove("name");
            if (nameNode == null || !nameNode.isTextual() || !ModelDefinition.CHALLENGER_NAME.matcher(nameNode.asText()).matches()) {
                throw new IllegalArgumentException("challengers[" + i + "]: \"name\" is " + nameNode
                        + "; expected a string of letters, digits, '_', '.' and '-'");
            }
            String name = nameNode.asText();
            String where = "challengers[" + i + "] \"" + name + "\"";
            if (challengers.containsKey(name)) {
                throw new IllegalArgumentException(where + ": the name is used twice; challenger names are unique");
            }
            for (String inherited : INHERITED) {
                if (body.has(inherited)) {
                    throw new IllegalArgumentException(where + ": \"" + inherited
                            + "\" is the champion's; a challenger declares only its optimizer, layers, dtype and seed (or weights)");
                }
                JsonNode value = champion.get(inherited);
                if (value != null) {
                    body.set(inherited, value.deepCopy());
                }
            }
            if (SnapshotJson.FORMAT_V2.equals(body.path("format").asText())) {
                // a challenger of a v2 snapshot starts from its own seed or weights and a fresh preprocessing state
                body.put("format", SnapshotJson.FORMAT);
            }
            body.put("modelId", ModelDefinition.challengerId(championId, name));
            Snapshot snapshot;
            try {
                snapshot = SnapshotJson.read(body);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            challengers.put(name, new ModelDefinition(snapshot.modelId(), snapshot.model(), 1, source + " " + where, null, Map.of(),
                    snapshot.features()));
        }
        return challengers;
    }

    /**
     * The parameters a definition or snapshot declares, the largest of it and its challengers, read from its
     * {@code "inputs"} (or, without it, its feature spec's width) and its layers' {@code "units"} without building a
     * model; 0 where those are missing or not numbers (the full reader reports that).
     */
    public static long declaredParameters(JsonNode definition) {
        long inputs = definition.path("inputs").asLong(0);
        if (!definition.has("inputs") && definition.path("features").isObject()) {
            try {
                inputs = FeatureSpec.parse(definition.get("features"), "definition").width();
            } catch (RuntimeException e) {
                inputs = 0; // the full reader reports the spec's error
            }
        }
        long largest = parametersOf(inputs, definition.path("layers"));
        for (JsonNode challenger : definition.path("challengers")) {
            largest = Math.max(largest, parametersOf(inputs, challenger.path("layers")));
        }
        return largest;
    }

    private static long parametersOf(long inputs, JsonNode layers) {
        long total = 0;
        long width = Math.max(0, inputs);
        for (JsonNode layer : layers) {
            long units = Math.max(0, layer.path("units").asLong(0));
            total = Math.min(Long.MAX_VALUE / 4, total + Math.min(Integer.MAX_VALUE, width) * Math.min(Integer.MAX_VALUE, units) + units);
            width = units;
        }
        return total;
    }

    public Optional<ModelDefinition> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    public Collection<ModelDefinition> all() {
        return models.values();
    }

    /** The largest binary encoding of any declared model, which sizes the store's changelog and the producer. */
    public int largestEncodedModelBytes() {
        return models.values().stream().mapToInt(d -> d.encodedBytes()).max().orElse(0);
    }

    /** An upper bound on the JSON snapshot of the largest model (at most 25 characters per number plus structure). */
    public int largestSnapshotBytes() {
        return models.values().stream().mapToInt(ModelDefinition::snapshotBytesBound).max().orElse(0);
    }
}
