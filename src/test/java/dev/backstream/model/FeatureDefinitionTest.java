package dev.backstream.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.FeatureException;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("A definition with a feature spec")
class FeatureDefinitionTest {
    static final String FEATURES = """
            {"id": "id", "fields": [
               {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
               {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 4},
               {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"]}],
             "label": {"path": "delay", "type": "threshold", "above": 15}}""";
    /** distance and its missing indicator, 4 hash buckets, 2 carriers and "other". */
    static final int WIDTH = 2 + 4 + 3;
    private static final String DEFINITION = """
            {"format": "backstream.mlp/v1", "modelId": "flights", INPUTS"loss": "binary_cross_entropy",
             "optimizer": {"type": "sgd", "learningRate": 0.1},
             "layers": [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 3,
             "features": FEATURES EXTRA}
            """;
    private static final String WIDE = """
            {"name": "wide", "optimizer": {"type": "adam", "learningRate": 0.01},
             "layers": [{"units": 16, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 5}""";

    @TempDir
    Path dir;

    static String definition(String inputs, String features, String extra) {
        return DEFINITION.replace("INPUTS", inputs).replace("FEATURES", features).replace(" EXTRA", extra);
    }

    private ModelDefinition load(String json) throws IOException {
        return ModelCatalog.loadDefinition(json.getBytes(StandardCharsets.UTF_8), dir, "flights.json", 100);
    }

    private String refusal(String json) {
        return assertThrows(IllegalArgumentException.class, () -> load(json)).getMessage();
    }

    static FeatureSpec spec() throws IOException {
        return FeatureSpec.parse(Json.MAPPER.readTree(FEATURES), "test");
    }

    /** A model and its state after learning a few events, as a stream would: encode, one SGD step, then the state learns. */
    static Preprocessing learnEvents(FeatureSpec spec, Mlp model, Preprocessing state, int count) throws IOException, FeatureException {
        String[] origins = {"SFO", "JFK", "ORD"};
        for (int i = 0; i < count; i++) {
            JsonNode event = Json.MAPPER.readTree("{\"id\": \"e" + i + "\", \"distance\": " + (100 + 37 * i) + ", \"origin\": \""
                    + origins[i % 3] + "\", \"carrier\": \"" + (i % 2 == 0 ? "AA" : "UA") + "\", \"delay\": " + (i % 4) * 10 + "}");
            EncodedEvent encoded = spec.encode(event, state);
            model.learn(encoded.features(), spec.label(event).classIndex());
            state.learn(encoded.observed());
        }
        return state;
    }

    @Test
    void takesItsInputsFromTheSpecWhenTheyAreLeftOut() throws IOException {
        ModelDefinition definition = load(definition("", FEATURES, ""));
        assertEquals(WIDTH, spec().width());
        assertEquals(WIDTH, definition.architecture().inputs());
        assertEquals(spec(), definition.features());
        assertTrue(definition.newPreprocessing().bitIdentical(spec().newState()), "a fresh start has learned nothing");
        assertEquals(load(definition("\"inputs\": " + WIDTH + ", ", FEATURES, "")).features(), definition.features());
    }

    @Test
    void aModelWithoutASpecHasNoPreprocessing() throws IOException {
        ModelDefinition plain = load(definition("\"inputs\": 2, ", FEATURES, "").replace("\"features\": " + FEATURES, "\"snapshotEveryUpdates\": 5"));
        assertNull(plain.features());
        assertNull(plain.newPreprocessing());
    }

    @Test
    void aCreateCommandsDefinitionMayDeclareASpecToo() throws IOException {
        // the path of ModelCommand.Create through CommandApplier and of POST /models: no base directory
        ModelDefinition created = ModelCatalog.loadDefinition(definition("", FEATURES, "").getBytes(StandardCharsets.UTF_8), null,
                "create command c-1", 100, 10_000);
        assertEquals(spec(), created.features());
        assertEquals(WIDTH, created.architecture().inputs());
        assertEquals((WIDTH + 1) * 4 + 5, ModelCatalog.declaredParameters(Json.MAPPER.readTree(definition("", FEATURES, ""))),
                "the declared size counts the spec's width as inputs");
    }

