package dev.backstream.it;

import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.cli.Main;
import dev.backstream.json.Json;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.Sample;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("backstream models against an application running on a real broker")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelsCliIT extends WithEmbeddedBroker {
    private static final String MODEL = "xor-cli";
    private static final int SAMPLES = 200;

    @TempDir
    Path stateDir;

    /** What one {@code backstream} command printed and returned. */
    private record Run(int exitCode, String out, String err) {
        /** The one line the command printed on stdout. */
        String line() {
            List<String> lines = out.lines().filter(line -> !line.isBlank()).toList();
            assertEquals(1, lines.size(), "one line on stdout:\n" + out + "\nstderr:\n" + err);
            return lines.get(0);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + out + "stderr:\n" + err;
        }
    }

    /** Runs {@code backstream models ARGS} in this JVM, capturing what it prints. */
    private static Run backstream(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code backstream models SUBCOMMAND ARGS} with the broker and the application's two topics. */
    private static Run models(BackstreamConfig config, String... args) {
        List<String> all = new ArrayList<>(List.of("models"));
        all.addAll(List.of(args));
        all.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--control-topic", config.topics().control(),
                "--events-topic", config.topics().modelEvents(), "--timeout", "60"));
        return backstream(all.toArray(String[]::new));
    }

    private static void assertApplied(Run run, String expectedLine) {
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(expectedLine, run.line(), run.toString());
        assertEquals("", run.err(), run.toString());
    }

    private static void assertRejected(Run run, String reason) {
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.line().startsWith("rejected: " + reason + ": "), run.toString());
    }

    @Test
    void createsLearnsPausesResumesUpdatesRollsBackResetsAndDeletesAModelPrintingEachOutcome() throws Exception {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "models-cli", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 2);
        try (BackstreamApp app = new BackstreamApp(config, EndToEndIT.shippedModels())) {
            app.start();

            assertApplied(models(config, "create", "--file", "config/models/xor.json", "--model", MODEL), "created model " + MODEL + " (version 0)");
            assertRejected(models(config, "create", "--file", "config/models/xor.json", "--model", MODEL), "MODEL_EXISTS");

            List<String[]> samples = new ArrayList<>();
            for (int i = 0; i < SAMPLES; i++) {
                int a = (i >> 1) & 1;
                int b = i & 1;
                samples.add(new String[] {MODEL, EndToEndIT.sampleText(new Sample(MODEL, new double[] {a, b}, a ^ b, null, null))});
            }
            KafkaTestSupport.produce(kafka, config.topics().samples(), samples);
            KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofSeconds(90),
                    read -> predictionsOf(read) >= SAMPLES);

            assertApplied(models(config, "pause", MODEL), "paused model " + MODEL + " (version " + SAMPLES + ")");
            assertApplied(models(config, "resume", MODEL), "resumed model " + MODEL + " (version " + SAMPLES + ")");
            assertApplied(models(config, "update", MODEL, "--learning-rate", "0.1"), "updated model " + MODEL + " (version " + SAMPLES + ")");

            assertRejected(models(config, "rollback", MODEL, "--to-updates", "150"), "SNAPSHOT_NOT_RETAINED");

            Run reset = models(config, "reset", MODEL, "--json");
            assertEquals(0, reset.exitCode(), reset.toString());
            ModelEvent event = Json.MAPPER.readValue(reset.line(), ModelEvent.class);
            assertEquals(ModelEvent.RESET, event.event());
            assertEquals(MODEL, event.model());
            assertTrue(event.commandId().startsWith("cli-"), event.commandId());
            assertEquals((Long) (long) SAMPLES, event.versionBefore());
            assertEquals((Long) 0L, event.versionAfter());

            assertApplied(models(config, "rollback", MODEL, "--snapshot", "config/models/xor.json"), "rolled back model " + MODEL + " (version 0)");

            Run list = backstream("models", "list", "--url", app.httpUrl(""));
            assertEquals(0, list.exitCode(), list.toString());
            assertTrue(list.out().lines().anyMatch(line -> line.startsWith("xor ")), "the shipped models are listed:\n" + list.out());

            assertApplied(models(config, "delete", MODEL), "deleted model " + MODEL + " (was at version 0)");
            assertRejected(models(config, "pause", MODEL), "UNKNOWN_MODEL");
            assertApplied(models(config, "create", "--file", "config/models/xor.json", "--model", MODEL), "created model " + MODEL + " (version 0)");
        }
    }

    @Test
    void withoutARunningApplicationItGivesUpNamingTheTopics() {
        BackstreamConfig config = new BackstreamConfig(KafkaTestSupport.uniqueSettings(kafka, "models-cli-alone", stateDir), null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        Run run = backstream("models", "pause", MODEL, "--bootstrap-servers", kafka.bootstrapServers(), "--control-topic", config.topics().control(),
                "--events-topic", config.topics().modelEvents(), "--timeout", "2");
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("", run.out(), run.toString());
        List<String> errLines = run.err().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(1, errLines.size(), run.toString());
        String line = errLines.get(0);
        assertTrue(line.contains("may not be running") && line.contains(config.topics().control()) && line.contains(config.topics().modelEvents()),
                line);
        assertFalse(run.err().contains("Exception"), run.toString());

        Run noWait = backstream("models", "resume", MODEL, "--bootstrap-servers", kafka.bootstrapServers(), "--control-topic", config.topics().control(),
                "--no-wait");
        assertEquals(0, noWait.exitCode(), noWait.toString());
        assertTrue(noWait.line().startsWith("sent resume command cli-"), noWait.toString());
        List<ConsumerRecord<byte[], byte[]>> commands = KafkaTestSupport.readUntil(kafka, config.topics().control(), Duration.ofSeconds(30),
                read -> read.size() >= 2);
        assertEquals(List.of("pause", "resume"), commands.stream().map(record -> json(record.value()).get("command").asText()).toList());
        assertEquals(MODEL, new String(commands.get(0).key(), java.nio.charset.StandardCharsets.UTF_8), "keyed by the model id");
    }

    @Test
    void aTopicThatDoesNotExistIsNamed() {
        Run run = backstream("models", "pause", MODEL, "--bootstrap-servers", kafka.bootstrapServers(), "--control-topic", "no-such-control",
                "--timeout", "10");
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("topic no-such-control does not exist"), run.toString());
    }

    private static long predictionsOf(List<ConsumerRecord<byte[], byte[]>> read) {
        return read.stream().filter(record -> MODEL.equals(json(record.value()).path("model").asText())).count();
    }
}
