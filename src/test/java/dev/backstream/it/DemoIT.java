package dev.backstream.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's demo, run as a newcomer runs it: the real jar in its own JVM, everything it prints on stdout and stderr.
 */
@DisplayName("backstream demo")
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DemoIT {

    private static final Pattern DASHBOARD = Pattern.compile("(?m)^backstream demo: dashboard: (http://127\\.0\\.0\\.1:[1-9][0-9]*/)$");

    @TempDir
    Path work;

    /**
     * Runs {@code backstream demo} with {@code options} to its end, its output into {@code output}: the output, once the
     * demo exited with 0. The test's timeout interrupts the wait and turns a hang into a failure with the output so far.
     */
    static String runToTheEnd(Path output, String... options) throws Exception {
        Process demo = demo(options).redirectOutput(output.toFile()).start();
        int exit;
        try {
            exit = demo.waitFor();
        } catch (InterruptedException timedOut) {
            throw new AssertionError("the demo did not finish:\n" + Files.readString(output), timedOut);
        } finally {
            demo.destroyForcibly();
        }
        String text = Files.readString(output);
        assertEquals(0, exit, text);
        return text;
    }

    private static ProcessBuilder demo(String... options) {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-jar", "target/backstream.jar", "demo"));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    @Test
    void runsOnAnEmbeddedBrokerPrintsProgressAndScoresTheHoldoutAndNothingElse() throws Exception {
        Path jar = Path.of("target/backstream.jar");
        assertTrue(Files.exists(jar), "run `mvn package` first: the demo test runs the real jar in a child JVM");
        Path output = work.resolve("demo.txt");
        // No time is asserted: the demo gets more time than it needs to give up on its own, and the class's @Timeout
        // turns a hang into a failure. How fast the demo runs is the benchmarks' business.
        String text = runToTheEnd(output, "--xor", "--timeout", "PT4M");

        List<String> progress = text.lines().filter(line -> line.startsWith("[")).dropWhile(line -> line.contains("waiting for the application to join")).toList();
        assertTrue(!progress.isEmpty() && progress.get(0).contains("records/s") && progress.get(0).contains("prequential accuracy"), text);
        assertTrue(text.contains("learned 11185 samples"), text);
        Matcher holdout = Pattern.compile("holdout accuracy: ([0-9.]+)").matcher(text);
        assertTrue(holdout.find(), text);
        assertTrue(Double.parseDouble(holdout.group(1)) >= 0.9, text);

        assertTrue(text.contains("the broker's own log: "), "the demo says where the broker's log is:\n" + text);
        assertTrue(Pattern.compile("(?m)^backstream demo: Prometheus metrics while the demo runs: http://127\\.0\\.0\\.1:[1-9][0-9]*/metrics$")
                .matcher(text).find(), "the demo says where its metrics are:\n" + text);
        assertTrue(Pattern.compile("(?m)^backstream demo: learning curves \\(backstream\\.metrics/v1, one record per model every [1-9][0-9]* ms\\) on "
                + "backstream\\.metrics$").matcher(text).find(), "the demo names the metrics topic:\n" + text);
        assertTrue(DASHBOARD.matcher(text).find(), "the demo says where its dashboard is:\n" + text);
        Pattern problem = Pattern.compile("\\b(ERROR|WARN)\\b"); // the JVM's "WARNING: Using incubator modules" is not a log line
        assertTrue(text.lines().noneMatch(line -> problem.matcher(line).find()), "no ERROR or WARN lines:\n" + text);
        assertTrue(text.lines().noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception")), "no stack traces:\n" + text);
        assertTrue(!text.contains("NaN"), "no NaN before the first prediction:\n" + text);
    }

    @Test
    void keepsServingTheDashboardAndStreamingUntilStoppedThenShutsDownCleanly() throws Exception {
        assertTrue(Files.exists(Path.of("target/backstream.jar")), "run `mvn package` first: the demo test runs the real jar in a child JVM");
        Path output = work.resolve("demo.txt");
        Process demo = demo("--keep-running", "--passes", "1", "--holdout", "0", "--timeout", "PT4M").redirectOutput(output.toFile()).start();
        try {
            KafkaTestSupport.waitUntil("the demo loops over its samples", Duration.ofMinutes(3),
                    () -> Files.readString(output).contains("streamed the samples again (1 time since the demo)") || !demo.isAlive());
            String text = Files.readString(output);
            assertTrue(demo.isAlive(), "the demo keeps running:\n" + text);
            Matcher dashboard = DASHBOARD.matcher(text);
            assertTrue(dashboard.find(), text);
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(dashboard.group(1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>Backstream</title>"), page.body());

            demo.destroy(); // SIGTERM: the same shutdown as Ctrl-C
            assertTrue(demo.waitFor(90, TimeUnit.SECONDS), "the demo stops when asked:\n" + Files.readString(output));
        } finally {
            demo.destroyForcibly();
        }
        String text = Files.readString(output);
        assertTrue(text.contains("backstream demo: stopping: closing the producer, the application and the broker"), text);
        assertTrue(text.lines().anyMatch(line -> line.matches("backstream demo: done in [0-9.]+ s; shutting down")), text);
        Pattern problem = Pattern.compile("\\b(ERROR|WARN)\\b");
        assertTrue(text.lines().noneMatch(line -> problem.matcher(line).find()), "no ERROR or WARN lines:\n" + text);
        assertTrue(text.lines().noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception")), "no stack traces:\n" + text);
    }
}
