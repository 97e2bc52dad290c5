package dev.backstream.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("--command-config of produce and demo")
class CommandConfigTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String... arguments) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(arguments);
    }

    @Test
    void aClientSettingsFileIsMergedUnderTheCommandLinesBootstrapServers() throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"),
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nbootstrap.servers=ignored:1\n");
        Map<String, Object> settings = CommandConfig.clientSettings(file, "broker:9093");
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "bootstrap.servers", "broker:9093"), settings);
    }

    @Test
    void produceWithAMissingFileFailsWithOneLineAndNoConnectionAttempt() {
        int exit = run("produce", "--bootstrap-servers", "127.0.0.1:1", "--dataset", "digits",
                "--command-config", dir.resolve("missing.properties").toString());
        assertEquals(2, exit);
        assertEquals("error: --command-config " + dir.resolve("missing.properties") + ": no such file", err.toString().strip());
    }

    @Test
    void demoWithAMissingFileFailsWithOneLine() {
        int exit = run("demo", "--bootstrap-servers", "127.0.0.1:1", "--command-config", dir.resolve("missing.properties").toString());
        assertEquals(2, exit);
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("no such file"), err.toString());
    }

    @Test
    void demoRefusesACommandConfigForItsPlaintextEmbeddedBroker() throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), "security.protocol=SASL_SSL\n");
        int exit = run("demo", "--command-config", file.toString());
        assertEquals(2, exit);
        assertTrue(err.toString().contains("--command-config needs --bootstrap-servers"), err.toString());
    }
}