    @Nested
    @DisplayName("is refused, naming the file")
    class Refusals {
        @Test
        void whenItsWidthIsNotTheInputs() {
            String message = refusal(definition("\"inputs\": 8, ", FEATURES, ""));
            assertTrue(message.startsWith("flights.json: features: the spec makes 9 columns; \"inputs\" is 8"), message);
        }

        @Test
        void whenTheSpecHasAnErrorNamingItsPath() {
            String message = refusal(definition("", FEATURES.replace("\"buckets\": 4", "\"buckets\": 0"), ""));
            assertTrue(message.startsWith("flights.json: features.fields[1].buckets"), message);
            message = refusal(definition("\"inputs\": 9, ", FEATURES.replace("\"buckets\": 4", "\"buckets\": 0"), ""));
            assertTrue(message.startsWith("flights.json: features.fields[1].buckets"), message);
        }

        @Test
        void whenItsLabelIsNotOneTheModelLearns() {
            String threeClasses = definition("", FEATURES, "").replace("\"units\": 1, \"activation\": \"sigmoid\"",
                    "\"units\": 3, \"activation\": \"softmax\"").replace("binary_cross_entropy", "categorical_cross_entropy");
            String message = refusal(threeClasses);
            assertTrue(message.startsWith("flights.json: the feature spec's label (\"delay\") has 2 classes; model 'flights' has 3"), message);
            String number = definition("", FEATURES.replace("\"type\": \"threshold\", \"above\": 15", "\"type\": \"number\""),
                    "").replace("\"units\": 1, \"activation\": \"sigmoid\"", "\"units\": 2, \"activation\": \"linear\"")
                    .replace("binary_cross_entropy", "squared_error");
            message = refusal(number);
            assertTrue(message.startsWith("flights.json: the feature spec's label (\"delay\") is a number, the target of one regression output"
                    + " unit; model 'flights' has 2 linear output unit(s)"), message);
            String numberOnASigmoid = definition("", FEATURES.replace("\"type\": \"threshold\", \"above\": 15", "\"type\": \"number\""), "");
            message = refusal(numberOnASigmoid);
            assertTrue(message.contains("a classifier: use a \"threshold\" or \"class\" label"), message);
        }

        @Test
        void whenAChallengerDeclaresASpecOfItsOwn() {
            String message = refusal(definition("", FEATURES, ", \"challengers\": [" + WIDE.replace("\"seed\": 5", "\"seed\": 5, \"features\": {}") + "]"));
            assertTrue(message.contains("\"features\" is the champion's"), message);
        }
    }

    @Test
    void itsChallengersLearnFromTheSameFeaturesAndAPromotionKeepsThem() throws IOException {
        ModelDefinition definition = load(definition("", FEATURES, ", \"challengers\": [" + WIDE + "]"));
        ModelDefinition wide = definition.challengers().get("wide");
        assertEquals(spec(), wide.features());
        assertEquals(WIDTH, wide.architecture().inputs());
        ModelDefinition promoted = definition.promote("wide");
        assertEquals(spec(), promoted.features());
        assertEquals(spec(), promoted.challengers().get("wide").features());
    }

    @Nested
    @DisplayName("warm-starts from a backstream.mlp/v2 snapshot")
    class WarmStart {
        private Mlp trained;
        private Preprocessing state;

        private Path trainedSnapshot(FeatureSpec spec) throws IOException, FeatureException {
            trained = load(definition("", FEATURES, "")).newModel();
            state = learnEvents(spec, trained, spec.newState(), 30);
            Path file = dir.resolve("flights-trained.json");
            SnapshotJson.write(new Snapshot("flights", trained, Map.of(), spec, state), file);
            return file;
        }

        @Test
        void restoringTheModelAndItsPreprocessingState() throws IOException, FeatureException {
            trainedSnapshot(spec());
            ModelDefinition warm = load(definition("", FEATURES, ", \"initialSnapshot\": \"flights-trained.json\""));
            assertTrue(warm.newModel().bitIdentical(trained));
            assertTrue(warm.newPreprocessing().bitIdentical(state));
            assertTrue(warm.newPreprocessing() != warm.newPreprocessing(), "every start gets its own state");
        }

