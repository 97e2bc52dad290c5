package dev.backstream.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's flights demo, shortened to the first 20,000 flights (January): the real jar in its own JVM, raw events
 * and delayed labels through an embedded broker, and the table it prints at the end.
 */
@DisplayName("backstream demo --dataset flights")
@Tag("integration")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FlightsDemoIT {
    private static final Pattern SUMMARY = Pattern.compile(
            "(?m)^backstream demo: log-loss over 20000 flights: online ([0-9.]+), frozen after January ([0-9.]+), majority baseline ([0-9.]+)$");

    @TempDir
    Path work;

    @Test
    void learnsFromDelayedLabelsAndBeatsTheMajorityBaselinesLogLoss() throws Exception {
        Path jar = Path.of("target/backstream.jar");
        assertTrue(Files.exists(jar), "run `mvn package` first: the demo test runs the real jar in a child JVM");
        Path output = work.resolve("demo.txt");
        String text = DemoIT.runToTheEnd(output, "--dataset", "flights", "--limit", "20000", "--label-delay", "500", "--timeout", "PT5M");

        List<String> table = text.lines().dropWhile(line -> !line.startsWith("month ")).limit(4).toList();
        assertEquals(4, table.size(), text);
        assertTrue(table.get(0).contains("online") && table.get(0).contains("frozen after Jan") && table.get(0).contains("majority baseline"), text);
        assertTrue(table.get(2).startsWith("2001-01    20000"), "one month, January, all 20,000 flights:\n" + text);
        assertTrue(table.get(3).startsWith("all        20000"), text);

        Matcher summary = SUMMARY.matcher(text);
        assertTrue(summary.find(), text);
        double online = Double.parseDouble(summary.group(1));
        double majority = Double.parseDouble(summary.group(3));
        assertTrue(online < majority, "the online model's log-loss " + online + " beats the majority baseline's " + majority + ":\n" + text);
        Matcher versions = Pattern.compile("model versions \\(updates learned\\) at their last predictions: flights v([0-9]+)").matcher(text);
        assertTrue(versions.find() && Long.parseLong(versions.group(1)) >= 10_000, "the model learned from the delayed labels:\n" + text);

        // every label joins its event: none is evicted, none waits past the TTL
        assertTrue(text.lines().anyMatch(line -> line.contains("dead letters: none")), "no dead letters:\n" + text);

        Pattern problem = Pattern.compile("\\b(ERROR|WARN)\\b");
        assertTrue(text.lines().noneMatch(line -> problem.matcher(line).find()), "no ERROR or WARN lines:\n" + text);
        assertTrue(text.lines().noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception")), "no stack traces:\n" + text);
    }
}
