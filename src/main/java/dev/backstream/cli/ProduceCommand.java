package dev.backstream.cli;

import dev.backstream.app.BrokerProbe;
import dev.backstream.data.Digits;
import dev.backstream.data.LabeledRow;
import dev.backstream.message.Sample;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code backstream produce}: streams a data set into a topic at a chosen rate, keyed by model id: JSON lines as they
 * are, CSV rows (features, then the class label in the last column) as samples for {@code --model}, or the bundled
 * digits data.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Stream a data set (JSON lines, CSV, or the bundled digits) into a Kafka topic at a chosen rate.")
final class ProduceCommand implements Callable<Integer> {

    enum Format { jsonl, csv }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "Kafka brokers.")
    private String bootstrapServers;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Client settings for a secured cluster (security.protocol, sasl.*, ssl.*), as for Kafka's own tools.")
    private Path commandConfig;

    @Option(names = "--topic", defaultValue = "backstream.samples", description = "Target topic (default: ${DEFAULT-VALUE}).")
    private String topic;

    @CommandLine.ArgGroup(multiplicity = "1")
    private Source source;

    static final class Source {
        @Option(names = "--file", paramLabel = "FILE", description = "A JSON-lines or CSV file.")
        Path file;

        @Option(names = "--dataset", paramLabel = "NAME", description = "A bundled data set: digits.")
        String dataset;
    }

    @Option(names = "--format", paramLabel = "FORMAT", description = "jsonl or csv (default: from the file name).")
    private Format format;

    @Option(names = "--model", paramLabel = "ID", description = "Model id for CSV rows and bundled data sets (default: the data set name).")
    private String model;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "N", description = "Records per second; 0 for as fast as possible (default).")
    private double rate;

    @Option(names = "--loop", defaultValue = "1", paramLabel = "N", description = "Passes over the data; 0 repeats forever (default: 1).")
    private int loop;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> client;
        try {
            client = CommandConfig.clientSettings(commandConfig, bootstrapServers);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
        List<byte[]> values = load();
        if (values.isEmpty()) {
            spec.commandLine().getErr().println("error: nothing to produce");
            return 2;
        }
        try {
            BrokerProbe.requireReachable(bootstrapServers);
        } catch (IllegalStateException e) {
            throw new CommandException(e.getMessage());
        }
        long start = System.nanoTime();
        long sent;
        try (SampleProducer producer = new SampleProducer(client, topic)) {
            for (int pass = 0; loop == 0 || pass < loop; pass++) {
                for (byte[] value : values) {
                    producer.send(value);
                    if (rate > 0) {
                        long wait = start + (long) (producer.sent() * 1e9 / rate) - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing to the requested rate
                        }
                    }
                }
                out.printf(Locale.ROOT, "pass %d: %d records produced to %s%n", pass + 1, producer.sent(), topic);
                out.flush();
            }
            sent = producer.sent();
        }
        out.printf(Locale.ROOT, "produced %d records to %s in %.1f s%n", sent, topic, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private List<byte[]> load() throws IOException {
        List<byte[]> values = new ArrayList<>();
        if (model != null && model.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model is empty; expected a model id");
        }
        if (source.dataset != null) {
            if (!source.dataset.equals("digits")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown data set '" + source.dataset + "'; bundled: digits");
            }
            for (LabeledRow row : Digits.load()) {
                values.add(DemoCommand.sampleJson(model == null ? "digits" : model, row, null, true));
            }
            return values;
        }
        InputFiles.readable("--file", source.file);
        Format chosen = format != null ? format : source.file.toString().endsWith(".csv") ? Format.csv : Format.jsonl;
        if (chosen == Format.csv && model == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "CSV rows need --model");
        }
        try (BufferedReader reader = Files.newBufferedReader(source.file, StandardCharsets.UTF_8)) {
            String line;
            boolean first = true;
            long lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                if (chosen == Format.jsonl) {
                    values.add(line.getBytes(StandardCharsets.UTF_8));
                } else {
                    String[] cells = line.split(",");
                    if (first && !isNumber(cells[0].trim())) {
                        first = false;
                        continue; // a header row
                    }
                    first = false;
                    values.add(csvSample(model, cells, source.file + ":" + lineNumber));
                }
            }
        }
        return values;
    }

    /**
     * One CSV row as sample JSON for {@code model}: the features, then the class label in the last column. Every cell
     * must be a finite number and the label an integer, so that no row becomes a record the application can only
     * dead-letter; the model id, which comes from the user, is escaped like any string.
     *
     * @param where the file and line, for the error message
     * @throws CommandException naming {@code where}, the column and the cell, if a cell is not such a number
     */
    static byte[] csvSample(String model, String[] cells, String where) {
        double[] features = new double[cells.length - 1];
        for (int j = 0; j < features.length; j++) {
            features[j] = finite(cells[j], where, j + 1);
        }
        double label = finite(cells[cells.length - 1], where, cells.length);
        if (label != Math.rint(label) || label < 0 || label > Integer.MAX_VALUE) {
            throw new CommandException(where + ": column " + cells.length + " (the label) is '" + cells[cells.length - 1].trim()
                    + "'; expected a class index (an integer >= 0)");
        }
        return new Sample(model, features, (int) label, null, null).toJson();
    }

    private static double finite(String cell, String where, int column) {
        try {
            double value = Double.parseDouble(cell.trim());
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the place
        }
        throw new CommandException(where + ": column " + column + " is '" + cell.trim() + "'; expected a finite number");
    }

    private static boolean isNumber(String cell) {
        try {
            Double.parseDouble(cell);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
