package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.EventLabel;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.Snapshot;
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

    @org.junit.jupiter.api.Nested
    @DisplayName("on raw events with a feature spec")
    class RawEvents {
        private static final String FEATURES = """
                {"id": "id", "fields": [
                   {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
                   {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 8},
                   {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"]}],
                 "label": {"path": "delay", "type": "threshold", "above": 15}}""";
        /** A catalog definition: "inputs" left out, it is the spec's width. */
        private static final String FLIGHTS = """
                {"format": "backstream.mlp/v1", "modelId": "flights", "loss": "binary_cross_entropy",
                 "optimizer": {"type": "adam", "learningRate": 0.01},
                 "layers": [{"units": 6, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 11,
                 "features": FEATURES}
                """.replace("FEATURES", FEATURES);

        /**
         * Flights as events, one in {@code delayEvery} (if > 0) without its delay, whose label line follows
         * {@code lag} lines later; some distances missing.
         */
        private List<String> eventLines(int count, int delayEvery, int lag, long seed) {
            return eventLines(count, delayEvery, lag, seed, "f");
        }

        private List<String> eventLines(int count, int delayEvery, int lag, long seed, String idPrefix) {
            Random random = new Random(seed);
            String[] origins = {"SFO", "JFK", "ORD", "ATL", "DEN"};
            List<String> lines = new ArrayList<>();
            java.util.Map<Integer, String> labelsDue = new java.util.HashMap<>();
            for (int i = 0; i < count; i++) {
                double delay = Math.round(random.nextGaussian() * 30 + 10);
                boolean delayed = delayEvery > 0 && i % delayEvery == 0;
                String distance = random.nextInt(10) == 0 ? "" : "\"distance\": " + (200 + random.nextInt(2000)) + ", ";
                lines.add("{\"id\": \"" + idPrefix + i + "\", " + distance + "\"origin\": \"" + origins[random.nextInt(origins.length)]
                        + "\", \"carrier\": \"" + (random.nextBoolean() ? "AA" : random.nextBoolean() ? "UA" : "DL") + "\""
                        + (delayed ? "" : ", \"delay\": " + delay) + "}");
                if (delayed) {
                    labelsDue.put(i + lag, "{\"model\": \"flights\", \"id\": \"" + idPrefix + i + "\", \"label\": " + delay + "}");
                }
                String due = labelsDue.remove(i);
                if (due != null) {
                    lines.add(due);
                }
            }
            labelsDue.keySet().stream().sorted().forEach(k -> lines.add(labelsDue.get(k)));
            return lines;
        }

        /** The reference: the spec, the model and its state driven by hand, line by line, as the stream does. */
        private Object[] learnByHand(List<String> lines) throws Exception {
            FeatureSpec spec = FeatureSpec.parse(Json.MAPPER.readTree(FEATURES), "test");
            Mlp model = SnapshotJson.read(FLIGHTS.replace("\"loss\"", "\"inputs\": " + spec.width() + ", \"loss\"")
                    .replace(",\n \"features\": " + FEATURES, "").getBytes()).model();
            Preprocessing state = spec.newState();
            java.util.Map<String, EncodedEvent> kept = new java.util.HashMap<>();
            for (String line : lines) {
                JsonNode json = Json.MAPPER.readTree(line);
                if (json.size() == 3 && json.has("label")) { // a label line: learn the features kept at arrival
                    EncodedEvent encoded = kept.remove(json.get("id").asText());
                    model.learn(encoded.features(), spec.parseLabel(json.get("label")).classIndex());
                    state.learn(encoded.observed());
                    continue;
                }
                EncodedEvent encoded = spec.encode(json, state);
                EventLabel label = spec.label(json);
                if (label == null) {
                    kept.put(spec.id(json), encoded);
                } else {
                    model.learn(encoded.features(), label.classIndex());
                    state.learn(encoded.observed());
                }
            }
            assertTrue(kept.isEmpty());
            return new Object[] {model, state};
        }

        private Snapshot trainOn(List<String> lines) throws IOException {
            Path definition = Files.writeString(dir.resolve("flights.json"), FLIGHTS);
            Path events = Files.write(dir.resolve("events.jsonl"), lines);
            Path snapshot = dir.resolve("out.json");
            assertEquals(0, train("--init", definition.toString(), "--samples", events.toString(), "--snapshot-out", snapshot.toString()),
                    err.toString());
            assertTrue(Files.readString(snapshot).contains("\"format\" : \"backstream.mlp/v2\""), "a model with a spec writes v2");
            return SnapshotJson.read(snapshot);
        }

        @Test
        void eventsWithTheirLabelsGiveTheModelAndStateOfTheSpecAndTheLearnerDrivenByHand() throws Exception {
            List<String> lines = eventLines(400, 0, 0, 21);
            Snapshot trained = trainOn(lines);
            Object[] expected = learnByHand(lines);
            assertEquals(400, trained.model().updates());
            assertTrue(trained.model().bitIdentical((Mlp) expected[0]));
            assertTrue(trained.preprocessing().bitIdentical((Preprocessing) expected[1]));
            assertEquals(trained.features(), FeatureSpec.parse(Json.MAPPER.readTree(FEATURES), "test"));
            assertTrue(out.toString().contains("epoch 1: 400 event(s) learned (0 joined to a label line)"), out.toString());
            assertTrue(out.toString().contains("samples/s"), out.toString());
            assertTrue(out.toString().contains("prequential accuracy"), out.toString());
            assertEquals("", err.toString());
        }

        @Test
        void delayedLabelLinesJoinTheFeaturesEncodedWhenTheirEventCame() throws Exception {
            List<String> lines = eventLines(300, 3, 7, 22);
            Snapshot trained = trainOn(lines);
            Object[] expected = learnByHand(lines);
            assertEquals(300, trained.model().updates());
            assertTrue(trained.model().bitIdentical((Mlp) expected[0]));
            assertTrue(trained.preprocessing().bitIdentical((Preprocessing) expected[1]));
            assertTrue(out.toString().contains("epoch 1: 300 event(s) learned (100 joined to a label line)"), out.toString());
        }

        @Test
        void continuingFromItsV2SnapshotRestoresThePreprocessingState() throws Exception {
            List<String> firstLines = eventLines(120, 4, 3, 23, "a");
            List<String> secondLines = eventLines(120, 4, 3, 24, "b");
            trainOn(firstLines);
            Path firstFile = Files.move(dir.resolve("out.json"), dir.resolve("first.json"));
            Path rest = Files.write(dir.resolve("rest.jsonl"), secondLines);
            Path second = dir.resolve("second.json");
            assertEquals(0, train("--init", firstFile.toString(), "--samples", rest.toString(), "--snapshot-out", second.toString()), err.toString());
            List<String> all = new ArrayList<>(firstLines);
            all.addAll(secondLines);
            Object[] expected = learnByHand(all);
            Snapshot continued = SnapshotJson.read(second);
            assertEquals(240, continued.model().updates());
            assertTrue(continued.model().bitIdentical((Mlp) expected[0]));
            assertTrue(continued.preprocessing().bitIdentical((Preprocessing) expected[1]), "the state went on from the snapshot's");
        }

        @Test
        void writesThePredictionMadeWhenEachEventCame() throws Exception {
            List<String> lines = eventLines(30, 3, 2, 26);
            Path definition = Files.writeString(dir.resolve("flights.json"), FLIGHTS);
            Path events = Files.write(dir.resolve("events.jsonl"), lines);
            Path predictions = dir.resolve("predictions.jsonl");
            assertEquals(0, train("--init", definition.toString(), "--samples", events.toString(), "--snapshot-out",
                    dir.resolve("out.json").toString(), "--predictions-out", predictions.toString()), err.toString());
            List<String> written = Files.readAllLines(predictions);
            assertEquals(30, written.size(), "one per event, none per label line");
            JsonNode scored = Json.MAPPER.readTree(written.get(0)); // f0 came without its delay
            assertEquals("f0", scored.get("id").asText());
            assertEquals(1, scored.get("line").asLong());
            assertTrue(scored.path("loss").isMissingNode(), scored.toString());
            JsonNode learned = Json.MAPPER.readTree(written.get(1));
            assertEquals("f1", learned.get("id").asText());
            assertTrue(learned.get("loss").isNumber(), learned.toString());
        }

        @Test
        void aLabelLineBeforeItsEventWaitsForItAndOneWhoseEventNeverComesIsReported() throws Exception {
            List<String> inline = eventLines(5, 0, 0, 24);
            java.util.regex.Matcher delay = java.util.regex.Pattern.compile(", \"delay\": (-?[0-9.]+)").matcher(inline.get(2));
            assertTrue(delay.find(), inline.get(2));
            List<String> labelFirst = new ArrayList<>(inline);
            labelFirst.set(2, delay.replaceFirst("")); // f2 without its delay...
            labelFirst.add(2, "{\"id\": \"f2\", \"label\": " + delay.group(1) + "}"); // ...whose label line comes first
            labelFirst.add("{\"id\": \"nope\", \"label\": 20}"); // and a label whose event never comes

            Snapshot trained = trainOn(labelFirst);
            Object[] expected = learnByHand(inline);
            assertTrue(trained.model().bitIdentical((Mlp) expected[0]), "f2 is learned when it comes, as if it carried its label");
            assertTrue(trained.preprocessing().bitIdentical((Preprocessing) expected[1]));
            assertTrue(out.toString().contains("epoch 1: 5 event(s) learned (1 joined to a label line)"), out.toString());
            assertTrue(out.toString().contains("1 label(s) whose event never came (not learned)"), out.toString());
        }

        @Test
        void reportsBadEventsAndDuplicateLabelsAndLearnsTheRest() throws IOException {
            Path definition = Files.writeString(dir.resolve("flights.json"), FLIGHTS);
            List<String> lines = new ArrayList<>(eventLines(4, 0, 0, 25));
            lines.add("{\"id\": \"late\", \"origin\": \"SFO\", \"carrier\": \"AA\"}");
            lines.add("{\"id\": \"late\", \"label\": 40}");
            lines.add("{\"id\": \"late\", \"label\": 40}");
            lines.add("{\"id\": \"x\", \"distance\": \"far\", \"origin\": \"SFO\", \"carrier\": \"AA\", \"delay\": 3}");
            lines.add("{\"origin\": \"SFO\", \"carrier\": \"AA\"}");
            lines.add("{\"model\": \"other\", \"id\": \"y\", \"origin\": \"SFO\", \"carrier\": \"AA\", \"delay\": 3}");
            Path events = Files.write(dir.resolve("events.jsonl"), lines);
            Path snapshot = dir.resolve("out.json");
            assertEquals(0, train("--init", definition.toString(), "--samples", events.toString(), "--snapshot-out", snapshot.toString()),
                    err.toString());
            String report = err.toString();
            assertTrue(report.contains("events.jsonl:7: DUPLICATE_LABEL"), report);
            assertTrue(report.contains("events.jsonl:8: INVALID_FIELD"), report);
            assertTrue(report.contains("events.jsonl:9: MISSING_FIELD"), report);
            assertTrue(report.contains("events.jsonl:10: UNKNOWN_MODEL"), report);
            assertEquals(4, report.lines().count(), report);
            assertEquals(5, SnapshotJson.read(snapshot).model().updates());
        }
    }
}
