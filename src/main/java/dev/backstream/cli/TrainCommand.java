package dev.backstream.cli;

import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.Prediction;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotFormatException;
import dev.backstream.snapshot.SnapshotJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code backstream train}: one learning step per line of a JSON-lines sample file, in file order, through the same
 * {@link Sample#learnOn} path as the stream processor; or, for a model with a feature spec, one step per labeled raw
 * event, with the stream's delayed-label semantics ({@link EventTraining}).
 */
@Command(name = "train",
        description = "Learn from a JSON-lines sample file, one SGD step per line in file order, and write the final snapshot.",
        mixinStandardHelpOptions = true)
final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--init", required = true, paramLabel = "FILE",
            description = "Snapshot to continue from, or a model definition (a snapshot without weights, with a \"seed\").")
    private Path init;

    @Option(names = "--samples", required = true, paramLabel = "FILE",
            description = "JSON lines, one sample per line: {\"model\": \"xor\", \"features\": [0, 1], \"label\": 1}; for a model with "
                    + "a feature spec, one raw event per line, or a label line {\"id\": \"e-17\", \"label\": 1} for an event that came without.")
    private Path samples;

    @Option(names = "--snapshot-out", required = true, paramLabel = "FILE", description = "Where to write the final snapshot (backstream.mlp/v1, or v2 for a model with a feature spec).")
    private Path snapshotOut;

    @Option(names = "--predictions-out", paramLabel = "FILE",
            description = "Optional: write one prediction per learned line, made before that line's update.")
    private Path predictionsOut;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "N", description = "Passes over the file (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (epochs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--epochs must be >= 1, found " + epochs);
        }
        InputFiles.readable("--init", init);
        InputFiles.readable("--samples", samples);
        InputFiles.writable("--snapshot-out", snapshotOut);
        if (predictionsOut != null) {
            InputFiles.writable("--predictions-out", predictionsOut);
        }
        KernelReport.noticeIfScalar(err);
        Snapshot snapshot;
        try {
            snapshot = SnapshotJson.read(init);
        } catch (SnapshotFormatException e) {
            err.println("error: " + init + ": " + e.getMessage());
            return 2;
        }
        Mlp model = snapshot.model();
        String modelId = snapshot.modelId();
        out.printf("training %s (%s, %s) from %s, %d update(s) so far%s%n", modelId, model.architecture().describe(),
                model.optimizer().type(), init, model.updates(), snapshot.features() == null ? "" : ", on raw events (feature spec)");
        if (snapshot.features() != null) {
            return trainOnEvents(snapshot, out, err);
        }
        SampleParser parser = new SampleParser();
        long badLines = 0;
        try (BufferedWriter predictions = predictionsOut == null ? null : Files.newBufferedWriter(predictionsOut, StandardCharsets.UTF_8)) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                EpochStats stats = new EpochStats();
                try (BufferedReader reader = Files.newBufferedReader(samples, StandardCharsets.UTF_8)) {
                    String line;
                    long lineNumber = 0;
                    while ((line = reader.readLine()) != null) {
                        lineNumber++;
                        if (line.isBlank()) {
                            continue;
                        }
                        try {
                            Sample sample = parser.parse(line);
                            if (!sample.model().equals(modelId)) {
                                throw new InvalidMessageException(RejectReason.UNKNOWN_MODEL,
                                        "sample is for model '" + sample.model() + "', this run trains '" + modelId + "'");
                            }
                            Outcome outcome = sample.learnOn(model);
                            stats.add(sample, outcome);
                            if (!outcome.updateApplied()) {
                                report(err, lineNumber, RejectReason.DIVERGED_UPDATE,
                                        "the update would make a parameter non-finite; not applied (loss " + outcome.loss() + ")");
                            }
                            if (predictions != null) {
                                predictions.write(new String(Prediction.of(sample, outcome).withLine(lineNumber).toJson(), StandardCharsets.UTF_8));
                                predictions.newLine();
                            }
                        } catch (InvalidMessageException e) {
                            badLines++;
                            stats.bad++;
                            report(err, lineNumber, e.reason(), e.getMessage());
                        }
                    }
                }
                out.println(stats.describe(epoch));
            }
        }
        SnapshotJson.write(snapshot, snapshotOut);
        out.printf("wrote %s: model %s after %d update(s)%s%n", snapshotOut, modelId, model.updates(),
                badLines == 0 ? "" : "; " + badLines + " bad line(s) skipped, see above");
        return 0;
    }

    private void report(PrintWriter err, long lineNumber, RejectReason reason, String message) {
        report(err, lineNumber, reason.name(), message);
    }

    private void report(PrintWriter err, long lineNumber, String reason, String message) {
        err.println(samples + ":" + lineNumber + ": " + reason + ": " + message);
    }

    /** The raw-event path: every line an event or a label line, learned as the stream learns them. */
    private int trainOnEvents(Snapshot snapshot, PrintWriter out, PrintWriter err) throws IOException {
        Mlp model = snapshot.model();
        EventTraining training = new EventTraining(snapshot.modelId(), model, snapshot.features(), snapshot.preprocessing());
        long badLines = 0;
        try (BufferedWriter predictions = predictionsOut == null ? null : Files.newBufferedWriter(predictionsOut, StandardCharsets.UTF_8)) {
            java.util.function.Consumer<Prediction> predictionWriter = predictions == null ? null : prediction -> {
                try {
                    predictions.write(new String(prediction.toJson(), StandardCharsets.UTF_8));
                    predictions.newLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            for (int epoch = 1; epoch <= epochs; epoch++) {
                EpochStats stats = new EpochStats();
                training.startPass();
                long started = System.nanoTime();
                try (BufferedReader reader = Files.newBufferedReader(samples, StandardCharsets.UTF_8)) {
                    String line;
                    long lineNumber = 0;
                    while ((line = reader.readLine()) != null) {
                        lineNumber++;
                        if (line.isBlank()) {
                            continue;
                        }
                        try {
                            EventTraining.Learned learned = training.line(line, lineNumber, predictionWriter);
                            if (learned == null) {
                                stats.waited++;
                                continue;
                            }
                            stats.add(learned);
                            if (!learned.outcome().updateApplied()) {
                                report(err, lineNumber, RejectReason.DIVERGED_UPDATE,
                                        "the update would make a parameter non-finite; not applied (loss " + learned.outcome().loss() + ")");
                            }
                        } catch (EventTraining.BadLine e) {
                            badLines++;
                            stats.bad++;
                            report(err, lineNumber, e.reason, e.getMessage());
                        } catch (java.io.UncheckedIOException e) {
                            throw e.getCause();
                        }
                    }
                }
                out.println(stats.describeEvents(epoch, training.waiting(), training.labelsWaiting(), System.nanoTime() - started));
            }
        }
        SnapshotJson.write(snapshot, snapshotOut);
        out.printf("wrote %s: model %s after %d update(s), with its preprocessing state (%s)%s%n", snapshotOut, snapshot.modelId(),
                model.updates(), SnapshotJson.FORMAT_V2, badLines == 0 ? "" : "; " + badLines + " bad line(s) skipped, see above");
        return 0;
    }

    /** Prequential (test-then-train) statistics of one pass. */
    private static final class EpochStats {
        long learned;
        long bad;
        long classified;
        long correct;
        long diverged;
        double lossSum;
        /** Events: learned with a label line that came after them. */
        long joined;
        /** Events: kept without a label when they came. */
        long waited;

        void add(Sample sample, Outcome outcome) {
            learned++;
            lossSum += outcome.loss();
            if (!outcome.updateApplied()) {
                diverged++;
            }
            if (sample.label() != null && outcome.predictedClass() >= 0) {
                classified++;
                if (outcome.predictedClass() == sample.label()) {
                    correct++;
                }
            }
        }

        /** An event learned: the accuracy counts the prediction made when the event came, the loss the one made at learning. */
        void add(EventTraining.Learned event) {
            learned++;
            lossSum += event.outcome().loss();
            if (!event.outcome().updateApplied()) {
                diverged++;
            }
            if (event.joined()) {
                joined++;
            }
            if (event.label().classIndex() != null && event.predictedClass() >= 0) {
                classified++;
                if (event.predictedClass() == event.label().classIndex()) {
                    correct++;
                }
            }
        }

        String describeEvents(int epoch, int stillWaiting, int labelsWaiting, long nanos) {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "epoch %d: %d event(s) learned (%d joined to a label line), "
                    + "mean loss %.6f", epoch, learned, joined, learned == 0 ? Double.NaN : lossSum / learned));
            if (classified > 0) {
                text.append(String.format(Locale.ROOT, ", prequential accuracy %.4f", (double) correct / classified));
            }
            if (stillWaiting > 0) {
                text.append(", ").append(stillWaiting).append(" event(s) still waiting for a label (not learned)");
            }
            if (labelsWaiting > 0) {
                text.append(", ").append(labelsWaiting).append(" label(s) whose event never came (not learned)");
            }
            if (diverged > 0) {
                text.append(", ").append(diverged).append(" update(s) rejected as divergent");
            }
            if (bad > 0) {
                text.append(", ").append(bad).append(" bad line(s) skipped");
            }
            text.append(String.format(Locale.ROOT, ", %.0f samples/s", learned / Math.max(1e-9, nanos / 1e9)));
            return text.toString();
        }

        String describe(int epoch) {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "epoch %d: %d sample(s) learned, mean loss %.6f",
                    epoch, learned, learned == 0 ? Double.NaN : lossSum / learned));
            if (classified > 0) {
                text.append(String.format(Locale.ROOT, ", prequential accuracy %.4f", (double) correct / classified));
            }
            if (diverged > 0) {
                text.append(", ").append(diverged).append(" update(s) rejected as divergent");
            }
            if (bad > 0) {
                text.append(", ").append(bad).append(" bad line(s) skipped");
            }
            return text.toString();
        }
    }
}
