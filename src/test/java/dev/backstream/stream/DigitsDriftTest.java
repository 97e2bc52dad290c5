package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.data.Digits;
import dev.backstream.data.LabeledRow;
import dev.backstream.message.Sample;
import dev.backstream.model.ModelCatalog;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drift demonstration on real data: the digits stream (four shuffled passes) with its labels permuted half-way
 * (digit d is labelled (d + 3) mod 10 from then on), learned by the shipped digits model with ADWIN on its
 * prequential error. The detector fires after the permutation and never before (the fall of the error while the model
 * first learns is not drift); with the reset action the model starts again, with none it unlearns the old mapping. The prequential accuracy around the change goes to
 * {@code target/drift-digits.txt} (quoted in the README).
 */
@DisplayName("Drift on the digits stream")
class DigitsDriftTest {
    @TempDir
    Path stateDir;

    private record Run(int detectedAt, double[] accuracy) {
    }

    private Run run(String action, List<Sample> stream, int change) throws Exception {
        Path models = Files.createDirectories(stateDir.resolve(action + "-models"));
        String definition = Files.readString(Path.of("config/models/digits.json")).trim();
        definition = definition.substring(0, definition.length() - 1) + ", \"drift\": {\"detector\": \"adwin\", \"action\": \"" + action + "\"}}";
        Files.writeString(models.resolve("digits.json"), definition);
        try (TopologyFixture f = new TopologyFixture(TopologyFixture.config(stateDir.resolve(action), Map.of()), ModelCatalog.load(models, 1_000_000))) {
            int detectedAt = -1;
            int[] correct = new int[stream.size()];
            for (int i = 0; i < stream.size(); i++) {
                f.send("digits", new String(stream.get(i).toJson(), StandardCharsets.UTF_8));
                JsonNode prediction = json(f.predictions.readValue());
                correct[i] = prediction.get("predictedClass").asInt() == stream.get(i).label() ? 1 : 0;
                while (!f.modelEvents.isEmpty()) {
                    JsonNode event = json(f.modelEvents.readValue());
                    assertEquals("drift_detected", event.get("event").asText());
                    assertTrue(i >= change, "no alarm before the permutation; one at sample " + i + ": " + event);
                    if (detectedAt < 0) {
                        detectedAt = i;
                    }
                }
            }
            // prequential accuracy per block of 500 samples
            double[] accuracy = new double[stream.size() / 500];
            for (int b = 0; b < accuracy.length; b++) {
                int sum = 0;
                for (int i = b * 500; i < (b + 1) * 500; i++) {
                    sum += correct[i];
                }
                accuracy[b] = sum / 500.0;
            }
            return new Run(detectedAt, accuracy);
        }
    }

    @Test
    void permutedLabelsAreDetectedWithinAFewDozenSamplesAfterThePermutationAndNeverBefore() throws Exception {
        List<LabeledRow> rows = new ArrayList<>(Digits.load());
        List<Sample> stream = new ArrayList<>();
        Random random = new Random(42);
        for (int pass = 0; pass < 4; pass++) {
            Collections.shuffle(rows, random);
            for (LabeledRow row : rows) {
                stream.add(new Sample("digits", row.features(), row.label(), null, null));
            }
        }
        int change = stream.size() / 2;
        for (int i = change; i < stream.size(); i++) {
            Sample s = stream.get(i);
            stream.set(i, new Sample("digits", s.features(), (s.label() + 3) % 10, null, null));
        }
        Run reset = run("reset", stream, change);
        Run none = run("none", stream, change);
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "digits, 4 shuffled passes (%d samples), labels permuted (d -> d+3 mod 10) at sample %d; ADWIN on the prequential error%n"
                        + "first detection after the change: reset %d (+%d), none %d (+%d)%n"
                        + "prequential accuracy per 500 samples (reset | none):%n", stream.size(), change, reset.detectedAt(),
                reset.detectedAt() - change, none.detectedAt(), none.detectedAt() - change));
        for (int b = 0; b < reset.accuracy().length; b++) {
            report.append(String.format(Locale.ROOT, "  %5d-%5d  %.3f | %.3f%n", b * 500, (b + 1) * 500 - 1, reset.accuracy()[b], none.accuracy()[b]));
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/drift-digits.txt"), report);
        assertTrue(reset.detectedAt() >= change && reset.detectedAt() < change + 100, report.toString());
        assertEquals(reset.detectedAt(), none.detectedAt(), "the same detector on the same errors until the first detection");
    }
}
