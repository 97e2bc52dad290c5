package dev.backstream.model;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("A definition with challengers")
class ChallengerDefinitionTest {
    private static final String CHAMPION = """
            {"format": "backstream.mlp/v1", "modelId": "m", "inputs": 2, "loss": "binary_cross_entropy",
             "optimizer": {"type": "sgd", "learningRate": 0.5},
             "layers": [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": 7 EXTRA}
            """;
    private static final String WIDE = """
            {"name": "wide", "optimizer": {"type": "adam", "learningRate": 0.01},
             "layers": [{"units": 16, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 5}""";
    private static final String DEEP = """
            {"name": "deep.v2", "optimizer": {"type": "sgd", "learningRate": 0.1},
             "layers": [{"units": 4, "activation": "relu"}, {"units": 4, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}], "seed": 9}""";

    private static ModelDefinition load(String extra) throws IOException {
        return ModelCatalog.loadDefinition(CHAMPION.replace(" EXTRA", extra).getBytes(StandardCharsets.UTF_8), null, "m.json", 1000);
    }

    private static String refusal(String extra) {
        return assertThrows(IllegalArgumentException.class, () -> load(extra)).getMessage();
    }

    @Test
    void eachChallengerIsADefinitionWithTheChampionsInputsAndLossAndItsOwnId() throws IOException {
        ModelDefinition definition = load(", \"challengers\": [" + WIDE + ", " + DEEP + "]");
        assertEquals(List.of("wide", "deep.v2"), List.copyOf(definition.challengers().keySet()), "in declaration order");
        ModelDefinition wide = definition.challengers().get("wide");
        assertEquals("m:wide", wide.id());
        assertEquals(2, wide.architecture().inputs());
        assertEquals(definition.architecture().loss(), wide.architecture().loss());
        assertEquals("adam", wide.optimizer().type());
        assertEquals(16, wide.architecture().width(1));
        assertEquals(3, definition.challengers().get("deep.v2").architecture().depth());
        assertEquals(4, definition.architecture().width(1), "the champion is as declared");
    }

