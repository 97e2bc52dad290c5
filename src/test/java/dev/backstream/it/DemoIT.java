package dev.backstream.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
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

    @TempDir
    Path work;

    @Test
    void runsOnAnEmbeddedBrokerPrintsProgressAndScoresTheHoldoutAndNothingElse() throws Exception {
        Path jar = Path.of("target/backstream.jar");
        assertTrue(Files.exists(jar), "run `mvn package` first: the demo test runs the real jar in a child JVM");
        Path output = work.resolve("demo.txt");
        // No time is asserted: the demo gets more time than it needs to give up on its own, and the class's @Timeout
        // turns a hang into a failure. How fast the demo runs is the benchmarks' business.
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-jar", jar.toString(), "demo", "--xor", "--timeout", "PT4M")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
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

        List<String> progress = text.lines().filter(line -> line.startsWith("[")).dropWhile(line -> line.contains("waiting for the application to join")).toList();
        assertTrue(!progress.isEmpty() && progress.get(0).contains("records/s") && progress.get(0).contains("prequential accuracy"), text);
        assertTrue(text.contains("learned 11185 samples"), text);
        Matcher holdout = Pattern.compile("holdout accuracy: ([0-9.]+)").matcher(text);
        assertTrue(holdout.find(), text);
        assertTrue(Double.parseDouble(holdout.group(1)) >= 0.9, text);

        assertTrue(text.contains("the broker's own log: "), "the demo says where the broker's log is:\n" + text);
        assertTrue(Pattern.compile("(?m)^backstream demo: Prometheus metrics while the demo runs: http://127\\.0\\.0\\.1:[1-9][0-9]*/metrics$")
                .matcher(text).find(), "the demo says where its metrics are:\n" + text);
        Pattern problem = Pattern.compile("\\b(ERROR|WARN)\\b"); // the JVM's "WARNING: Using incubator modules" is not a log line
        assertTrue(text.lines().noneMatch(line -> problem.matcher(line).find()), "no ERROR or WARN lines:\n" + text);
        assertTrue(text.lines().noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception")), "no stack traces:\n" + text);
        assertTrue(!text.contains("NaN"), "no NaN before the first prediction:\n" + text);
    }
}
