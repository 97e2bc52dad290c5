package dev.backstream.snapshot;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the public snapshot formats {@code backstream.mlp/v1} and {@code backstream.mlp/v2}.
 *
 * <p>{@code v2} is {@code v1} plus two fields after {@code "optimizerState"}: {@code "features"}, the canonical JSON
 * of the model's feature spec ({@link FeatureSpec#toJson()}), and {@code "preprocessing"}, its running statistics
 * ({@link Preprocessing#toJson()}), so that a snapshot alone says how to score a raw event. A model with a feature
 * spec is written as {@code v2}, any other exactly as {@code v1}. A {@code v1} model definition may declare
 * {@code "features"} too (read as a spec with a fresh state), and then may leave out {@code "inputs"} (the spec's
 * width); only {@code v2} carries {@code "preprocessing"}, which a {@code v2} definition without weights may leave out
 * (a fresh state).
 *
 * <p>A document with weights in every layer is a snapshot; a document without weights in any layer but with a
 * {@code "seed"} is a model definition, initialized deterministically from that seed. Doubles round-trip exactly
 * (shortest representation on output, correctly rounded parsing on input).
 *
 * <p>An optional {@code "dtype"} after {@code "loss"} says the number type of the model: {@code "float64"} (the
 * default, never written) or {@code "float32"}. A float32 snapshot writes every weight, bias and state value as the
 * float's own decimal representation ({@link Float#toString}), about half the digits of a double, and reads each back
 * to the same float ({@link #toFloat}; checked for every finite float). Unknown format versions, wrong shapes,
 * unknown names and non-finite numbers are rejected with a message naming the JSON path, what was expected and what
 * was found.
 */
public final class SnapshotJson {
    /** The format of a model without a feature spec. */
    public static final String FORMAT = "backstream.mlp/v1";
    /** The format of a model with a feature spec: {@link #FORMAT} plus {@code "features"} and {@code "preprocessing"}. */
    public static final String FORMAT_V2 = "backstream.mlp/v2";

    /** The fields of the formats, which no extra field may take. */
    static final Set<String> RESERVED_FIELDS = Set.of("format", "modelId", "updates", "inputs", "loss", "optimizer",
            "layers", "optimizerState", "features", "preprocessing", "dtype");
    private static final Set<String> KNOWN_FIELDS = RESERVED_FIELDS;
    /** The source named to {@link FeatureSpec#parse}; stripped from its messages, which then start at the JSON path. */
    private static final String SPEC_SOURCE = "snapshot";
    private static final Set<String> OPTIMIZER_FIELDS = Set.of("type", "learningRate", "momentum", "nesterov", "beta1",
            "beta2", "epsilon", "l2", "clipNorm");

    private SnapshotJson() {
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** The snapshot as UTF-8 JSON bytes. */
    public static byte[] toBytes(Snapshot snapshot) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024 + 24 * snapshot.model().architecture().parameterCount());
        write(snapshot, out, false);
        return out.toByteArray();
    }

    /** Writes the snapshot, pretty-printed, to {@code file}. */
    public static void write(Snapshot snapshot, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(snapshot, out, true);
        }
    }

    private static void write(Snapshot snapshot, OutputStream out, boolean pretty) {
        Mlp model = snapshot.model();
        Architecture architecture = model.architecture();
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            if (pretty) {
                json.useDefaultPrettyPrinter();
            }
            json.writeStartObject();
            json.writeStringField("format", snapshot.format());
            json.writeStringField("modelId", snapshot.modelId());
            json.writeNumberField("updates", model.updates());
            json.writeNumberField("inputs", architecture.inputs());
            json.writeStringField("loss", architecture.loss().id());
            writeDtype(json, architecture);
            writeOptimizer(json, model.optimizer());
            double[] params = model.parameters();
            json.writeArrayFieldStart("layers");
            int offset = 0;
            for (int m = 0; m < architecture.depth(); m++) {
                LayerSpec layer = architecture.layers().get(m);
                json.writeStartObject();
                json.writeNumberField("units", layer.units());
                json.writeStringField("activation", layer.activation().id());
                offset = writeLayerValues(json, architecture.dtype(), params, offset, layer.units(), architecture.width(m));
                json.writeEndObject();
            }
            json.writeEndArray();
            writeOptimizerState(json, model);
            if (snapshot.features() != null) {
                json.writeFieldName("features");
                Json.MAPPER.writeTree(json, snapshot.features().toJson());
                json.writeFieldName("preprocessing");
                Json.MAPPER.writeTree(json, snapshot.preprocessing().toJson());
            }
            for (Map.Entry<String, Object> extra : snapshot.extras().entrySet()) {
                json.writeFieldName(extra.getKey());
                Json.MAPPER.writeValue(json, extra.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code "dtype"} for a float32 model; a float64 document stays exactly as before the field existed. */
    private static void writeDtype(JsonGenerator json, Architecture architecture) throws IOException {
        if (architecture.dtype() != Dtype.FLOAT64) {
            json.writeStringField("dtype", architecture.dtype().id());
        }
    }

    /** Writes {@code "weights": [[...]], "biases": [...]} for one layer from the public layout; returns the next offset. */
    private static int writeLayerValues(JsonGenerator json, Dtype dtype, double[] values, int offset, int units, int inputs)
            throws IOException {
        json.writeArrayFieldStart("weights");
        for (int i = 0; i < units; i++) {
            writeValues(json, dtype, values, offset + i * inputs, inputs);
        }
        json.writeEndArray();
        json.writeFieldName("biases");
        writeValues(json, dtype, values, offset + units * inputs, units);
        return offset + units * inputs + units;
    }

    /** One array of values: doubles, or for float32 the floats they exactly are, in the float's own representation. */
    private static void writeValues(JsonGenerator json, Dtype dtype, double[] values, int offset, int length) throws IOException {
        if (dtype == Dtype.FLOAT64) {
            json.writeArray(values, offset, length);
            return;
        }
        json.writeStartArray();
        for (int k = offset; k < offset + length; k++) {
            // Float.toString itself rather than the generator's float writer: toFloat reads it back with the same function
            json.writeNumber(Float.toString((float) values[k]));
        }
        json.writeEndArray();
    }

    /**
     * Writes the fields of a model definition that say what the model is, without any of its values:
     * {@code "inputs"}, {@code "loss"}, {@code "optimizer"} and {@code "layers"} (units and activation of each).
     */
    public static void writeShape(JsonGenerator json, Architecture architecture, OptimizerSpec optimizer) throws IOException {
        json.writeNumberField("inputs", architecture.inputs());
        json.writeStringField("loss", architecture.loss().id());
        writeDtype(json, architecture);
        writeOptimizer(json, optimizer);
        json.writeArrayFieldStart("layers");
        for (LayerSpec layer : architecture.layers()) {
            json.writeStartObject();
            json.writeNumberField("units", layer.units());
            json.writeStringField("activation", layer.activation().id());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /** Writes {@code "optimizer": {...}} as in a snapshot. */
    public static void writeOptimizer(JsonGenerator json, OptimizerSpec optimizer) throws IOException {
        json.writeObjectFieldStart("optimizer");
        json.writeStringField("type", optimizer.type());
        json.writeNumberField("learningRate", optimizer.learningRate());
        if (optimizer instanceof OptimizerSpec.Momentum momentum) {
            json.writeNumberField("momentum", momentum.momentum());
            json.writeBooleanField("nesterov", momentum.nesterov());
        } else if (optimizer instanceof OptimizerSpec.Adam adam) {
            json.writeNumberField("beta1", adam.beta1());
            json.writeNumberField("beta2", adam.beta2());
            json.writeNumberField("epsilon", adam.epsilon());
        }
        if (optimizer.l2() != 0) {
            json.writeNumberField("l2", optimizer.l2());
        }
        if (optimizer.clipNorm() != 0) {
            json.writeNumberField("clipNorm", optimizer.clipNorm());
        }
        json.writeEndObject();
    }

    private static void writeOptimizerState(JsonGenerator json, Mlp model) throws IOException {
        List<String> names = stateNames(model.optimizer());
        if (names.isEmpty()) {
            json.writeNullField("optimizerState");
            return;
        }
        Architecture architecture = model.architecture();
        json.writeObjectFieldStart("optimizerState");
        json.writeNumberField("step", model.optimizerSteps());
        for (int k = 0; k < names.size(); k++) {
            double[] values = model.optimizerState(k);
            json.writeArrayFieldStart(names.get(k));
            int offset = 0;
            for (int m = 0; m < architecture.depth(); m++) {
                json.writeStartObject();
                offset = writeLayerValues(json, architecture.dtype(), values, offset, architecture.width(m + 1), architecture.width(m));
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    private static List<String> stateNames(OptimizerSpec optimizer) {
        if (optimizer instanceof OptimizerSpec.Momentum) {
            return List.of("velocity");
        }
        if (optimizer instanceof OptimizerSpec.Adam) {
            return List.of("m", "v");
        }
        return List.of();
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Reads a snapshot or model definition from a file. */
    public static Snapshot read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    /** Reads a snapshot or model definition from UTF-8 JSON bytes. */
    public static Snapshot read(byte[] json) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SnapshotFormatException("snapshot is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SnapshotFormatException("snapshot could not be read: " + e.getMessage(), e);
        }
        return read(root);
    }

    /** Reads a snapshot or model definition from a parsed document. */
    public static Snapshot read(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new SnapshotFormatException("snapshot must be a JSON object, found " + type(root));
        }
        String format = text(root, "format");
        if (!FORMAT.equals(format) && !FORMAT_V2.equals(format)) {
            throw new SnapshotFormatException("format '" + format + "' is not supported; expected " + FORMAT + " or " + FORMAT_V2);
        }
        boolean v2 = FORMAT_V2.equals(format);
        String modelId = text(root, "modelId");
        if (modelId.isEmpty()) {
            throw new SnapshotFormatException("modelId: expected a non-empty string");
        }
        long updates = root.has("updates") ? nonNegativeLong(root.get("updates"), "updates") : 0;
        FeatureSpec features = features(root, v2);
        // a definition with a feature spec may leave "inputs" out: it is the spec's width
        int inputs = features != null && !root.has("inputs") ? features.width() : positiveInt(required(root, "inputs"), "inputs");
        if (features != null && features.width() != inputs) {
            throw new SnapshotFormatException("features: the spec makes " + features.width() + " columns; \"inputs\" is " + inputs
                    + " (leave \"inputs\" out of a definition with features and it is the spec's width)");
        }
        Loss loss;
        try {
            loss = Loss.fromId(text(root, "loss"));
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("loss: " + e.getMessage());
        }
        Dtype dtype = dtype(root.get("dtype"));
        OptimizerSpec optimizer = readOptimizer(required(root, "optimizer"));
        JsonNode layersNode = required(root, "layers");
        if (!layersNode.isArray() || layersNode.isEmpty()) {
            throw new SnapshotFormatException("layers: expected a non-empty array, found " + type(layersNode));
        }
        List<LayerSpec> layers = new ArrayList<>();
        int withWeights = 0;
        for (int m = 0; m < layersNode.size(); m++) {
            JsonNode layer = layersNode.get(m);
            String path = "layers[" + m + "]";
            if (!layer.isObject()) {
                throw new SnapshotFormatException(path + ": expected an object, found " + type(layer));
            }
            int units = positiveInt(required(layer, "units", path), path + ".units");
            Activation activation;
            try {
                activation = Activation.fromId(text(layer, "activation", path));
            } catch (IllegalArgumentException e) {
                throw new SnapshotFormatException(path + ".activation: " + e.getMessage());
            }
            layers.add(new LayerSpec(units, activation));
            boolean hasWeights = layer.hasNonNull("weights");
            if (hasWeights != layer.hasNonNull("biases")) {
                throw new SnapshotFormatException(path + ": has " + (hasWeights ? "weights but no biases" : "biases but no weights"));
            }
            withWeights += hasWeights ? 1 : 0;
        }
        Architecture architecture;
        try {
            architecture = new Architecture(inputs, layers, loss, dtype);
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("invalid model: " + e.getMessage(), e);
        }
        Map<String, Object> extras = extras(root);
        Mlp model;
        if (withWeights == 0) {
            JsonNode seed = root.get("seed");
            if (seed == null || !seed.canConvertToLong() || !seed.isIntegralNumber()) {
                throw new SnapshotFormatException("layers have no weights, so this is a model definition and needs an integer \"seed\"; found "
                        + type(seed));
            }
            model = build(() -> Mlp.initialize(architecture, optimizer, seed.longValue()));
            if (updates != 0) {
                throw new SnapshotFormatException("updates: a model definition without weights must have 0 updates, found " + updates);
            }
        } else if (withWeights != layers.size()) {
            throw new SnapshotFormatException("layers: " + withWeights + " of " + layers.size()
                    + " layers have weights; expected all (a snapshot) or none (a definition with a seed)");
        } else {
            double[] params = new double[architecture.parameterCount()];
            int offset = 0;
            for (int m = 0; m < layers.size(); m++) {
                offset = readLayerValues(layersNode.get(m), "layers[" + m + "]", dtype, params, offset, architecture.width(m + 1),
                        architecture.width(m));
            }
            double[][] state = null;
            long steps = 0;
            JsonNode stateNode = root.get("optimizerState");
            List<String> names = stateNames(optimizer);
            if (stateNode != null && !stateNode.isNull() && !names.isEmpty()) {
                if (!stateNode.isObject()) {
                    throw new SnapshotFormatException("optimizerState: expected an object or null, found " + type(stateNode));
                }
                steps = nonNegativeLong(required(stateNode, "step", "optimizerState"), "optimizerState.step");
                state = new double[names.size()][architecture.parameterCount()];
                for (int k = 0; k < names.size(); k++) {
                    String path = "optimizerState." + names.get(k);
                    JsonNode vector = required(stateNode, names.get(k), "optimizerState");
                    if (!vector.isArray() || vector.size() != layers.size()) {
                        throw new SnapshotFormatException(path + ": expected an array of " + layers.size() + " layers, found "
                                + (vector.isArray() ? vector.size() + " entries" : type(vector)));
                    }
                    int stateOffset = 0;
                    for (int m = 0; m < layers.size(); m++) {
                        stateOffset = readLayerValues(vector.get(m), path + "[" + m + "]", dtype, state[k], stateOffset,
                                architecture.width(m + 1), architecture.width(m));
                    }
                }
            }
            double[][] restoredState = state;
            long restoredSteps = steps;
            model = build(() -> Mlp.restore(architecture, optimizer, updates, params, restoredState, restoredSteps));
        }
        Preprocessing preprocessing = preprocessing(root, v2, features, withWeights > 0);
        return new Snapshot(modelId, model, extras, features, preprocessing);
    }

    /** Builds the model, reporting what the numeric core refuses (e.g. a float32 model's hyperparameters) as a format error. */
    private static Mlp build(java.util.function.Supplier<Mlp> model) {
        try {
            return model.get();
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("invalid model: " + e.getMessage(), e);
        }
    }

    /** The document's feature spec: required in {@code v2}, optional in {@code v1} (a definition may declare one). */
    private static FeatureSpec features(JsonNode root, boolean v2) {
        JsonNode node = root.get("features");
        if (node == null || node.isNull()) {
            if (v2) {
                throw new SnapshotFormatException("features: required field is missing (a " + FORMAT_V2 + " document carries its feature spec)");
            }
            return null;
        }
        if (!node.isObject()) {
            throw new SnapshotFormatException("features: expected an object (a feature spec), found " + type(node));
        }
        FeatureSpec spec;
        try {
            spec = FeatureSpec.parse(node, SPEC_SOURCE);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new SnapshotFormatException(message.startsWith(SPEC_SOURCE + ": ") ? message.substring(SPEC_SOURCE.length() + 2)
                    : message, e);
        }
        return spec;
    }

    /**
     * The document's preprocessing state: required in a {@code v2} snapshot, optional (a fresh state) in a {@code v2}
     * definition, absent from {@code v1}.
     */
    private static Preprocessing preprocessing(JsonNode root, boolean v2, FeatureSpec features, boolean withWeights) {
        JsonNode node = root.get("preprocessing");
        if (node == null || node.isNull()) {
            if (v2 && withWeights) {
                throw new SnapshotFormatException("preprocessing: required field is missing (a " + FORMAT_V2
                        + " snapshot carries the state of its feature spec)");
            }
            if (!v2 && withWeights && features != null) {
                // trained weights with fresh statistics would score every standardized column as 0 until they re-learn
                throw new SnapshotFormatException("features: a trained model with a feature spec is a " + FORMAT_V2
                        + " snapshot, with its \"preprocessing\"; a " + FORMAT + " document may declare \"features\" only without weights");
            }
            return features == null ? null : features.newState();
        }
        if (!v2) {
            throw new SnapshotFormatException("preprocessing: a " + FORMAT + " document has no preprocessing state; " + FORMAT_V2
                    + " carries it with its \"features\"");
        }
        try {
            return Preprocessing.fromJson(features, node);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new SnapshotFormatException(message.startsWith("preprocessing") ? message : "preprocessing: " + message, e);
        }
    }

    /** {@code "dtype"}: absent or null for float64, else {@code "float64"} or {@code "float32"}. */
    private static Dtype dtype(JsonNode node) {
        if (node == null || node.isNull()) {
            return Dtype.FLOAT64;
        }
        if (!node.isTextual()) {
            throw new SnapshotFormatException("dtype: expected \"float64\" or \"float32\", found " + type(node));
        }
        try {
            return Dtype.of(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("dtype: " + e.getMessage(), e);
        }
    }

    private static int readLayerValues(JsonNode layer, String path, Dtype dtype, double[] into, int offset, int units, int inputs) {
        JsonNode weights = required(layer, "weights", path);
        if (!weights.isArray() || weights.size() != units) {
            throw new SnapshotFormatException(path + ".weights: expected " + units + " rows (one per unit), found "
                    + (weights.isArray() ? weights.size() : type(weights)));
        }
        for (int i = 0; i < units; i++) {
            offset = readNumbers(weights.get(i), path + ".weights[" + i + "]", dtype, inputs, into, offset);
        }
        return readNumbers(required(layer, "biases", path), path + ".biases", dtype, units, into, offset);
    }

    /** Reads numbers into {@code into}; for float32 each is rounded to its float, which must be finite. */
    private static int readNumbers(JsonNode array, String path, Dtype dtype, int expected, double[] into, int offset) {
        if (!array.isArray() || array.size() != expected) {
            throw new SnapshotFormatException(path + ": expected " + expected + " numbers, found "
                    + (array.isArray() ? array.size() : type(array)));
        }
        for (int j = 0; j < expected; j++) {
            JsonNode number = array.get(j);
            if (!number.isNumber()) {
                throw new SnapshotFormatException(path + "[" + j + "]: expected a number, found " + type(number));
            }
            double value = number.doubleValue();
            if (!Double.isFinite(value)) {
                throw new SnapshotFormatException(path + "[" + j + "]: the number overflows a double (" + value + "); expected a finite number");
            }
            if (dtype == Dtype.FLOAT32) {
                float narrowed = toFloat(value);
                if (!Float.isFinite(narrowed)) {
                    throw new SnapshotFormatException(path + "[" + j + "]: " + number + " is beyond the float32 range of this model"
                            + " (dtype float32); expected a finite float");
                }
                value = narrowed;
            }
            into[offset++] = value;
        }
        return offset;
    }

    /**
     * The float a float32 document's number denotes, given the double it was parsed to. Rounding that double to float
     * is right unless it lies exactly halfway between two floats: the decimal a writer chose for one of them (always
     * {@link Float#toString} here) can parse to that midpoint, and the tie would then go to the even neighbour. Found
     * by checking every finite float: {@code 7.038531E-26} came back one ulp off. At a midpoint, the float whose own
     * decimal parses to the same double is the one that was written; any other decimal keeps the rounded value.
     */
    static float toFloat(double value) {
        float rounded = (float) value;
        if ((double) rounded != value) {
            double neighbour = value > rounded ? Math.nextUp(rounded) : Math.nextDown(rounded);
            if (value - rounded == neighbour - value) { // exact: all three are within a float ulp of each other
                float other = (float) neighbour;
                if (Double.parseDouble(Float.toString(other)) == value && Double.parseDouble(Float.toString(rounded)) != value) {
                    return other;
                }
            }
        }
        return rounded;
    }

    private static OptimizerSpec readOptimizer(JsonNode node) {
        if (!node.isObject()) {
            throw new SnapshotFormatException("optimizer: expected an object, found " + type(node));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!OPTIMIZER_FIELDS.contains(name)) {
                throw new SnapshotFormatException("optimizer." + name + ": unknown setting; known: " + String.join(", ", OPTIMIZER_FIELDS.stream().sorted().toList()));
            }
        }
        String type = text(node, "type", "optimizer");
        double rate = number(node, "learningRate", Double.NaN);
        double l2 = number(node, "l2", 0.0);
        double clipNorm = number(node, "clipNorm", 0.0);
        try {
            return switch (type) {
                case "sgd" -> new OptimizerSpec.Sgd(rate, l2, clipNorm);
                case "momentum" -> {
                    JsonNode nesterov = node.get("nesterov");
                    if (nesterov != null && !nesterov.isBoolean()) {
                        throw new SnapshotFormatException("optimizer.nesterov: expected true or false, found " + type(nesterov));
                    }
                    yield new OptimizerSpec.Momentum(rate, number(node, "momentum", 0.9), nesterov != null && nesterov.booleanValue(), l2, clipNorm);
                }
                case "adam" -> new OptimizerSpec.Adam(rate, number(node, "beta1", 0.9), number(node, "beta2", 0.999),
                        number(node, "epsilon", 1e-8), l2, clipNorm);
                default -> throw new SnapshotFormatException("optimizer.type: unknown optimizer '" + type + "'; expected sgd, momentum or adam");
            };
        } catch (SnapshotFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException(e.getMessage(), e);
        }
    }

    private static Map<String, Object> extras(JsonNode root) {
        Map<String, Object> extras = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!KNOWN_FIELDS.contains(field.getKey())) {
                extras.put(field.getKey(), Json.MAPPER.convertValue(field.getValue(), Object.class));
            }
        }
        return extras;
    }

    private static JsonNode required(JsonNode node, String field) {
        return required(node, field, null);
    }

    private static JsonNode required(JsonNode node, String field, String parent) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new SnapshotFormatException((parent == null ? "" : parent + ".") + field + ": required field is missing");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        return text(node, field, null);
    }

    private static String text(JsonNode node, String field, String parent) {
        JsonNode value = required(node, field, parent);
        if (!value.isTextual()) {
            throw new SnapshotFormatException((parent == null ? "" : parent + ".") + field + ": expected a string, found " + type(value));
        }
        return value.textValue();
    }

    private static double number(JsonNode node, String field, double defaultValue) {
        JsonNode value = node.get(field);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isNumber()) {
            throw new SnapshotFormatException("optimizer." + field + ": expected a number, found " + type(value));
        }
        return value.doubleValue();
    }

    private static int positiveInt(JsonNode value, String path) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            throw new SnapshotFormatException(path + ": expected an integer >= 1, found " + value);
        }
        return value.intValue();
    }

    private static long nonNegativeLong(JsonNode value, String path) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw new SnapshotFormatException(path + ": expected an integer >= 0, found " + value);
        }
        return value.longValue();
    }

    private static String type(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case STRING -> "the string \"" + node.textValue() + "\"";
            case NUMBER -> "the number " + node;
            case NULL -> "null";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