        @Test
        void whoseSpecADefinitionWithoutOneTakesOver() throws IOException, FeatureException {
            trainedSnapshot(spec());
            String withoutSpec = definition("\"inputs\": 9, ", FEATURES, ", \"initialSnapshot\": \"flights-trained.json\"")
                    .replace("\"features\": " + FEATURES + ",", "");
            ModelDefinition warm = load(withoutSpec);
            assertEquals(spec(), warm.features());
            assertTrue(warm.newPreprocessing().bitIdentical(state));
        }

        @Test
        void whenTheFileIsTheSnapshotItself() throws IOException, FeatureException {
            Path file = trainedSnapshot(spec());
            ModelDefinition warm = ModelCatalog.loadDefinition(file, 100);
            assertTrue(warm.newModel().bitIdentical(trained));
            assertTrue(warm.newPreprocessing().bitIdentical(state));
        }

        @Test
        void whoseChallengersStartFreshWithTheSameSpec() throws IOException, FeatureException {
            Path file = trainedSnapshot(spec());
            com.fasterxml.jackson.databind.node.ObjectNode document = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(file.toFile());
            document.set("challengers", Json.MAPPER.readTree("[" + WIDE + "]"));
            ModelDefinition warm = load(document.toString());
            ModelDefinition wide = warm.challengers().get("wide");
            assertEquals(spec(), wide.features());
            assertTrue(wide.newPreprocessing().bitIdentical(spec().newState()));
            assertTrue(warm.newPreprocessing().bitIdentical(state));
        }

        @Test
        void butNotWithAnotherSpecThanTheDefinitions() throws IOException, FeatureException {
            String other = FEATURES.replace("\"above\": 15", "\"above\": 30");
            trainedSnapshot(FeatureSpec.parse(Json.MAPPER.readTree(other), "test"));
            String message = refusal(definition("", FEATURES, ", \"initialSnapshot\": \"flights-trained.json\""));
            assertTrue(message.startsWith("flights.json: initialSnapshot "), message);
            assertTrue(message.contains("another feature spec"), message);
        }
    }

    @Nested
    @DisplayName("in its binary encoding (4)")
    class Encoding {
        @Test
        void roundTripsTheSpecAndTheStartingState() throws IOException, FeatureException {
            Mlp trained = load(definition("", FEATURES, "")).newModel();
            Preprocessing state = learnEvents(spec(), trained, spec().newState(), 12);
            ModelDefinition definition = new ModelDefinition("flights", trained, 50, "flights.json", null, Map.of(), spec(), state);
            ModelDefinition decoded = ModelDefinition.decode(definition.encode());
            assertEquals(spec(), decoded.features());
            assertTrue(decoded.newPreprocessing().bitIdentical(state));
            assertTrue(decoded.newModel().bitIdentical(trained));
            assertArrayEquals(definition.encode(), decoded.encode());
        }

        @Test
        void roundTripsAFreshStateAndTheChallengersSpecs() throws IOException {
            ModelDefinition definition = load(definition("", FEATURES, ", \"challengers\": [" + WIDE + "]"));
            ModelDefinition decoded = ModelDefinition.decode(definition.encode());
            assertEquals(spec(), decoded.features());
            assertEquals(spec(), decoded.challengers().get("wide").features());
            assertTrue(decoded.newPreprocessing().bitIdentical(spec().newState()));
            assertArrayEquals(definition.encode(), decoded.encode());
        }

        @Test
        void keepsTheStateThroughEveryCopy() throws IOException, FeatureException {
            Mlp trained = load(definition("", FEATURES, "")).newModel();
            Preprocessing state = learnEvents(spec(), trained, spec().newState(), 5);
            ModelDefinition definition = new ModelDefinition("flights", trained, 50, "flights.json", null, Map.of(), spec(), state);
            for (ModelDefinition copy : List.of(definition.withSnapshotEveryUpdates(7), definition.withLearningRate(0.5),
                    definition.withDrift(null))) {
                assertTrue(copy.newPreprocessing().bitIdentical(state));
            }
            assertTrue(definition.withFeatures(spec()).newPreprocessing().bitIdentical(spec().newState()),
                    "another spec starts from a fresh state");
        }
    }
}
