package dev.backstream.cli;

import dev.backstream.app.BrokerProbe;
import dev.backstream.data.Digits;
import dev.backstream.data.LabeledRow;
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
            while ((line = reader.readLine()) != null) {
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
                    StringBuilder json = new StringBuilder("{\"model\":\"").append(model).append("\",\"features\":[");
                    for (int j = 0; j < cells.length - 1; j++) {
                        json.append(j == 0 ? "" : ",").append(cells[j].trim());
                    }
                    values.add(json.append("],\"label\":").append(cells[cells.length - 1].trim()).append('}').toString()
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return values;
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
