package dev.backstream.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command answers a user's mistake with one line on stderr that names it, and a non-zero exit code; never a
 * stack trace.
 */
@DisplayName("A user's mistake on the command line")
class UserMistakesTest {

    private static final String DEFINITION = """
            {"format": "backstream.mlp/v1", "modelId": "xor", "inputs": 2, "loss": "binary_cross_entropy",
             "optimizer": {"type": "sgd", "learningRate": 0.5},
             "layers": [{"units": 2, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": 1}
            """;

    @TempDir
    Path dir;

    /** What one command printed and returned. */
    record Outcome(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(line -> !line.isBlank()).toList();
        }
    }

    static Outcome backstream(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    /** One line on stderr containing every fragment, a non-zero exit code and no stack trace anywhere. */
    static void assertOneLineNaming(Outcome outcome, String... fragments) {
        String all = outcome.out() + outcome.err();
        assertNotEquals(0, outcome.exitCode(), all);
        assertEquals(1, outcome.errLines().size(), "exactly one line on stderr:\n" + outcome.err());
        String line = outcome.errLines().get(0);
        for (String fragment : fragments) {
            assertTrue(line.contains(fragment), "'" + line + "' should name " + fragment);
        }
        assertFalse(all.contains("\tat ") || all.contains("Exception"), "no stack trace, no exception class names:\n" + all);
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Nested
    @DisplayName("backstream run")
    class Run {
        @Test
        void aMissingConfigFileIsNamed() {
            Path missing = dir.resolve("nope.properties");
            assertOneLineNaming(backstream("run", "--config", missing.toString()), "--config", missing.toString(), "no such file");
        }

        @Test
        void aConfigThatIsADirectoryIsNamed() {
            assertOneLineNaming(backstream("run", "--config", dir.toString()), "--config", dir.toString(), "directory");
        }

        @Test
        void aMissingModelsDirectoryIsNamed() throws IOException {
            Path config = file("backstream.properties", "models.dir=absent\n");
            assertOneLineNaming(backstream("run", "--config", config.toString()), "models.dir", "absent");
        }

        @Test
        void aMissingRequiredOptionIsOneLine() {
            assertOneLineNaming(backstream("run"), "--config");
        }
    }

    @Nested
    @DisplayName("backstream config")
    class Config {
        @Test
        void printsTheEffectiveSettingsWithSecretsHidden() throws IOException {
            Path config = file("backstream.properties", "application.id=fraud\nsecurity.protocol=SASL_SSL\n"
                    + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"s3cret\";\n");
            Outcome outcome = backstream("config", "--config", config.toString());
            assertEquals(0, outcome.exitCode(), outcome.err());
            assertTrue(outcome.out().contains("application.id=fraud\n"), outcome.out());
            assertTrue(outcome.out().contains("max.record.bytes=1048576\n"), "defaults too: " + outcome.out());
            assertTrue(outcome.out().contains("sasl.jaas.config=[hidden]\n"), outcome.out());
            assertFalse(outcome.out().contains("s3cret"), outcome.out());
        }

        @Test
        void aMissingConfigFileIsNamed() {
            Path missing = dir.resolve("nope.properties");
            assertOneLineNaming(backstream("config", "--config", missing.toString()), "--config", missing.toString(), "no such file");
        }

        @Test
        void aBadValueIsNamed() throws IOException {
            Path config = file("backstream.properties", "max.record.bytes=lots\n");
            assertOneLineNaming(backstream("config", "--config", config.toString()), "max.record.bytes", "lots");
        }
    }

    @Nested
    @DisplayName("backstream train")
    class Train {
        @Test
        void aMissingInitFileIsNamed() throws IOException {
            Path samples = file("samples.jsonl", "{\"model\":\"xor\",\"features\":[0,1],\"label\":1}\n");
            Path missing = dir.resolve("missing.json");
            assertOneLineNaming(backstream("train", "--init", missing.toString(), "--samples", samples.toString(),
                    "--snapshot-out", dir.resolve("out.json").toString()), "--init", missing.toString(), "no such file");
        }

        @Test
        void aMissingSamplesFileIsNamedAndNothingIsWritten() throws IOException {
            Path init = file("xor.json", DEFINITION);
            Path missing = dir.resolve("missing.jsonl");
            Outcome outcome = backstream("train", "--init", init.toString(), "--samples", missing.toString(),
                    "--snapshot-out", dir.resolve("out.json").toString());
            assertOneLineNaming(outcome, "--samples", missing.toString(), "no such file");
            assertTrue(Files.notExists(dir.resolve("out.json")));
        }

        @Test
        void samplesThatAreADirectoryAreNamed() throws IOException {
            Path init = file("xor.json", DEFINITION);
            assertOneLineNaming(backstream("train", "--init", init.toString(), "--samples", dir.toString(),
                    "--snapshot-out", dir.resolve("out.json").toString()), "--samples", "directory");
        }

        @Test
        void anOutputInAMissingDirectoryIsNamed() throws IOException {
            Path init = file("xor.json", DEFINITION);
            Path samples = file("samples.jsonl", "{\"model\":\"xor\",\"features\":[0,1],\"label\":1}\n");
            Path out = dir.resolve("no-such-dir").resolve("out.json");
            assertOneLineNaming(backstream("train", "--init", init.toString(), "--samples", samples.toString(),
                    "--snapshot-out", out.toString()), "--snapshot-out", out.getParent().toString());
        }

        @Test
        void aBadEpochCountIsOneLine() throws IOException {
            Path init = file("xor.json", DEFINITION);
            Path samples = file("samples.jsonl", "{\"model\":\"xor\",\"features\":[0,1],\"label\":1}\n");
            assertOneLineNaming(backstream("train", "--init", init.toString(), "--samples", samples.toString(),
                    "--snapshot-out", dir.resolve("o.json").toString(), "--epochs", "0"), "--epochs");
        }
    }

    @Nested
    @DisplayName("backstream produce")
    class Produce {
        @Test
        void aMissingFileIsNamed() {
            Path missing = dir.resolve("missing.jsonl");
            assertOneLineNaming(backstream("produce", "--bootstrap-servers", "127.0.0.1:9", "--file", missing.toString()),
                    "--file", missing.toString(), "no such file");
        }

        @Test
        void anUnknownDataSetIsOneLine() {
            assertOneLineNaming(backstream("produce", "--bootstrap-servers", "127.0.0.1:9", "--dataset", "iris"), "iris");
        }
    }

    @Nested
    @DisplayName("an unreachable broker")
    class UnreachableBroker {
        private final String address = "127.0.0.1:" + closedPort();

        @Test
        void failsProduceWithOneLineNamingTheAddress() {
            Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> backstream("produce", "--bootstrap-servers", address, "--dataset", "digits"));
            assertOneLineNaming(outcome, address);
            assertFalse(outcome.out().contains("produced"), outcome.out());
        }

        @Test
        void failsTheDemoWithOneLineNamingTheAddress() {
            Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> backstream("demo", "--bootstrap-servers", address));
            assertOneLineNaming(outcome, address);
        }

        @Test
        void anUnknownHostIsNamed() {
            assertOneLineNaming(assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> backstream("produce", "--bootstrap-servers", "no-such-host.invalid:9092", "--dataset", "digits")),
                    "no-such-host.invalid:9092");
        }

        /** A loopback port nothing listens on (bound, then released). */
        private static int closedPort() {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void anUnknownCommandIsOneLine() {
        assertOneLineNaming(backstream("serve"), "serve");
    }
}
