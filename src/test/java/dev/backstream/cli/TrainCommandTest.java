package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("backstream train")
class TrainCommandTest {

    private static final String DEFINITION = """
            {"format": "backstream.mlp/v1", "modelId": "blobs", "inputs": 3, "loss": "categorical_cross_entropy",
             "optimizer": {"type": "adam", "learningRate": 0.01},
             "layers": [{"units": 8, "activation": "tanh"}, {"units": 3, "activation": "softmax"}], "seed": 5}
            """;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int train(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 1];
        full[0] = "train";
        System.arraycopy(args, 0, full, 1, args.length);
        return cli.execute(full);
    }

    /** Three Gaussian blobs, one JSON line each, with ids. */
    private static List<String> blobLines(int count, long seed) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(3);
            double[] x = new double[3];
            for (int j = 0; j < 3; j++) {
                x[j] = (j == label ? 2.0 : 0.0) + 0.5 * random.nextGaussian();
            }
            lines.add(new String(new Sample("blobs", x, label, null, "s" + i).toJson(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return lines;
    }

    @Test
    void givesTheSameModelAsTheLearnerAppliedLineByLineAndOnePredictionPerLine() throws IOException {
        Path definition = Files.writeString(dir.resolve("definition.json"), DEFINITION);
        List<String> lines = blobLines(500, 1);
        Path samples = Files.write(dir.resolve("samples.jsonl"), lines);
        Path snapshot = dir.resolve("out.json");
        Path predictions = dir.resolve("predictions.jsonl");

        assertEquals(0, train("--init", definition.toString(), "--samples", samples.toString(),
                "--snapshot-out", snapshot.toString(), "--predictions-out", predictions.toString()), err.toString());

        Mlp expected = SnapshotJson.read(DEFINITION.getBytes()).model();
        SampleParser parser = new SampleParser();
        List<String> predictionLines = Files.readAllLines(predictions);
        assertEquals(lines.size(), predictionLines.size());
        for (int i = 0; i < lines.size(); i++) {
            Sample sample = parser.parse(lines.get(i));
            Outcome outcome = sample.learnOn(expected);
            JsonNode prediction = Json.MAPPER.readTree(predictionLines.get(i));
            assertEquals("s" + i, prediction.get("id").asText());
            assertEquals(i, prediction.get("modelVersion").asLong());
            assertEquals(i + 1, prediction.get("line").asLong());
            assertArrayEquals(outcome.copyOutput(), Json.MAPPER.convertValue(prediction.get("output"), double[].class));
            assertEquals(outcome.loss(), prediction.get("loss").asDouble());
        }
        assertTrue(SnapshotJson.read(snapshot).model().bitIdentical(expected));
        assertTrue(out.toString().contains("epoch 1: 500 sample(s) learned"), out.toString());
        assertTrue(out.toString().contains("prequential accuracy"), out.toString());
    }

    @Test
    void continuingFromItsOwnSnapshotEqualsOneLongerRun() throws IOException {
        Path definition = Files.writeString(dir.resolve("definition.json"), DEFINITION);
        Path samples = Files.write(dir.resolve("samples.jsonl"), blobLines(200, 2));
        Path twoEpochs = dir.resolve("two.json");
        Path firstEpoch = dir.resolve("first.json");
        Path secondEpoch = dir.resolve("second.json");

        assertEquals(0, train("--init", definition.toString(), "--samples", samples.toString(), "--snapshot-out", twoEpochs.toString(), "--epochs", "2"));
        assertEquals(0, train("--init", definition.toString(), "--samples", samples.toString(), "--snapshot-out", firstEpoch.toString()));
        assertEquals(0, train("--init", firstEpoch.toString(), "--samples", samples.toString(), "--snapshot-out", secondEpoch.toString()));

        Mlp longRun = SnapshotJson.read(twoEpochs).model();
        assertEquals(400, longRun.updates());
        assertTrue(SnapshotJson.read(secondEpoch).model().bitIdentical(longRun), "warm start continues exactly, Adam state included");
    }

    @Test
    void reportsEachBadLineWithItsNumberAndReasonAndLearnsTheRest() throws IOException {
        Path definition = Files.writeString(dir.resolve("definition.json"), DEFINITION);
        List<String> lines = new ArrayList<>(blobLines(5, 3));
        lines.add(2, "{not json");
        lines.add(4, "{\"model\":\"blobs\",\"features\":[1,2],\"label\":0}");
        lines.add(5, "");
        lines.add(6, "{\"model\":\"other\",\"features\":[1,2,3],\"label\":0}");
        lines.add("{\"model\":\"blobs\",\"features\":[1,2,3],\"label\":7}");
        Path samples = Files.write(dir.resolve("samples.jsonl"), lines);
        Path snapshot = dir.resolve("out.json");

        assertEquals(0, train("--init", definition.toString(), "--samples", samples.toString(), "--snapshot-out", snapshot.toString()));

        String report = err.toString();
        assertTrue(report.contains("samples.jsonl:3: MALFORMED_JSON"), report);
        assertTrue(report.contains("samples.jsonl:5: WRONG_FEATURE_COUNT: features: expected 3 values, found 2"), report);
        assertTrue(report.contains("samples.jsonl:7: UNKNOWN_MODEL"), report);
        assertTrue(report.contains("samples.jsonl:10: LABEL_OUT_OF_RANGE: label 7 is out of range: expected 0..2"), report);
        assertEquals(4, report.lines().count(), report);
        assertEquals(5, SnapshotJson.read(snapshot).model().updates());
        assertTrue(out.toString().contains("4 bad line(s) skipped"), out.toString());
    }

    @Test
    void rejectsAnInvalidInitFileWithItsReason() throws IOException {
        Path definition = Files.writeString(dir.resolve("bad.json"), DEFINITION.replace("\"softmax\"", "\"sigmoid\""));
        Path samples = Files.write(dir.resolve("samples.jsonl"), blobLines(1, 4));
        assertEquals(2, train("--init", definition.toString(), "--samples", samples.toString(), "--snapshot-out", dir.resolve("o.json").toString()));
        assertTrue(err.toString().contains("loss categorical_cross_entropy cannot be paired with output activation sigmoid"), err.toString());
        assertTrue(Files.notExists(dir.resolve("o.json")));
    }
}
