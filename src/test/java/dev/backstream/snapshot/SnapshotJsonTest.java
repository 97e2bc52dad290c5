package dev.backstream.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.features.FeatureException;
import dev.backstream.features.FeatureSpec;
import dev.backstream.json.Json;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The backstream.mlp/v1 and v2 snapshot formats")
class SnapshotJsonTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = SnapshotJsonTest.class.getResourceAsStream("/snapshots/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    @Nested
    @DisplayName("golden files")
    class GoldenFiles {
        @Test
        void theIssueExampleLoadsWithWeightsInRowMajorOrder() throws IOException {
            Snapshot snapshot = SnapshotJson.read(resource("xor-v1.json"));
            Mlp model = snapshot.model();
            assertEquals("xor", snapshot.modelId());
            assertEquals(4000, model.updates());
            assertEquals(OptimizerSpec.sgd(0.5), model.optimizer());
            assertEquals(-0.2, model.weight(0, 0, 1), "weights[0][1] is unit 0, input 1");
            assertEquals(0.3, model.weight(0, 1, 0), "weights[1][0] is unit 1, input 0");
            assertEquals(Map.of("trainedOn", "the format example of issue 2"), snapshot.extras());

            double[] x = {1.0, 0.5};
            double h0 = 1 / (1 + Math.exp(-(0.1 * 1.0 + -0.2 * 0.5 + 0.0)));
            double h1 = 1 / (1 + Math.exp(-(0.3 * 1.0 + 0.4 * 0.5 + 0.1)));
            double out = 1 / (1 + Math.exp(-(0.5 * h0 + -0.6 * h1 + 0.2)));
            assertEquals(out, model.predict(x).output(0), 1e-15);
        }

        @Test
        void theIssueExampleWritesBackToTheSameDocument() throws IOException {
            byte[] original = resource("xor-v1.json");
            JsonNode rewritten = Json.MAPPER.readTree(SnapshotJson.toBytes(SnapshotJson.read(original)));
            assertEquals(Json.MAPPER.readTree(original), rewritten);
        }

        @Test
        void theAdamGoldenFileIsReadAndWrittenByteForByte() throws IOException {
            byte[] golden = resource("adam-v1.json");
            Snapshot snapshot = SnapshotJson.read(golden);
            assertTrue(snapshot.model().bitIdentical(GoldenSnapshots.adamModel()),
                    "the current code rebuilds the golden model bit for bit");
            ObjectNode pretty = (ObjectNode) Json.MAPPER.readTree(golden);
            assertEquals(pretty, Json.MAPPER.readTree(SnapshotJson.toBytes(snapshot)));
            for (JsonNode check : pretty.get("checks")) {
                double[] x = Json.MAPPER.convertValue(check.get("features"), double[].class);
                double[] expected = Json.MAPPER.convertValue(check.get("output"), double[].class);
                assertArrayEquals(expected, snapshot.model().predict(x).copyOutput());
            }
        }
    }

    @Nested
    @DisplayName("golden files written byte for byte")
    class GoldenBytes {
        @TempDir
        Path dir;

        @Test
        void theAdamV1GoldenFileIsWhatTheCurrentCodeWrites() throws IOException {
            Snapshot snapshot = SnapshotJson.read(resource("adam-v1.json"));
            assertEquals(SnapshotJson.FORMAT, snapshot.format());
            assertNull(snapshot.features());
            assertNull(snapshot.preprocessing());
            Path written = dir.resolve("adam.json");
            SnapshotJson.write(snapshot, written);
            assertArrayEquals(resource("adam-v1.json"), Files.readAllBytes(written), "a model without a spec still writes v1, unchanged");
        }

        @Test
        void theFlightsV2GoldenFileHoldsTheModelItsSpecAndItsPreprocessingState() throws IOException {
            byte[] golden = resource("flights-v2.json");
            Snapshot snapshot = SnapshotJson.read(golden);
            Snapshot rebuilt = GoldenSnapshots.flightsSnapshot(Map.of());
            assertEquals("golden-flights", snapshot.modelId());
            assertEquals(SnapshotJson.FORMAT_V2, snapshot.format());
            assertTrue(snapshot.model().bitIdentical(rebuilt.model()), "the current code rebuilds the golden model bit for bit");
            assertEquals(rebuilt.features(), snapshot.features());
            assertTrue(snapshot.preprocessing().bitIdentical(rebuilt.preprocessing()), "and its preprocessing state");
            Path written = dir.resolve("flights.json");
            SnapshotJson.write(snapshot, written);
            assertArrayEquals(golden, Files.readAllBytes(written));
            assertArrayEquals(SnapshotJson.toBytes(snapshot), SnapshotJson.toBytes(SnapshotJson.read(SnapshotJson.toBytes(snapshot))),
                    "the compact form round-trips byte for byte too");
        }

        @Test
        void theFlightsV2GoldenFileScoresRawEventsAlone() throws IOException {
            Snapshot snapshot = SnapshotJson.read(resource("flights-v2.json"));
            JsonNode checks = Json.MAPPER.readTree(resource("flights-v2.json")).get("checks");
            assertEquals(3, checks.size());
            for (JsonNode check : checks) {
                double[] expected = Json.MAPPER.convertValue(check.get("output"), double[].class);
                double[] x = GoldenSnapshots.encode(snapshot, check.get("event"));
                assertArrayEquals(expected, snapshot.model().predict(x).copyOutput());
            }
        }
    }

    @Nested
    @DisplayName("a model with a feature spec (v2)")
    class WithFeatures {
        private FeatureSpec spec() throws IOException {
            return FeatureSpec.parse(Json.MAPPER.readTree(GoldenSnapshots.FLIGHTS_FEATURES), "test");
        }

        @Test
        void roundTripsItsSpecAndStateAndContinuesIdentically() throws IOException, FeatureException {
            Snapshot original = GoldenSnapshots.flightsSnapshot(Map.of("sourceOffset", 41));
            Snapshot restored = SnapshotJson.read(SnapshotJson.toBytes(original));
            assertEquals(original.features(), restored.features());
            assertTrue(restored.preprocessing().bitIdentical(original.preprocessing()));
            assertTrue(restored.model().bitIdentical(original.model()));
            assertEquals(Map.of("sourceOffset", 41), restored.extras());
            for (Snapshot s : List.of(original, restored)) {
                for (String line : GoldenSnapshots.FLIGHTS_EVENTS) {
                    JsonNode event = Json.MAPPER.readTree(line);
                    var encoded = s.features().encode(event, s.preprocessing());
                    s.model().learn(encoded.features(), s.features().label(event).classIndex());
                    s.preprocessing().learn(encoded.observed());
                }
            }
            assertTrue(restored.preprocessing().bitIdentical(original.preprocessing()), "after learning more");
            assertTrue(restored.model().bitIdentical(original.model()), "after learning more");
        }

        @Test
        void aV1DefinitionMayDeclareFeaturesAndLeaveItsInputsOut() throws IOException {
            String definition = """
                    {"format": "backstream.mlp/v1", "modelId": "flights", "loss": "categorical_cross_entropy",
                     "optimizer": {"type": "sgd", "learningRate": 0.1},
                     "layers": [{"units": 3, "activation": "softmax"}], "seed": 4, "features": FEATURES}
                    """.replace("FEATURES", GoldenSnapshots.FLIGHTS_FEATURES);
            Snapshot snapshot = SnapshotJson.read(definition.getBytes(StandardCharsets.UTF_8));
            assertEquals(spec(), snapshot.features());
            assertEquals(spec().width(), snapshot.model().architecture().inputs());
            assertTrue(snapshot.preprocessing().bitIdentical(spec().newState()), "a definition starts with a fresh state");
            assertEquals(SnapshotJson.FORMAT_V2, Json.MAPPER.readTree(SnapshotJson.toBytes(snapshot)).get("format").asText(),
                    "and is written as v2");
        }

        @Test
        void aSpecNeedsAModelAsWideAsItAndAStateNeedsASpec() throws IOException {
            Mlp narrow = Mlp.initialize(Architecture.of(2, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR)), OptimizerSpec.sgd(0.1), 1);
            FeatureSpec spec = spec();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Snapshot("m", narrow, Map.of(), spec, null));
            assertEquals("the feature spec makes 16 columns; expected the model's 2 inputs", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Snapshot("m", narrow, Map.of(), null, spec.newState()));
            assertThrows(IllegalArgumentException.class, () -> new Snapshot("m", narrow, Map.of("features", 1)));
            assertThrows(IllegalArgumentException.class, () -> new Snapshot("m", narrow, Map.of("preprocessing", 1)));
        }

        private String golden() throws IOException {
            return new String(resource("flights-v2.json"), StandardCharsets.UTF_8);
        }

        private void assertRejected(String evidence, String json) {
            SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                    () -> SnapshotJson.read(json.getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().contains(evidence), "message '" + e.getMessage() + "' should contain '" + evidence + "'");
        }

        @Test
        void aV2DocumentWithoutItsSpecOrState() throws IOException {
            ObjectNode withoutSpec = (ObjectNode) Json.MAPPER.readTree(golden());
            withoutSpec.remove("features");
            assertRejected("features: required field is missing", withoutSpec.toString());
            ObjectNode withoutState = (ObjectNode) Json.MAPPER.readTree(golden());
            withoutState.remove("preprocessing");
            assertRejected("preprocessing: required field is missing", withoutState.toString());
        }

        @Test
        void aV1DocumentWithAState() throws IOException {
            assertRejected("preprocessing: a backstream.mlp/v1 document has no preprocessing state",
                    golden().replace("backstream.mlp/v2", "backstream.mlp/v1"));
        }

        @Test
        void aV1DocumentWithWeightsAndASpecButNoState() throws IOException {
            ObjectNode v1 = (ObjectNode) Json.MAPPER.readTree(golden().replace("backstream.mlp/v2", "backstream.mlp/v1"));
            v1.remove("preprocessing");
            assertRejected("features: a trained model with a feature spec is a backstream.mlp/v2 snapshot", v1.toString());
        }

        @Test
        void aSpecOfAnotherWidthOrWithAnError() throws IOException {
            assertRejected("features: the spec makes 16 columns; \"inputs\" is 15", golden().replace("\"inputs\" : 16", "\"inputs\" : 15"));
            assertRejected("features.fields[1].buckets: ", golden().replace("\"buckets\" : 6", "\"buckets\" : 0"));
        }

        @Test
        void aStateThatIsNotTheSpecs() throws IOException {
            assertRejected("preprocessing[0].count", golden().replace("\"count\" : 4", "\"count\" : -4"));
            assertRejected("preprocessing[0].path", golden().replace("\"path\" : \"distance\",\n    \"count\"", "\"path\" : \"dist\",\n    \"count\""));
        }
    }

    @Nested
    @DisplayName("round trips")
    class RoundTrips {
        @Test
        void everyOptimizerRoundTripsBitIdenticallyAndContinuesIdentically() {
            Architecture architecture = Architecture.of(5, Loss.BINARY_CROSS_ENTROPY,
                    new LayerSpec(6, Activation.RELU), new LayerSpec(6, Activation.RELU), new LayerSpec(2, Activation.SIGMOID));
            for (OptimizerSpec optimizer : List.of(new OptimizerSpec.Sgd(0.1, 0.01, 3), new OptimizerSpec.Momentum(0.1, 0.5, true, 0, 0),
                    new OptimizerSpec.Adam(0.01, 0.8, 0.95, 1e-7, 0, 1))) {
                Mlp model = Mlp.initialize(architecture, optimizer, 8);
                Random random = new Random(1);
                for (int i = 0; i < 20; i++) {
                    model.learn(random.doubles(5).toArray(), new double[] {random.nextInt(2), random.nextDouble()});
                }
                Mlp restored = SnapshotJson.read(SnapshotJson.toBytes(new Snapshot("m", model))).model();
                assertTrue(restored.bitIdentical(model), optimizer.type());
                for (int i = 0; i < 20; i++) {
                    double[] x = random.doubles(5).toArray();
                    double[] y = {random.nextInt(2), random.nextDouble()};
                    assertArrayEquals(model.learn(x, y).copyOutput(), restored.learn(x, y).copyOutput());
                }
                assertTrue(restored.bitIdentical(model), optimizer.type() + " after further learning");
            }
        }

        @ParameterizedTest
        @CsvSource({"0.1", "4.9E-324", "1.7976931348623157E308", "-2.2250738585072014E-308", "0.30000000000000004", "1e-320"})
        void doublesRoundTripExactly(double value) {
            Architecture architecture = Architecture.of(1, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR));
            Mlp model = Mlp.restore(architecture, OptimizerSpec.sgd(0.1), 0, new double[] {value, -value}, null, 0);
            Mlp restored = SnapshotJson.read(SnapshotJson.toBytes(new Snapshot("m", model))).model();
            assertEquals(Double.doubleToRawLongBits(value), Double.doubleToRawLongBits(restored.weight(0, 0, 0)));
            assertEquals(Double.doubleToRawLongBits(-value), Double.doubleToRawLongBits(restored.bias(0, 0)));
        }

        @Test
        void aDefinitionWithASeedInitializesDeterministically() {
            String definition = """
                    {"format": "backstream.mlp/v1", "modelId": "digits", "inputs": 64, "loss": "categorical_cross_entropy",
                     "optimizer": {"type": "momentum", "learningRate": 0.05, "nesterov": true},
                     "layers": [{"units": 32, "activation": "sigmoid"}, {"units": 10, "activation": "softmax"}], "seed": 99}
                    """;
            Snapshot snapshot = SnapshotJson.read(definition.getBytes(StandardCharsets.UTF_8));
            Mlp expected = Mlp.initialize(snapshot.model().architecture(), new OptimizerSpec.Momentum(0.05, 0.9, true, 0, 0), 99);
            assertTrue(snapshot.model().bitIdentical(expected));
            assertEquals(99, ((Number) snapshot.extras().get("seed")).intValue());
        }
    }

    @Nested
    @DisplayName("invalid documents are rejected saying what and where")
    class InvalidDocuments {
        private void assertRejected(String evidence, String json) {
            SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                    () -> SnapshotJson.read(json.getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().contains(evidence), "message '" + e.getMessage() + "' should contain '" + evidence + "'");
        }

        private String xorWith(String search, String replacement) throws IOException {
            String original = new String(resource("xor-v1.json"), StandardCharsets.UTF_8);
            assertTrue(original.contains(search), search);
            return original.replace(search, replacement);
        }

        @Test
        void unknownFormatVersion() throws IOException {
            assertRejected("format 'backstream.mlp/v3' is not supported; expected backstream.mlp/v1 or backstream.mlp/v2",
                    xorWith("backstream.mlp/v1", "backstream.mlp/v3"));
        }

        @Test
        void weightRowOfTheWrongLength() throws IOException {
            assertRejected("layers[0].weights[1]: expected 2 numbers, found 3", xorWith("[0.3, 0.4]", "[0.3, 0.4, 0.5]"));
        }

        @Test
        void wrongNumberOfRows() throws IOException {
            assertRejected("layers[1].weights: expected 1 rows (one per unit), found 2", xorWith("[[0.5, -0.6]]", "[[0.5, -0.6], [1, 2]]"));
        }

        @Test
        void biasesOfTheWrongLength() throws IOException {
            assertRejected("layers[1].biases: expected 1 numbers, found 2", xorWith("\"biases\": [0.2]", "\"biases\": [0.2, 0.3]"));
        }

        @Test
        void numbersBeyondTheDoubleRange() throws IOException {
            assertRejected("layers[0].biases[1]: the number overflows a double", xorWith("[0.0, 0.1]", "[0.0, 1e999]"));
        }

        @Test
        void nonNumericWeights() throws IOException {
            assertRejected("layers[0].weights[0][1]: expected a number, found the string \"x\"", xorWith("[0.1, -0.2]", "[0.1, \"x\"]"));
        }

        @Test
        void invalidPairingNamesBothParts() throws IOException {
            assertRejected("loss squared_error cannot be paired with output activation softmax",
                    xorWith("\"binary_cross_entropy\"", "\"squared_error\"").replace("\"units\": 1, \"activation\": \"sigmoid\"",
                            "\"units\": 1, \"activation\": \"softmax\""));
        }

        @Test
        void unknownNames() throws IOException {
            assertRejected("layers[0].activation: unknown activation 'sigmod'", xorWith("\"units\": 2, \"activation\": \"sigmoid\"",
                    "\"units\": 2, \"activation\": \"sigmod\""));
            assertRejected("optimizer.type: unknown optimizer 'rmsprop'", xorWith("\"sgd\"", "\"rmsprop\""));
            assertRejected("optimizer.learning_rate: unknown setting", xorWith("\"learningRate\"", "\"learning_rate\""));
        }

        @Test
        void aDefinitionWithoutSeed() {
            assertRejected("needs an integer \"seed\"", """
                    {"format": "backstream.mlp/v1", "modelId": "m", "inputs": 2, "loss": "squared_error",
                     "optimizer": {"type": "sgd", "learningRate": 0.1}, "layers": [{"units": 1, "activation": "linear"}]}
                    """);
        }

        @Test
        void someLayersWithWeightsAndOthersWithout() throws IOException {
            assertRejected("1 of 2 layers have weights", xorWith(", \"weights\": [[0.5, -0.6]], \"biases\": [0.2]", ""));
        }

        @Test
        void optimizerStateOfTheWrongShape() {
            Mlp model = Mlp.initialize(Architecture.of(2, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR)),
                    new OptimizerSpec.Momentum(0.1, 0.9, false, 0, 0), 1);
            String json = new String(SnapshotJson.toBytes(new Snapshot("m", model)), StandardCharsets.UTF_8)
                    .replace("\"weights\":[[0.0,0.0]]", "\"weights\":[[0.0]]");
            assertRejected("optimizerState.velocity[0].weights[0]: expected 2 numbers, found 1", json);
        }

        @Test
        void notJsonAtAll() {
            assertRejected("snapshot is not valid JSON", "{\"format\": ");
            assertRejected("snapshot must be a JSON object, found array", "[1, 2]");
        }
    }

    @Nested
    @DisplayName("float32 models")
    class Float32Models {
        private final Architecture shape = Architecture.of(5, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(6, Activation.RELU),
                new LayerSpec(6, Activation.TANH), new LayerSpec(2, Activation.SIGMOID)).withDtype(Dtype.FLOAT32);
        /** Plain SGD (its last update pending when written), momentum, Adam. */
        private final List<OptimizerSpec> optimizers = List.of(OptimizerSpec.sgd(0.1), new OptimizerSpec.Momentum(0.1, 0.5, true, 0, 0),
                new OptimizerSpec.Adam(0.01, 0.8, 0.95, 1e-7, 0, 1));
        /** A decimal number with a fraction or an exponent: every weight, bias and state value (counts are integers). */
        private final Pattern decimal = Pattern.compile("-?\\d+\\.\\d+(E-?\\d+)?");

        /** The first float found whose {@code Float.toString} parses to a double exactly halfway to its neighbour. */
        private final float midpointDecimal = Float.intBitsToFloat(363742205); // 7.038531E-26

        @Test
        @DisplayName("a value whose decimal parses to a midpoint between two floats still reads back to its float")
        void aDecimalThatParsesToAMidpointReadsBackToItsFloat() {
            assertEquals("7.038531E-26", Float.toString(midpointDecimal));
            assertNotEquals(midpointDecimal, (float) Double.parseDouble(Float.toString(midpointDecimal)),
                    "rounding the parsed double is one ulp off for this float: the hazard this test guards");
            Architecture one = Architecture.of(1, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR)).withDtype(Dtype.FLOAT32);
            Mlp model = Mlp.restore(one, OptimizerSpec.sgd(0.1), 0, new double[] {midpointDecimal, -midpointDecimal}, null, 0);

            Mlp read = SnapshotJson.read(SnapshotJson.toBytes(new Snapshot("m", model, Map.of()))).model();

            assertArrayEquals(new double[] {midpointDecimal, -midpointDecimal}, read.parameters());
        }

        /**
         * Every 1009th finite float of each sign (about 4 million) written as {@link Float#toString} reads back to
         * itself; with {@code -Dbackstream.exhaustive=true} every finite float (a few minutes).
         */
        @Test
        @DisplayName("every written float reads back to itself (a sample; all of them with -Dbackstream.exhaustive=true)")
        void everyWrittenFloatReadsBackToItself() {
            int step = Boolean.getBoolean("backstream.exhaustive") ? 1 : 1009;
            long wrong = 0;
            for (long bits = 0; bits < 0x7f800000L; bits += step) {
                float f = Float.intBitsToFloat((int) bits);
                wrong += SnapshotJson.toFloat(Double.parseDouble(Float.toString(f))) == f ? 0 : 1;
                wrong += SnapshotJson.toFloat(Double.parseDouble(Float.toString(-f))) == -f ? 0 : 1;
            }
            assertEquals(0, wrong, "floats that did not read back");
            assertEquals(midpointDecimal, SnapshotJson.toFloat(Double.parseDouble(Float.toString(midpointDecimal))));
        }

        private Mlp trained(Architecture architecture, OptimizerSpec optimizer) {
            Mlp model = Mlp.initialize(architecture, optimizer, 8);
            Random random = new Random(1);
            for (int i = 0; i < 20; i++) {
                model.learn(random.doubles(5).toArray(), new double[] {random.nextInt(2), random.nextDouble()});
            }
            return model;
        }

        /** The float64 model with exactly the float32 model's values. */
        private Mlp widened(Mlp model) {
            OptimizerSpec optimizer = model.optimizer();
            double[][] state = new double[optimizer.stateVectors()][];
            for (int k = 0; k < state.length; k++) {
                state[k] = model.optimizerState(k);
            }
            return Mlp.restore(model.architecture().withDtype(Dtype.FLOAT64), optimizer, model.updates(), model.parameters(),
                    state.length == 0 ? null : state, model.optimizerSteps());
        }

        private String text(Snapshot snapshot) {
            return new String(SnapshotJson.toBytes(snapshot), StandardCharsets.UTF_8);
        }

        @Test
        void roundTripBitIdenticallyWithAndWithoutASeedAndLearnOnIdentically() {
            for (OptimizerSpec optimizer : optimizers) {
                for (Map<String, Object> extras : List.<Map<String, Object>>of(Map.of(), Map.of("seed", 8))) {
                    Mlp model = trained(shape, optimizer);
                    String json = text(new Snapshot("m", model, extras));
                    assertTrue(json.contains("\"loss\":\"binary_cross_entropy\",\"dtype\":\"float32\""), json);
                    Snapshot read = SnapshotJson.read(json.getBytes(StandardCharsets.UTF_8));
                    assertEquals(extras, read.extras());
                    Mlp restored = read.model();
                    assertEquals(Dtype.FLOAT32, restored.architecture().dtype());
                    assertTrue(restored.bitIdentical(model), optimizer.type() + " " + extras);
                    Random random = new Random(2);
                    for (int i = 0; i < 20; i++) {
                        double[] x = random.doubles(5).toArray();
                        double[] y = {random.nextInt(2), random.nextDouble()};
                        assertArrayEquals(model.learn(x, y).copyOutput(), restored.learn(x, y).copyOutput(), optimizer.type() + ", step " + i);
                    }
                    assertTrue(restored.bitIdentical(model), optimizer.type() + " " + extras + " after further learning");
                }
            }
        }

        @Test
        void writeEachValueAsTheFloatsOwnShortDecimal() {
            for (OptimizerSpec optimizer : optimizers) {
                Mlp model = trained(shape, optimizer);
                String json = text(new Snapshot("m", model));
                String values = json.substring(json.indexOf("\"layers\""));
                Matcher numbers = decimal.matcher(values);
                int count = 0;
                while (numbers.find()) {
                    String written = numbers.group();
                    assertEquals(Float.toString(Float.parseFloat(written)), written, optimizer.type() + ": a float's decimal");
                    count++;
                }
                assertTrue(count >= shape.parameterCount(), optimizer.type() + ": every value checked, found " + count);
                String wide = text(new Snapshot("m", widened(model)));
                assertTrue(json.length() < 0.7 * wide.length(), optimizer.type() + ": " + json.length() + " characters against float64's "
                        + wide.length());
            }
            Architecture one = Architecture.of(1, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR));
            String json = text(new Snapshot("m", Mlp.restore(one.withDtype(Dtype.FLOAT32), OptimizerSpec.sgd(0.1), 0,
                    new double[] {0.1f, -3.4028235e38f}, null, 0)));
            assertTrue(json.contains("\"weights\":[[0.1]],\"biases\":[-3.4028235E38]"), json);
            assertFalse(json.contains("0.10000000149011612"), json);
            assertTrue(text(new Snapshot("m", Mlp.restore(one, OptimizerSpec.sgd(0.1), 0, new double[] {0.1f, 0}, null, 0)))
                    .contains("0.10000000149011612"), "float64 writes the double");
        }

        @Test
        void aFloat64SnapshotHasNoDtypeAndAnExplicitFloat64ReadsTheSame() {
            Mlp model = trained(shape.withDtype(Dtype.FLOAT64), OptimizerSpec.sgd(0.1));
            String json = text(new Snapshot("m", model));
            assertFalse(json.contains("dtype"), json);
            String explicit = json.replace("\"loss\":\"binary_cross_entropy\",", "\"loss\":\"binary_cross_entropy\",\"dtype\":\"float64\",");
            assertTrue(explicit.contains("float64"));
            assertTrue(SnapshotJson.read(explicit.getBytes(StandardCharsets.UTF_8)).model().bitIdentical(model));
        }

        private void assertRejected(String evidence, String json) {
            SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                    () -> SnapshotJson.read(json.getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().contains(evidence), "message '" + e.getMessage() + "' should contain '" + evidence + "'");
        }

        private String definition(String dtype) {
            return """
                    {"format": "backstream.mlp/v1", "modelId": "m", "inputs": 64, "loss": "categorical_cross_entropy", DTYPE
                     "optimizer": {"type": "momentum", "learningRate": 0.05, "nesterov": true},
                     "layers": [{"units": 32, "activation": "sigmoid"}, {"units": 10, "activation": "softmax"}], "seed": 99}
                    """.replace("DTYPE", dtype);
        }

        @Test
        void anUnknownDtypeIsRejectedNamingTheFieldAndTheAcceptedValues() {
            assertRejected("dtype: expected \"float64\" or \"float32\", found", definition("\"dtype\": 32,"));
            assertRejected("dtype: unknown dtype \"float16\"; expected one of: float64, float32", definition("\"dtype\": \"float16\","));
        }

        @Test
        void aValueBeyondTheFloatRangeIsRejectedNamingItsPath() {
            String document = """
                    {"format": "backstream.mlp/v1", "modelId": "m", "inputs": 2, "loss": "squared_error", DTYPE
                     "optimizer": {"type": "momentum", "learningRate": 0.1},
                     "layers": [{"units": 1, "activation": "linear", "weights": [[0.5, WEIGHT]], "biases": [0.0]}],
                     "optimizerState": {"step": 1, "velocity": [{"weights": [[0.0, VELOCITY]], "biases": [0.0]}]}}
                    """;
            String float32 = document.replace("DTYPE", "\"dtype\": \"float32\",");
            assertRejected("layers[0].weights[0][1]: 1.0E39 is beyond the float32 range",
                    float32.replace("WEIGHT", "1e39").replace("VELOCITY", "0.25"));
            assertRejected("optimizerState.velocity[0].weights[0][1]: -1.0E39 is beyond the float32 range",
                    float32.replace("WEIGHT", "1").replace("VELOCITY", "-1e39"));
            Mlp wide = SnapshotJson.read(document.replace("DTYPE", "").replace("WEIGHT", "1e39").replace("VELOCITY", "0.25")
                    .getBytes(StandardCharsets.UTF_8)).model();
            assertEquals(1e39, wide.weight(0, 0, 1), "float64 takes the same document");
            Mlp narrow = SnapshotJson.read(float32.replace("WEIGHT", "0.1").replace("VELOCITY", "3.4028235e38")
                    .getBytes(StandardCharsets.UTF_8)).model();
            assertEquals((double) 0.1f, narrow.weight(0, 0, 1), "read as the nearest float");
            assertEquals(Float.MAX_VALUE, narrow.optimizerState(0)[1], "the largest float is in range");
        }

        @Test
        void aDefinitionInitializesTheFloat64DefinitionsParametersRoundedToFloat() {
            Mlp narrow = SnapshotJson.read(definition("\"dtype\": \"float32\",").getBytes(StandardCharsets.UTF_8)).model();
            Mlp wide = SnapshotJson.read(definition("").getBytes(StandardCharsets.UTF_8)).model();
            assertEquals(Dtype.FLOAT32, narrow.architecture().dtype());
            assertEquals(Dtype.FLOAT64, wide.architecture().dtype());
            double[] expected = wide.parameters();
            double[] actual = narrow.parameters();
            int rounded = 0;
            for (int k = 0; k < expected.length; k++) {
                assertEquals((double) (float) expected[k], actual[k], "parameter " + k);
                rounded += actual[k] != expected[k] ? 1 : 0;
            }
            assertTrue(rounded > expected.length / 2, "the float64 initial weights are rarely floats: " + rounded + " rounded");
            assertTrue(text(new Snapshot("m", narrow)).contains("\"dtype\":\"float32\""));
        }
    }
}