    @Test
    void aModelIdWithAColonIsRefusedBecauseChallengersOwnThatSpelling() {
        String message = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.loadDefinition(
                CHAMPION.replace(" EXTRA", "").replace("\"modelId\": \"m\"", "\"modelId\": \"m:wide\"").getBytes(StandardCharsets.UTF_8),
                null, "m.json", 1000)).getMessage();
        assertTrue(message.contains("reserved for challengers"), message);
    }

    @Nested
    @DisplayName("is refused, naming the challenger, when")
    class Refusals {
        @Test
        void itsOutputLayerDiffersFromTheChampions() {
            String message = refusal(", \"challengers\": [" + WIDE.replace("{\"units\": 1, \"activation\": \"sigmoid\"}",
                    "{\"units\": 2, \"activation\": \"sigmoid\"}") + "]");
            assertTrue(message.contains("m.json") && message.contains("'wide'") && message.contains("output layer"), message);
        }

        @Test
        void aNameIsUsedTwiceOrIsNotAName() {
            assertTrue(refusal(", \"challengers\": [" + WIDE + ", " + WIDE + "]").contains("\"wide\": the name is used twice"));
            assertTrue(refusal(", \"challengers\": [" + WIDE.replace("\"wide\"", "\"wide one\"") + "]").contains("\"name\""));
            assertTrue(refusal(", \"challengers\": [" + WIDE.replace("\"name\": \"wide\", ", "") + "]").contains("\"name\""));
        }

        @Test
        void itDeclaresWhatItInheritsFromTheChampion() {
            String message = refusal(", \"challengers\": [" + WIDE.replace("\"seed\": 5", "\"seed\": 5, \"inputs\": 3") + "]");
            assertTrue(message.contains("\"wide\"") && message.contains("\"inputs\" is the champion's"), message);
        }

        @Test
        void itIsNotAValidModel() {
            String message = refusal(", \"challengers\": [" + WIDE.replace("\"adam\"", "\"nope\"") + "]");
            assertTrue(message.contains("challengers[0] \"wide\""), message);
        }

        @Test
        void theDriftActionIsChallengerAndThereIsNone() {
            String message = refusal(", \"drift\": {\"action\": \"challenger\"}");
            assertTrue(message.contains("\"challenger\" needs at least one challenger"), message);
        }

        @Test
        void thePromotionConditionIsOutOfRange() {
            String challengers = ", \"challengers\": [" + WIDE + "]";
            assertTrue(refusal(challengers + ", \"drift\": {\"action\": \"challenger\", \"promotion\": {\"margin\": 1.5}}")
                    .contains("drift.promotion.margin"));
            assertTrue(refusal(challengers + ", \"drift\": {\"action\": \"challenger\", \"promotion\": {\"samples\": 0}}")
                    .contains("drift.promotion.samples"));
            assertTrue(refusal(challengers + ", \"drift\": {\"action\": \"challenger\", \"promotion\": {\"window\": 3}}")
                    .contains("\"window\" is not a field"));
        }
    }

    @Test
    void thePromotionConditionDefaultsToAFivePercentMarginOverFiveHundredSamples() throws IOException {
        ModelDefinition defaults = load(", \"challengers\": [" + WIDE + "], \"drift\": {\"action\": \"challenger\"}");
        assertEquals(DriftSpec.Action.CHALLENGER, defaults.drift().action());
        assertEquals(new DriftSpec.Promotion(0.05, 500), defaults.drift().promotion());
        ModelDefinition declared = load(", \"challengers\": [" + WIDE + "], \"drift\": {\"action\": \"challenger\", \"promotion\": {\"margin\": 0.1, \"samples\": 50}}");
        assertEquals(new DriftSpec.Promotion(0.1, 50), declared.drift().promotion());
        DriftSpec.Promotion promotion = declared.drift().promotion();
        assertTrue(promotion.beats(0.89, 50, 1.0, 50));
        assertTrue(!promotion.beats(0.9, 50, 1.0, 50), "relative: below champion × (1 − margin)");
        assertTrue(!promotion.beats(0.1, 49, 1.0, 50), "both windows hold enough samples");
    }

    @Nested
    @DisplayName("in its binary encoding")
    class Encoding {
        @Test
        void roundTripsWithItsChallengersAndDrift() throws IOException {
            ModelDefinition definition = load(", \"challengers\": [" + WIDE + ", " + DEEP + "], \"drift\": {\"action\": \"challenger\"}");
            ModelDefinition decoded = ModelDefinition.decode(definition.encode());
            assertArrayEquals(definition.encode(), decoded.encode());
            assertEquals(List.of("wide", "deep.v2"), List.copyOf(decoded.challengers().keySet()));
            assertTrue(decoded.challengers().get("wide").newModel().bitIdentical(definition.challengers().get("wide").newModel()));
            assertEquals(definition.drift(), decoded.drift());
        }

        @Test
        void stillReadsEncodingsThreeTwoAndOneWithoutFeaturesChallengersOrDrift() throws IOException {
            ModelDefinition withChallengers = load(", \"challengers\": [" + WIDE + "], \"drift\": {\"detector\": \"adwin\"}");
            byte[] four = withChallengers.encode();
            byte[] three = version(Arrays.copyOf(four, four.length - 8), 3); // encoding 3 ends after the challengers
            ModelDefinition fromThree = ModelDefinition.decode(three);
            assertEquals(List.of("wide"), List.copyOf(fromThree.challengers().keySet()));
            assertNull(fromThree.features());
            assertArrayEquals(four, fromThree.encode());
            byte[] withDrift = load(", \"drift\": {\"detector\": \"adwin\"}").encode();
            byte[] two = version(Arrays.copyOf(withDrift, withDrift.length - 12), 2); // encoding 2 ends after the drift JSON
            ModelDefinition fromTwo = ModelDefinition.decode(two);
            assertTrue(fromTwo.challengers().isEmpty());
            assertEquals("adwin", fromTwo.drift().settings().type());
            byte[] plain = load("").encode();
            byte[] one = version(Arrays.copyOf(plain, plain.length - 16), 1); // encoding 1 ends after the model
            ModelDefinition fromOne = ModelDefinition.decode(one);
            assertNull(fromOne.drift());
            assertTrue(fromOne.newModel().bitIdentical(load("").newModel()));
        }

        private static byte[] version(byte[] bytes, int version) {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) version);
            return bytes;
        }
    }

    @Test
    void aPromotionSwapsTheChampionsAndTheChallengersStartingModels() throws IOException {
        ModelDefinition definition = load(", \"challengers\": [" + WIDE + ", " + DEEP + "]");
        ModelDefinition promoted = definition.promote("wide");
        assertEquals("m", promoted.id());
        assertTrue(promoted.newModel().bitIdentical(definition.challengers().get("wide").newModel()));
        assertEquals("m:wide", promoted.challengers().get("wide").id());
        assertTrue(promoted.challengers().get("wide").newModel().bitIdentical(definition.newModel()));
        assertTrue(promoted.challengers().get("deep.v2").newModel().bitIdentical(definition.challengers().get("deep.v2").newModel()));
        assertTrue(promoted.promote("wide").newModel().bitIdentical(definition.newModel()), "promoting back restores it");
        assertThrows(IllegalArgumentException.class, () -> definition.promote("narrow"));
    }
}
