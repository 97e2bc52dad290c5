package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.RejectReason;
import dev.backstream.message.SourceRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static dev.backstream.cli.UserMistakesTest.assertOneLineNaming;
import static dev.backstream.cli.UserMistakesTest.backstream;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("backstream models")
class ModelsCommandTest {
    /** Nobody listens here: a command that got as far as connecting would fail naming this address. */
    private static final String NO_BROKER = "127.0.0.1:9";

    @TempDir
    Path dir;

    /** The command that {@code backstream models ARGS} would send, with id {@code c-1}, parsed back from its JSON. */
    private static ModelCommand sent(String... args) throws IOException {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--bootstrap-servers";
        all[args.length + 1] = NO_BROKER;
        CommandLine.ParseResult parsed = new CommandLine(new ModelsCommand()).parseArgs(all);
        ModelsCommand.Writing subcommand = (ModelsCommand.Writing) parsed.subcommand().commandSpec().userObject();
        return ModelCommand.parse(subcommand.command("c-1").toJson());
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String xorDefinition() throws IOException {
        return Files.readString(Path.of("config/models/xor.json"));
    }

    @Nested
    @DisplayName("sends, through ModelCommand's one writer")
    class Commands {
        @Test
        void createWithTheFilesDefinitionAndModelId() throws IOException {
            Path definition = file("xor.json", xorDefinition());
            ModelCommand.Create create = assertInstanceOf(ModelCommand.Create.class, sent("create", "--file", definition.toString()));
            assertEquals("xor", create.model());
            assertEquals("c-1", create.id());
            assertEquals(Json.MAPPER.readTree(xorDefinition()), Json.MAPPER.readTree(create.definition()));
        }

        @Test
        void createWithModelReplacingTheDefinitionsModelId() throws IOException {
            Path definition = file("xor.json", xorDefinition());
            ModelCommand.Create create = assertInstanceOf(ModelCommand.Create.class,
                    sent("create", "--file", definition.toString(), "--model", "fraud \"eu\""));
            assertEquals("fraud \"eu\"", create.model());
            JsonNode sentDefinition = Json.MAPPER.readTree(create.definition());
            assertEquals("fraud \"eu\"", sentDefinition.get("modelId").asText(), "the definition names the same model");
            ((com.fasterxml.jackson.databind.node.ObjectNode) sentDefinition).put("modelId", "xor");
            assertEquals(Json.MAPPER.readTree(xorDefinition()), sentDefinition, "and is otherwise the file's");
        }

        @Test
        void updateWithTheGivenSettingsOnly() throws IOException {
            assertEquals(new ModelCommand.Update("c-1", "fraud", 0.01, null), sent("update", "fraud", "--learning-rate", "0.01"));
            assertEquals(new ModelCommand.Update("c-1", "fraud", null, 500L), sent("update", "fraud", "--snapshot-every-updates", "500"));
            assertEquals(new ModelCommand.Update("c-1", "fraud", 0.5, 7L),
                    sent("update", "fraud", "--learning-rate", "0.5", "--snapshot-every-updates", "7"));
        }

        @Test
        void resetWithOrWithoutASeed() throws IOException {
            assertEquals(new ModelCommand.Reset("c-1", "fraud", null), sent("reset", "fraud"));
            assertEquals(new ModelCommand.Reset("c-1", "fraud", 42L), sent("reset", "fraud", "--seed", "42"));
        }

        @Test
        void rollbackToARetainedSnapshot() throws IOException {
            ModelCommand.Rollback rollback = assertInstanceOf(ModelCommand.Rollback.class, sent("rollback", "fraud", "--to-updates", "4000"));
            assertEquals(4000L, rollback.toUpdates());
            assertNull(rollback.snapshot());
        }

        @Test
        void rollbackToASnapshotFile() throws IOException {
            Path snapshot = file("snapshot.json", xorDefinition());
            ModelCommand.Rollback rollback = assertInstanceOf(ModelCommand.Rollback.class,
                    sent("rollback", "xor", "--snapshot", snapshot.toString()));
            assertNull(rollback.toUpdates());
            assertEquals(Json.MAPPER.readTree(xorDefinition()), Json.MAPPER.readTree(rollback.snapshot()));
        }

        @Test
        void pauseResumeAndDelete() throws IOException {
            assertEquals(new ModelCommand.Pause("c-1", "fraud"), sent("pause", "fraud"));
            assertEquals(new ModelCommand.Resume("c-1", "fraud"), sent("resume", "fraud"));
            assertEquals(new ModelCommand.Delete("c-1", "fraud"), sent("delete", "fraud"));
        }

        @Test
        void promoteWithTheChallengersName() throws IOException {
            assertEquals(new ModelCommand.Promote("c-1", "fraud", "wide"), sent("promote", "fraud", "--challenger", "wide"));
        }

        @Test
        void theTopicsDefaultToTheApplicationsDefaults() {
            BackstreamConfig defaults = new BackstreamConfig(Map.of(), null);
            CommandLine.ParseResult parsed = new CommandLine(new ModelsCommand()).parseArgs("pause", "m", "--bootstrap-servers", NO_BROKER);
            ModelsCommand.Writing pause = (ModelsCommand.Writing) parsed.subcommand().commandSpec().userObject();
            assertEquals(defaults.topics().control(), pause.control.controlTopic);
            assertEquals(defaults.topics().modelEvents(), pause.control.eventsTopic);
            assertEquals(30.0, pause.control.timeoutSeconds);
        }
    }

    @Nested
    @DisplayName("refuses, before anything is sent, with one line and exit code 2")
    class Refusals {
        private void assertRefused(CommandLineOutcome outcome, String... fragments) {
            assertEquals(CommandException.CANNOT_START, outcome.exitCode(), outcome.toString());
            assertOneLineNaming(outcome.outcome, fragments);
            assertTrue(!outcome.outcome.err().contains(NO_BROKER), "refused before connecting: " + outcome.outcome.err());
        }

        private CommandLineOutcome models(String... args) {
            String[] all = new String[args.length + 3];
            all[0] = "models";
            System.arraycopy(args, 0, all, 1, args.length);
            all[args.length + 1] = "--bootstrap-servers";
            all[args.length + 2] = NO_BROKER;
            return new CommandLineOutcome(backstream(all));
        }

        @Test
        void aDefinitionFileThatIsNotJson() throws IOException {
            Path broken = file("broken.json", "{\"format\": \"backstream.mlp/v1\",\n \"modelId\": }");
            assertRefused(models("create", "--file", broken.toString()), "--file", broken.toString(), "not valid JSON", "line 2");
        }

        @Test
        void aMissingDefinitionFile() {
            Path missing = dir.resolve("missing.json");
            assertRefused(models("create", "--file", missing.toString()), "--file", missing.toString(), "no such file");
        }

        @Test
        void aDefinitionThatIsNotAModel() throws IOException {
            Path wrong = file("wrong.json", xorDefinition().replace("\"inputs\": 2", "\"inputs\": -2"));
            assertRefused(models("create", "--file", wrong.toString()), "--file", wrong.toString(), "inputs");
        }

        @Test
        void aDefinitionWithoutModelId() throws IOException {
            Path anonymous = file("anonymous.json", xorDefinition().replace("\"modelId\": \"xor\",", ""));
            assertRefused(models("create", "--file", anonymous.toString()), "--file", "modelId", "--model");
        }

        @Test
        void aSnapshotFileThatDoesNotParse() throws IOException {
            Path notASnapshot = file("snapshot.json", "{\"format\": \"something/v9\"}");
            assertRefused(models("rollback", "xor", "--snapshot", notASnapshot.toString()), "--snapshot", notASnapshot.toString());
            Path text = file("snapshot.txt", "weights: 1 2 3");
            assertRefused(models("rollback", "xor", "--snapshot", text.toString()), "--snapshot", text.toString(), "not valid JSON");
        }

        @Test
        void aRollbackWithBothOrNeitherTarget() throws IOException {
            Path snapshot = file("snapshot.json", xorDefinition());
            assertRefused(models("rollback", "xor"), "--to-updates", "--snapshot");
            assertRefused(models("rollback", "xor", "--to-updates", "3", "--snapshot", snapshot.toString()), "--to-updates", "--snapshot");
            assertRefused(models("rollback", "xor", "--to-updates", "-3"), "--to-updates", "-3");
        }

        @Test
        void anUpdateOfNothingOrToImpossibleValues() {
            assertRefused(models("update", "xor"), "--learning-rate", "--snapshot-every-updates");
            assertRefused(models("update", "xor", "--learning-rate", "0"), "--learning-rate", "0");
            assertRefused(models("update", "xor", "--learning-rate", "NaN"), "--learning-rate", "NaN");
            assertRefused(models("update", "xor", "--snapshot-every-updates", "0"), "--snapshot-every-updates", "0");
        }

        @Test
        void anEmptyModelIdOrNone() {
            assertRefused(models("pause", ""), "model ID", "empty");
            assertRefused(models("pause"), "ID");
        }

        @Test
        void aPromoteWithoutAChallengerOrWithOneThatIsNotAName() {
            assertRefused(models("promote", "fraud"), "--challenger");
            assertRefused(models("promote", "fraud", "--challenger", "wide one"), "--challenger", "wide one");
        }

        @Test
        void aTimeoutThatIsNotPositive() {
            assertRefused(models("pause", "xor", "--timeout", "0"), "--timeout");
        }

        @Test
        void noSubcommand() {
            UserMistakesTest.Outcome outcome = backstream("models");
            assertOneLineNaming(outcome, "subcommand");
            assertEquals(2, outcome.exitCode());
        }
    }

    /** An outcome with a readable toString for assertion messages. */
    private record CommandLineOutcome(UserMistakesTest.Outcome outcome) {
        int exitCode() {
            return outcome.exitCode();
        }
    }

    @Test
    @DisplayName("an unreachable broker: one line naming it, exit code 2")
    void unreachableBroker() {
        UserMistakesTest.Outcome outcome = backstream("models", "pause", "xor", "--bootstrap-servers", NO_BROKER, "--timeout", "5");
        assertEquals(2, outcome.exitCode());
        assertOneLineNaming(outcome, NO_BROKER);
    }

    @Nested
    @DisplayName("reads the outcome")
    class Outcomes {
        private final SourceRecord source = new SourceRecord("backstream.control", 0, 17, 1000);

        @Test
        void aModelEventReadsBackWithJackson() throws IOException {
            ModelEvent event = new ModelEvent(ModelEvent.FORMAT, "c-1", "fraud", ModelEvent.DRIFT_DETECTED, null, 5L, 5L, null, "drift",
                    Map.of("statistic", 0.5), "t", 1, 2, 3);
            assertEquals(event, Json.MAPPER.readValue(event.toJson(), ModelEvent.class));
            ModelEvent rejected = ModelEvent.rejected(new ModelCommand.Create("c-2", "fraud", "{}".getBytes(StandardCharsets.UTF_8)), null,
                    null, RejectReason.MODEL_EXISTS, "model 'fraud' exists", 3L, source);
            assertEquals(rejected, Json.MAPPER.readValue(rejected.toJson(), ModelEvent.class));
        }

        @Test
        void onlyTheEventWithTheCommandsId() throws IOException {
            ModelEvent other = ModelEvent.applied(new ModelCommand.Pause("c-0", "fraud"), ModelEvent.PAUSED, 3L, 3L, source);
            ModelEvent ours = ModelEvent.applied(new ModelCommand.Pause("c-1", "fraud"), ModelEvent.PAUSED, 3L, 3L, source);
            assertNull(ControlClient.answer("c-1", other.toJson()));
            assertNull(ControlClient.answer("c-1", "not json".getBytes(StandardCharsets.UTF_8)));
            assertNull(ControlClient.answer("c-1", null));
            ControlClient.Outcome outcome = ControlClient.answer("c-1", ours.toJson());
            assertEquals(ours, outcome.event());
            assertArrayEquals(ours.toJson(), outcome.json());
        }

        @Test
        void toleratesFieldsALaterVersionMayAdd() throws IOException {
            String json = new String(ModelEvent.applied(new ModelCommand.Resume("c-1", "m"), ModelEvent.RESUMED, 1L, 1L, source).toJson(),
                    StandardCharsets.UTF_8);
            byte[] extended = json.replaceFirst("\\{", "{\"newField\":[1,2],").getBytes(StandardCharsets.UTF_8);
            assertEquals(ModelEvent.RESUMED, ControlClient.answer("c-1", extended).event().event());
        }

        @Test
        void asOneSentence() {
            assertEquals("created model fraud (version 0)",
                    EventLine.of(ModelEvent.applied(new ModelCommand.Create("c", "fraud", new byte[] {'{', '}'}), ModelEvent.CREATED, null, 0L, source)));
            assertEquals("paused model fraud (version 120)",
                    EventLine.of(ModelEvent.applied(new ModelCommand.Pause("c", "fraud"), ModelEvent.PAUSED, 120L, 120L, source)));
            assertEquals("reset model fraud (version 120 -> 0)",
                    EventLine.of(ModelEvent.applied(new ModelCommand.Reset("c", "fraud", null), ModelEvent.RESET, 120L, 0L, source)));
            assertEquals("rolled back model fraud (version 120 -> 100)",
                    EventLine.of(ModelEvent.applied(new ModelCommand.Rollback("c", "fraud", 100L, null), ModelEvent.ROLLED_BACK, 120L, 100L, source)));
            assertEquals("deleted model fraud (was at version 120)",
                    EventLine.of(ModelEvent.applied(new ModelCommand.Delete("c", "fraud"), ModelEvent.DELETED, 120L, null, source)));
            assertEquals("promoted model fraud (version 120)",
                    EventLine.of(ModelEvent.applied(new ModelCommand.Promote("c", "fraud", "wide"), ModelEvent.PROMOTED, 120L, 120L, source)));
            assertEquals("rejected: MODEL_EXISTS: model 'fraud' exists",
                    EventLine.of(ModelEvent.rejected(new ModelCommand.Create("c", "fraud", new byte[] {'{', '}'}), null, null,
                            RejectReason.MODEL_EXISTS, "model 'fraud' exists", 3L, source)));
        }
    }

    @Test
    @DisplayName("every writing subcommand has the common options")
    void commonOptions() {
        CommandLine models = new CommandLine(new ModelsCommand());
        for (String name : Arrays.asList("create", "update", "reset", "rollback", "pause", "resume", "delete", "promote")) {
            CommandLine.Model.CommandSpec spec = models.getSubcommands().get(name).getCommandSpec();
            for (String option : Arrays.asList("--bootstrap-servers", "--command-config", "--control-topic", "--events-topic", "--timeout",
                    "--no-wait", "--json")) {
                assertTrue(spec.findOption(option) != null, name + " has " + option);
            }
        }
        assertThrows(CommandLine.MissingParameterException.class, () -> models.parseArgs("pause", "m"), "--bootstrap-servers is required");
    }
}
