package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge cases a review of the commands found, each a failing test first: a rejected command changes nothing, a
 * hostile command never stops the application, and a rollback's outcome depends on the input only.
 */
@DisplayName("Commands at their edges")
class CommandEdgeCasesTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private TopologyFixture open(Map<String, String> overrides, ModelCatalog catalog) {
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, overrides), catalog);
        return fixture;
    }

    private static String sample(int i) {
        int a = (i >> 1) & 1;
        int b = i & 1;
        return new String(new Sample("xor", new double[] {a, b}, a ^ b, null, "xor" + i).toJson(), StandardCharsets.UTF_8);
    }

    @Test
    void anUpdateRejectedForOneFieldAppliesNoneOfItsOthers() {
        TopologyFixture f = open(Map.of(), TopologyFixture.catalog(10));
        Mlp offline = f.catalog.find("xor").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        for (int i = 0; i < 20; i++) {
            if (i == 5) {
                JsonNode event = f.command(new ModelCommand.Update("u", "xor", 0.001, 3L,
                        "{\"detector\": \"adwin\", \"action\": \"challenger\"}".getBytes(StandardCharsets.UTF_8)));
                assertEquals(RejectReason.INVALID_DEFINITION.name(), event.get("reason").asText(), event.toString());
            }
            f.send("xor", sample(i));
            parser.parse(sample(i)).learnOn(offline);
        }
        assertTrue(f.storedModel("xor").bitIdentical(offline), "neither the learning rate nor anything else changed");
        assertEquals(List.of(10L, 20L), f.snapshots.readValuesToList().stream().map(v -> json(v).get("updates").asLong()).toList(),
                "the snapshot cadence did not change either");
    }

    @Test
    void aModelIdThatUtf8CannotCarryIsRejectedNotAPoisonPill() {
        TopologyFixture f = open(Map.of(), TopologyFixture.catalog(10));
        f.control.pipeInput("k".getBytes(StandardCharsets.UTF_8), "{\"command\":\"pause\",\"model\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8));
        JsonNode event = json(f.modelEvents.readValue());
        assertEquals("rejected", event.get("event").asText());
        assertEquals(RejectReason.INVALID_FIELD.name(), event.get("reason").asText());
        f.send("other", "{\"model\":\"\\ud800\",\"features\":[1,1],\"label\":1}");
        assertEquals(RejectReason.INVALID_FIELD.name(), json(f.deadLetters.readValue()).get("reason").asText(), "a sample too");
        f.send("xor", sample(0));
        assertEquals(0, json(f.predictions.readValue()).get("modelVersion").asLong(), "and the application goes on");
    }

    @Test
    void aCreateDeclaringAGiganticModelIsRejectedBeforeAnythingIsAllocated() {
        TopologyFixture f = open(Map.of(), TopologyFixture.catalog(10));
        String huge = "{\"format\": \"backstream.mlp/v1\", \"modelId\": \"huge\", \"inputs\": 1000, \"loss\": \"binary_cross_entropy\","
                + " \"optimizer\": {\"type\": \"adam\", \"learningRate\": 0.01}, \"layers\": [{\"units\": 99000, \"activation\": \"relu\"},"
                + " {\"units\": 1, \"activation\": \"sigmoid\"}], \"seed\": 1}";
        long started = System.nanoTime();
        JsonNode event = f.command(new ModelCommand.Create("h", "huge", huge.getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.INVALID_DEFINITION.name(), event.get("reason").asText());
        assertTrue(event.get("message").asText().contains("99"), event.toString());
        // a structural guard, not a timing claim: building the 99-million-parameter model takes seconds and gigabytes
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos(), "refused from the declared shape");
        JsonNode rollback = f.command(new ModelCommand.Rollback("r", "xor", null, huge.replace("\"huge\"", "\"xor\"").getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.ARCHITECTURE_MISMATCH.name(), rollback.get("reason").asText(), rollback.toString());
    }

    @Test
    void aRollbackByUpdateCountRestoresTheLatestStateRetainedAtThatCount() {
        TopologyFixture f = open(Map.of(), TopologyFixture.catalog(10));
        for (int i = 0; i < 10; i++) {
            f.send("xor", sample(i));
        }
        f.command(new ModelCommand.Reset("r", "xor", 99L));
        for (int i = 0; i < 10; i++) {
            f.send("xor", sample(i + 1));
        }
        Mlp latestAt10 = f.storedModel("xor");
        for (int i = 0; i < 3; i++) {
            f.send("xor", sample(i));
        }
        assertEquals("rolled_back", f.command(new ModelCommand.Rollback("b", "xor", 10L, null)).get("event").asText());
        assertTrue(f.storedModel("xor").bitIdentical(latestAt10), "the state after the reset, not the one before it");
    }

    @Test
    void aRollbacksOutcomeDoesNotDependOnWallClockSnapshots() {
        String[] outcomes = new String[2];
        for (int run = 0; run < 2; run++) {
            try (TopologyFixture f = new TopologyFixture(TopologyFixture.config(stateDir.resolve("run" + run), Map.of()), TopologyFixture.catalog(1000))) {
                for (int i = 0; i < 3; i++) {
                    f.send("xor", sample(i));
                }
                if (run == 0) {
                    f.driver.advanceWallClockTime(Duration.ofSeconds(11)); // a wall-clock snapshot at 3 updates
                }
                for (int i = 3; i < 5; i++) {
                    f.send("xor", sample(i));
                }
                JsonNode event = f.command(new ModelCommand.Rollback("b", "xor", 3L, null));
                outcomes[run] = event.get("event").asText() + " " + event.path("reason").asText() + " " + f.storedModel("xor").updates();
            }
        }
        assertEquals(outcomes[1], outcomes[0], "the same records, the same outcome");
        assertTrue(outcomes[0].startsWith("rejected SNAPSHOT_NOT_RETAINED"), outcomes[0]);
    }

    @Test
    void aRetainedSnapshotFromBeforeAPromotionIsNotRestoredIntoTheOtherArchitecture() throws Exception {
        ModelCatalog catalog = new ModelCatalog(List.of(ModelCatalog.loadDefinition(
                ChallengerTopologyTest.WITH_CHALLENGERS.getBytes(StandardCharsets.UTF_8), null, "t", 10)));
        TopologyFixture f = open(Map.of(), catalog);
        for (int i = 0; i < 10; i++) {
            f.send("champ", ChallengerTopologyTest.sample(i));
        }
        assertEquals("promoted", f.command(new ModelCommand.Promote("p", "champ", "wide")).get("event").asText());
        Mlp promoted = f.storedModel("champ");
        JsonNode rollback = f.command(new ModelCommand.Rollback("r", "champ", 10L, null));
        assertEquals(RejectReason.ARCHITECTURE_MISMATCH.name(), rollback.get("reason").asText(), rollback.toString());
        assertTrue(f.storedModel("champ").bitIdentical(promoted));
    }

    @Test
    void aCreateCannotTakeAChallengersId() throws Exception {
        ModelCatalog catalog = new ModelCatalog(List.of(ModelCatalog.loadDefinition(
                ChallengerTopologyTest.WITH_CHALLENGERS.getBytes(StandardCharsets.UTF_8), null, "t", 1000)));
        TopologyFixture f = open(Map.of(), catalog);
        String colliding = "{\"format\": \"backstream.mlp/v1\", \"modelId\": \"champ:wide\", \"inputs\": 2, \"loss\": \"binary_cross_entropy\","
                + " \"optimizer\": {\"type\": \"sgd\", \"learningRate\": 0.5}, \"layers\": [{\"units\": 1, \"activation\": \"sigmoid\"}], \"seed\": 7}";
        JsonNode event = f.command(new ModelCommand.Create("c", "champ:wide", colliding.getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectReason.INVALID_DEFINITION.name(), event.get("reason").asText(), event.toString());
    }
}
