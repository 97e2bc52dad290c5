package dev.backstream.it;

import dev.backstream.cli.Main;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("backstream demo")
class DemoIT {

    @Test
    void runsOnAnEmbeddedBrokerPrintsProgressAndScoresTheHoldout() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        long start = System.nanoTime();
        int exit = cli.execute("demo", "--xor");
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = out.toString();
        assertEquals(0, exit, text);
        assertTrue(seconds < 120, "the demo must finish within 2 minutes, took " + seconds);
        List<String> progress = text.lines().filter(line -> line.startsWith("[")).toList();
        assertTrue(!progress.isEmpty() && progress.get(0).contains("records/s") && progress.get(0).contains("prequential accuracy"), text);
        assertTrue(text.contains("learned 11185 samples"), text);
        Matcher holdout = Pattern.compile("holdout accuracy: ([0-9.]+)").matcher(text);
        assertTrue(holdout.find(), text);
        assertTrue(Double.parseDouble(holdout.group(1)) >= 0.9, text);
    }
}
