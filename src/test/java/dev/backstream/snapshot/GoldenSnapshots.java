package dev.backstream.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.FeatureException;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Regenerates the golden files of {@code src/test/resources/snapshots/} that the current code writes:
 * {@code adam-v1.json}, which pins the {@code backstream.mlp/v1} format with optimizer state (a small model after a few
 * Adam steps, plus the outputs it gives for a few inputs), and {@code flights-v2.json}, which pins
 * {@code backstream.mlp/v2} (a model with a feature spec of every field type after a few raw events, its preprocessing
 * state, plus the outputs it gives for a few raw events). Run only when a format changes on purpose (and bump its
 * version):
 * {@code mvn test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.backstream.snapshot.GoldenSnapshots}
 */
public final class GoldenSnapshots {
    static final double[][] CHECK_INPUTS = {{0.5, -0.25, 1.0}, {-1.0, 0.0, 0.75}, {0.0, 0.0, 0.0}};

    /** A spec with every field type, encoding and missing-value policy, and a class label. */
    static final String FLIGHTS_FEATURES = """
            {"id": "flight", "fields": [
               {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
               {"path": "route.origin", "type": "categorical", "encoding": "hash", "buckets": 6},
               {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"]},
               {"path": "weekend", "type": "boolean", "missing": "zero"},
               {"path": "departure", "type": "timestamp", "parts": ["hour_of_day", "day_of_week"]}],
             "label": {"path": "status", "type": "class", "classes": ["on_time", "late", "cancelled"]}}""";
    /** The events the golden model learned, in order; the first three checks are made on the first three of them. */
    static final String[] FLIGHTS_EVENTS = {
            "{\"flight\": \"f1\", \"distance\": 2475, \"route\": {\"origin\": \"JFK\"}, \"carrier\": \"AA\", \"weekend\": false, \"departure\": \"2001-01-05T06:30:00Z\", \"status\": \"on_time\"}",
            "{\"flight\": \"f2\", \"route\": {\"origin\": \"SFO\"}, \"carrier\": \"UA\", \"weekend\": true, \"departure\": 978998400000, \"status\": \"late\"}",
            "{\"flight\": \"f3\", \"distance\": 337, \"route\": {\"origin\": \"LAX\"}, \"carrier\": \"DL\", \"departure\": \"2001-03-14T17:45:00Z\", \"status\": \"cancelled\"}",
            "{\"flight\": \"f4\", \"distance\": 1846, \"route\": {\"origin\": \"ORD\"}, \"carrier\": \"AA\", \"weekend\": true, \"departure\": \"2001-06-30T23:05:00Z\", \"status\": \"late\"}",
            "{\"flight\": \"f5\", \"distance\": 733, \"route\": {\"origin\": \"JFK\"}, \"carrier\": \"UA\", \"weekend\": false, \"departure\": \"2001-02-01T00:00:00Z\", \"status\": \"on_time\"}",
    };

    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args.length > 0 ? args[0] : "src/test/resources/snapshots");
        writeAdam(directory.resolve("adam-v1.json"));
        writeFlights(directory.resolve("flights-v2.json"));
    }

    private static void writeAdam(Path file) throws IOException {
        Mlp model = adamModel();
        List<Map<String, Object>> checks = new ArrayList<>();
        for (double[] x : CHECK_INPUTS) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("features", x);
            check.put("output", model.predict(x).copyOutput());
            checks.add(check);
        }
        SnapshotJson.write(new Snapshot("golden-adam", model, Map.of("checks", checks)), file);
        System.out.println("wrote " + file);
    }

    private static void writeFlights(Path file) throws IOException {
        Snapshot snapshot = flightsSnapshot(Map.of());
        List<Map<String, Object>> checks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode event = Json.MAPPER.readTree(FLIGHTS_EVENTS[i]);
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("event", Json.MAPPER.convertValue(event, Object.class));
            check.put("output", snapshot.model().predict(encode(snapshot, event)).copyOutput());
            checks.add(check);
        }
        SnapshotJson.write(flightsSnapshot(Map.of("checks", checks)), file);
        System.out.println("wrote " + file);
    }

    /** The event's input vector under the snapshot's spec and preprocessing state. */
    static double[] encode(Snapshot snapshot, JsonNode event) {
        try {
            return snapshot.features().encode(event, snapshot.preprocessing()).features();
        } catch (FeatureException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model and state in the v2 golden file, rebuilt from scratch by the current code: each event encoded, learned, then observed. */
    static Snapshot flightsSnapshot(Map<String, Object> extras) throws IOException {
        FeatureSpec spec = FeatureSpec.parse(Json.MAPPER.readTree(FLIGHTS_FEATURES), "golden");
        Architecture architecture = Architecture.of(spec.width(), Loss.CATEGORICAL_CROSS_ENTROPY,
                new LayerSpec(5, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));
        Mlp model = Mlp.initialize(architecture, new OptimizerSpec.Momentum(0.05, 0.9, true, 0, 0), 20261129);
        Preprocessing state = spec.newState();
        try {
            for (String line : FLIGHTS_EVENTS) {
                JsonNode event = Json.MAPPER.readTree(line);
                EncodedEvent encoded = spec.encode(event, state);
                model.learn(encoded.features(), spec.label(event).classIndex());
                state.learn(encoded.observed());
            }
        } catch (FeatureException e) {
            throw new IllegalStateException(e);
        }
        return new Snapshot("golden-flights", model, extras, spec, state);
    }

    /** The model in the golden file, rebuilt from scratch by the current code. */
    static Mlp adamModel() {
        Architecture architecture = Architecture.of(3, Loss.CATEGORICAL_CROSS_ENTROPY,
                new LayerSpec(4, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));
        Mlp model = Mlp.initialize(architecture, new OptimizerSpec.Adam(0.01, 0.9, 0.999, 1e-8, 1e-4, 5.0), 20261127);
        double[][] xs = {{1, 0, -1}, {0.5, 0.5, 0.5}, {-0.2, 0.9, 0.1}, {0.3, -0.7, 0.8}, {0, 1, 0}};
        for (int step = 0; step < xs.length; step++) {
            model.learn(xs[step], step % 3);
        }
        return model;
    }
}
