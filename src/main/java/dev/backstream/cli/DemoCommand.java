package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BrokerProbe;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.broker.CommittedReader;
import dev.backstream.broker.TopicCreator;
import dev.backstream.broker.EmbeddedKafka;
import dev.backstream.data.Digits;
import dev.backstream.data.Flights;
import dev.backstream.data.LabeledRow;
import dev.backstream.json.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code backstream demo}: a real Kafka broker (embedded, or an existing cluster), the application, and the digits
 * data streamed through it, with a progress line per second and a holdout score at the end. With
 * {@code --keep-running} the application then keeps serving (the dashboard, {@code /metrics}) while the data is
 * streamed again and again, until Ctrl-C. With {@code --dataset flights}, the flights demo instead ({@link FlightsDemo}):
 * raw events, delayed labels, and a month-by-month table.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker and the application, stream the digits data set through it, print progress "
                + "and the holdout accuracy, then shut everything down. With --dataset flights: stream the flights of January-June "
                + "2001 as raw events with delayed labels and print the models' month-by-month prequential accuracy and log-loss.")
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster instead of starting an embedded broker (topics get a run-specific prefix).")
    private String bootstrapServers;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "With --bootstrap-servers: client settings for a secured cluster (security.protocol, sasl.*, ssl.*), "
                    + "used by the application and by the demo's own clients.")
    private Path commandConfig;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "digits",
            description = "digits (samples, a holdout score) or flights (raw events, delayed labels, a month-by-month table; "
                    + "the models of config/flights/flights.json). Default: ${DEFAULT-VALUE}.")
    private String dataset;

    @Option(names = "--limit", paramLabel = "N", description = "Flights demo: stream only the first N flights (default: all "
            + Flights.ROWS + ").")
    private Integer limit;

    @Option(names = "--label-delay", paramLabel = "N", defaultValue = "500",
            description = "Flights demo: send each flight's label (its delay) N flights after the flight (default: ${DEFAULT-VALUE}).")
    private int labelDelay;

    @Option(names = "--passes", defaultValue = "5", description = "Shuffled passes over the training rows (default: ${DEFAULT-VALUE}).")
    private int passes;

    @Option(names = "--holdout", defaultValue = "360", description = "Rows held out and scored at the end (default: ${DEFAULT-VALUE}).")
    private int holdout;

    @Option(names = "--xor", description = "Also stream the tutorial's XOR samples (4,000) into the same topic.")
    private boolean xor;

    @Option(names = "--timeout", description = "Give up after this long (ISO-8601, default: PT110S for digits, PT15M for flights).")
    private Duration timeout;

    @Option(names = "--keep-running", description = "After the demo, keep the application serving (dashboard, metrics) and stream "
            + "the same samples again and again, " + KEEP_RUNNING_RATE + " records/s, until Ctrl-C.")
    private boolean keepRunning;

    /** Records per second sent while the demo keeps running: enough for live curves, little for the broker's disk. */
    static final int KEEP_RUNNING_RATE = 200;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (commandConfig != null && bootstrapServers == null) {
            spec.commandLine().getErr().println("error: --command-config needs --bootstrap-servers (the embedded broker is plaintext)");
            return 2;
        }
        Map<String, Object> clientSettings;
        try {
            clientSettings = CommandConfig.clientSettings(commandConfig, bootstrapServers == null ? "" : bootstrapServers);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
        boolean flights = "flights".equals(dataset);
        if (!flights && !"digits".equals(dataset)) {
            spec.commandLine().getErr().println("error: --dataset " + dataset + ": expected digits or flights");
            return 2;
        }
        String misplaced = flights ? (xor ? "--xor" : keepRunning ? "--keep-running" : null) : (limit != null ? "--limit" : null);
        if (misplaced != null) {
            spec.commandLine().getErr().println("error: " + misplaced + " is for the " + (flights ? "digits" : "flights") + " demo");
            return 2;
        }
        if (flights && limit != null && (limit < 1 || limit > Flights.ROWS)) {
            spec.commandLine().getErr().println("error: --limit " + limit + ": expected a number of flights between 1 and " + Flights.ROWS);
            return 2;
        }
        if (flights && labelDelay < 0) {
            spec.commandLine().getErr().println("error: --label-delay " + labelDelay + ": expected a number of flights >= 0");
            return 2;
        }
        if (timeout == null) {
            timeout = flights ? Duration.ofMinutes(15) : Duration.ofSeconds(110);
        }
        KernelReport.noticeIfScalar(spec.commandLine().getErr());
        long start = System.nanoTime();
        EmbeddedKafka kafka = null;
        Path work = Files.createTempDirectory("backstream-demo");
        // The demo's own lines are the point: Kafka's logs (the broker's retriable errors, the clients' start-up
        // chatter) go to a file, and only the clients' and Kafka Streams' errors reach the console as well.
        Path kafkaLog = null;
        if (!DemoLogging.userConfigured()) {
            kafkaLog = work.resolve("kafka.log");
            DemoLogging.kafkaToFile(kafkaLog);
        }
        boolean succeeded = false;
        try {
            String prefix = "";
            if (bootstrapServers == null) {
                say("starting an embedded Kafka broker (KRaft, single node)...");
                if (kafkaLog != null) {
                    say("the broker's own log: " + kafkaLog);
                }
                kafka = EmbeddedKafka.start(work.resolve("kafka"), false);
                say(String.format(Locale.ROOT, "broker ready on %s after %.1f s", kafka.bootstrapServers(), seconds(start)));
            } else {
                try {
                    BrokerProbe.requireReachable(bootstrapServers);
                } catch (IllegalStateException e) {
                    throw new CommandException(e.getMessage());
                }
                prefix = "demo-" + System.currentTimeMillis() + ".";
                say("using the Kafka cluster at " + bootstrapServers + ", topics prefixed " + prefix);
                if (kafkaLog != null) {
                    say("Kafka's client log: " + kafkaLog);
                }
            }
            String servers = kafka != null ? kafka.bootstrapServers() : bootstrapServers;
            Map<String, Object> client = new HashMap<>(clientSettings);
            client.put("bootstrap.servers", servers);
            Map<String, String> settings = new HashMap<>();
            clientSettings.forEach((name, value) -> settings.put(name, value.toString())); // the application's clients too
            settings.put(BackstreamConfig.BOOTSTRAP_SERVERS, servers);
            settings.put(BackstreamConfig.APPLICATION_ID, "backstream-demo-" + System.currentTimeMillis());
            settings.put(BackstreamConfig.STATE_DIR, work.resolve("state").toString());
            for (String topic : List.of(BackstreamConfig.SAMPLES_TOPIC, BackstreamConfig.SCORE_REQUESTS_TOPIC, BackstreamConfig.PREDICTIONS_TOPIC,
                    BackstreamConfig.SNAPSHOTS_TOPIC, BackstreamConfig.DEAD_LETTERS_TOPIC, BackstreamConfig.METRICS_TOPIC,
                    BackstreamConfig.CONTROL_TOPIC, BackstreamConfig.MODEL_EVENTS_TOPIC, BackstreamConfig.EVENTS_TOPIC, BackstreamConfig.LABELS_TOPIC)) {
                settings.put(topic, prefix + BackstreamConfig.CONFIG.defaultValues().get(topic));
            }
            settings.put("commit.interval.ms", "100");
            if (flights) {
                // The pause command must not overtake the January flights produced before it: process the events,
                // labels and control topics in timestamp order, waiting for records already on the broker (the
                // application's default, -1, processes whatever has been fetched; measured without it: the pause
                // overtook ~29,000 January events, and the labels ran up to ~157,000 records ahead of their events,
                // beyond labels.max.pending). A label processed before its event would wait for it all the same.
                settings.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "1000");
                // labels.max.pending stays at its default: the paused model keeps every event it scores after the pause
                // and gets no label for any, so beyond 100,000 it evicts its oldest, whose labels never come (no dead
                // letter), and an eviction reads one entry of the pending index, however many were evicted before.
            }
            settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "1000"); // a point per second on the dashboard's curves
            // on this host only, on a free port: the demo must not fail because something else has 8080
            settings.put(BackstreamConfig.HTTP_BIND, "127.0.0.1");
            settings.put(BackstreamConfig.HTTP_PORT, "0");
            BackstreamConfig config = new BackstreamConfig(settings, null);
            if (flights) {
                succeeded = flightsDemo(config, client, servers, start);
                return succeeded ? 0 : 1;
            }
            ModelCatalog catalog = bundledModels(config.snapshotEveryUpdates());
            TopicCreator.create(config.adminProperties(), config.topics(), 1);
            say("topics created: " + config.topics().samples() + ", " + config.topics().scoreRequests() + " -> "
                    + config.topics().predictions() + ", " + config.topics().snapshots() + ", " + config.topics().deadLetters()
                    + ", " + config.topics().metrics() + "; " + config.topics().control() + " -> " + config.topics().modelEvents());

            List<LabeledRow> rows = new ArrayList<>(Digits.load());
            Collections.shuffle(rows, new Random(20261127));
            int held = Math.max(0, Math.min(holdout, rows.size() - 1));
            List<LabeledRow> holdoutRows = rows.subList(0, held);
            List<LabeledRow> training = new ArrayList<>(rows.subList(held, rows.size()));
            List<byte[]> samples = new ArrayList<>();
            Random shuffle = new Random(1);
            for (int pass = 0; pass < passes; pass++) {
                Collections.shuffle(training, shuffle);
                for (LabeledRow row : training) {
                    samples.add(sampleJson("digits", row, null, true));
                }
            }
            if (xor) {
                for (int i = 0; i < 4000; i++) {
                    int a = (i >> 1) & 1;
                    int b = i & 1;
                    samples.add(new dev.backstream.message.Sample("xor", new double[] {a, b}, a ^ b, null, null).toJson());
                }
            }
            try (BackstreamApp app = new BackstreamApp(config, catalog)) {
                app.start();
                say(String.format(Locale.ROOT, "application started (%s); streaming %d samples (%d shuffled passes over %d digits rows%s) into %s",
                        config.processingGuarantee(), samples.size(), passes, training.size(), xor ? ", plus 4000 XOR samples" : "",
                        config.topics().samples()));
                say("Prometheus metrics while the demo runs: " + app.httpUrl("/metrics"));
                say("learning curves (backstream.metrics/v1, one record per model every " + config.metricsIntervalMs() + " ms) on "
                        + config.topics().metrics());
                say("dashboard: " + app.httpUrl("/"));
                long deadline = start + timeout.toNanos();
                AtomicReference<Exception> producerFailure = new AtomicReference<>();
                Thread producer = new Thread(() -> {
                    try {
                        produce(client, config.topics().samples(), samples);
                    } catch (Exception e) {
                        producerFailure.set(e);
                    }
                }, "demo-producer");
                producer.start();
                Progress progress = follow(client, config.topics().predictions(), samples.size(), deadline, app.streams());
                producer.join();
                if (producerFailure.get() != null) {
                    throw producerFailure.get();
                }
                if (progress == null) {
                    say("timed out before every sample was learned");
                    return 1;
                }
                say(String.format(Locale.ROOT, "learned %d samples in %.1f s (%.0f records/s); prequential accuracy over the last 1000 digits: %.3f",
                        samples.size(), progress.seconds, samples.size() / progress.seconds, progress.recentAccuracy()));
                if (held > 0) {
                    say("scoring " + held + " held-out rows through " + config.topics().scoreRequests());
                    List<byte[]> requests = new ArrayList<>();
                    for (int i = 0; i < held; i++) {
                        requests.add(sampleJson("digits", holdoutRows.get(i), "holdout-" + i, false));
                    }
                    produce(client, config.topics().scoreRequests(), requests);
                    Double accuracy = scoreHoldout(client, config.topics().predictions(), holdoutRows, deadline);
                    if (accuracy == null) {
                        say("timed out waiting for the holdout predictions");
                        return 1;
                    }
                    say(String.format(Locale.ROOT, "holdout accuracy: %.3f (%d/%d)", accuracy, Math.round(accuracy * held), held));
                }
                if (keepRunning) {
                    keepStreaming(client, config.topics().samples(), samples, app.httpUrl("/"));
                }
            }
            say(String.format(Locale.ROOT, "done in %.1f s; shutting down", seconds(start)));
            succeeded = true;
            return 0;
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            if (succeeded || kafkaLog == null) {
                org.apache.kafka.common.utils.Utils.delete(work.toFile());
            } else {
                // what went wrong is in Kafka's log: keep it, drop the broker's data and the state stores
                org.apache.kafka.common.utils.Utils.delete(work.resolve("kafka").toFile());
                org.apache.kafka.common.utils.Utils.delete(work.resolve("state").toFile());
                say("Kafka's log is kept in " + kafkaLog);
            }
            if (closing != null) {
                closing.countDown();
            }
        }
    }

    /** The flights demo on the prepared configuration: true if every flight was scored in time and the table printed. */
    private boolean flightsDemo(BackstreamConfig config, Map<String, Object> client, String servers, long start) throws Exception {
        ModelCatalog catalog = FlightsDemo.models(config.snapshotEveryUpdates());
        TopicCreator.create(config.adminProperties(), config.topics(), 1);
        say("topics created: " + config.topics().events() + ", " + config.topics().labels() + " -> " + config.topics().predictions()
                + "; " + config.topics().control() + " -> " + config.topics().modelEvents() + " (and the others)");
        ControlOptions control = new ControlOptions();
        control.bootstrapServers = servers;
        control.commandConfig = commandConfig;
        control.controlTopic = config.topics().control();
        control.eventsTopic = config.topics().modelEvents();
        control.timeoutSeconds = 60;
        FlightsDemo demo = new FlightsDemo(out, client, config.topics(), control, limit == null ? Flights.ROWS : limit, labelDelay);
        try (BackstreamApp app = new BackstreamApp(config, catalog)) {
            app.start();
            say(String.format(Locale.ROOT, "application started (%s); streaming %d flights as events into %s for models %s and %s, "
                            + "each flight's label %d flights later into %s",
                    config.processingGuarantee(), demo.flights(), config.topics().events(), FlightsDemo.ONLINE, FlightsDemo.JANUARY,
                    labelDelay, config.topics().labels()));
            say("Prometheus metrics while the demo runs: " + app.httpUrl("/metrics"));
            say("dashboard: " + app.httpUrl("/"));
            FlightsScoreboard board = demo.run(start + timeout.toNanos());
            if (board == null) {
                say("timed out before every flight was scored");
                return false;
            }
            say("prequential scores of the predictions made at departure, month by month (labels " + labelDelay + " flights late):");
            board.render().forEach(out::println);
            say(String.format(Locale.ROOT, "log-loss over %d flights: online %.4f, frozen after January %.4f, majority baseline %.4f",
                    demo.flights(), board.logLoss(0), board.logLoss(1), board.logLoss(2)));
        }
        say(String.format(Locale.ROOT, "done in %.1f s; shutting down", seconds(start)));
        return true;
    }

    /**
     * Streams {@code samples} again and again at {@link #KEEP_RUNNING_RATE} until the JVM is asked to stop (Ctrl-C,
     * SIGTERM). The shutdown hook only says "stop" and then waits for this thread to close the producer, the
     * application and the broker, so that nothing is cut off half-way.
     */
    private void keepStreaming(Map<String, Object> client, String topic, List<byte[]> samples, String dashboard) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                closed.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        closing = closed;
        say("keeps running: streaming the same " + samples.size() + " samples again and again, " + KEEP_RUNNING_RATE
                + " records/s; watch " + dashboard + " and press Ctrl-C to stop");
        long interval = 1_000_000_000L / KEEP_RUNNING_RATE;
        long next = System.nanoTime();
        int loops = 0;
        try (SampleProducer producer = new SampleProducer(client, topic)) {
            while (!stop.get()) {
                for (int i = 0; i < samples.size() && !stop.get(); i++) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // pacing, not waiting for a condition
                    }
                    next = Math.max(next + interval, System.nanoTime() - 1_000_000_000L); // no burst after a pause
                    producer.send(samples.get(i));
                }
                if (!stop.get()) {
                    loops++;
                    say("streamed the samples again (" + loops + (loops == 1 ? " time" : " times") + " since the demo)");
                }
            }
        }
        say("stopping: closing the producer, the application and the broker");
    }

    /** Counted down once everything is closed, when the demo keeps running (a shutdown hook waits for it); else null. */
    private CountDownLatch closing;

    private void say(String message) {
        out.println("backstream demo: " + message);
        out.flush();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static ModelCatalog bundledModels(long snapshotEvery) throws IOException {
        List<ModelDefinition> definitions = new ArrayList<>();
        for (String name : List.of("digits.json", "xor.json")) {
            try (InputStream in = DemoCommand.class.getResourceAsStream("/demo-models/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("bundled model definition " + name + " is missing");
                }
                definitions.add(ModelCatalog.loadDefinition(in.readAllBytes(), null, "bundled " + name, snapshotEvery));
            }
        }
        return new ModelCatalog(definitions);
    }

    static byte[] sampleJson(String model, LabeledRow row, String id, boolean labeled) {
        return new dev.backstream.message.Sample(model, row.features(), labeled ? row.label() : null, null, id).toJson();
    }

    private static void produce(Map<String, Object> client, String topic, List<byte[]> values) throws Exception {
        try (SampleProducer producer = new SampleProducer(client, topic)) {
            for (byte[] value : values) {
                producer.send(value);
            }
        }
    }

    /** Rolling statistics of the learning predictions. */
    private static final class Progress {
        final ArrayDeque<Boolean> recentCorrect = new ArrayDeque<>();
        final ArrayDeque<Double> recentLoss = new ArrayDeque<>();
        final long start = System.nanoTime();
        long nextReport = start + 1_000_000_000L;
        long learned;
        long learnedAtLastReport;
        long version;
        double seconds;

        void add(JsonNode prediction) {
            learned++;
            if (!"digits".equals(prediction.path("model").asText())) {
                return;
            }
            version = prediction.get("modelVersion").asLong();
            recentCorrect.add(prediction.get("predictedClass").asInt() == prediction.get("label").asInt());
            recentLoss.add(prediction.get("loss").asDouble());
            if (recentCorrect.size() > 1000) {
                recentCorrect.removeFirst();
                recentLoss.removeFirst();
            }
        }

        double recentAccuracy() {
            return recentCorrect.isEmpty() ? Double.NaN : recentCorrect.stream().filter(b -> b).count() / (double) recentCorrect.size();
        }

        double recentLoss() {
            return recentLoss.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }
    }

    /** Reads learning predictions (read_committed) until {@code expected} arrived, printing one line per second. */
    private Progress follow(Map<String, Object> client, String topic, int expected, long deadline, KafkaStreams streams) throws IOException {
        Progress progress = new Progress();
        try (CommittedReader reader = new CommittedReader(client, topic)) {
            boolean learnedAll = reader.readUntil(() -> progress.learned >= expected, deadline, records -> {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    JsonNode prediction = Json.MAPPER.readTree(record.value());
                    if (prediction.has("loss")) {
                        progress.add(prediction);
                    }
                }
                reportIfDue(progress, expected, streams);
            });
            if (!learnedAll) {
                return null;
            }
        }
        progress.seconds = (System.nanoTime() - progress.start) / 1e9;
        return progress;
    }

    /** One progress line, at most once a second. */
    private void reportIfDue(Progress progress, int expected, KafkaStreams streams) {
        long now = System.nanoTime();
        if (now >= progress.nextReport) {
            double elapsed = (now - progress.start) / 1e9;
            double rate = (progress.learned - progress.learnedAtLastReport) / ((now - progress.nextReport + 1_000_000_000L) / 1e9);
            out.println(progressLine(elapsed, streams.state(), progress.learned, expected, rate, progress.recentAccuracy(),
                    progress.recentLoss(), progress.version));
            out.flush();
            progress.learnedAtLastReport = progress.learned;
            progress.nextReport = now + 1_000_000_000L;
        }
    }

    /**
     * A progress line: while nothing was learned and the application is not running yet, that it is joining; then the
     * rate, the count and the prequential accuracy and loss of the recent predictions ({@code -} before the first).
     */
    static String progressLine(double elapsedSeconds, KafkaStreams.State state, long learned, int expected, double recordsPerSecond,
                               double accuracy, double loss, long version) {
        if (learned == 0 && state != KafkaStreams.State.RUNNING) {
            return String.format(Locale.ROOT, "[%5.1f s] waiting for the application to join (%s) | learned %6d/%d",
                    elapsedSeconds, state.name().toLowerCase(Locale.ROOT), learned, expected);
        }
        return String.format(Locale.ROOT, "[%5.1f s] %6.0f records/s | learned %6d/%d | prequential accuracy %s | loss %s | digits model v%d",
                elapsedSeconds, recordsPerSecond, learned, expected, orDash(accuracy), orDash(loss), version);
    }

    /** Three decimals, or {@code -} before there is anything to average. */
    private static String orDash(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static Double scoreHoldout(Map<String, Object> client, String topic, List<LabeledRow> rows, long deadline) throws IOException {
        Map<String, Integer> predicted = new HashMap<>();
        try (CommittedReader reader = new CommittedReader(client, topic)) {
            boolean scoredAll = reader.readUntil(() -> predicted.size() >= rows.size(), deadline, records -> {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    JsonNode prediction = Json.MAPPER.readTree(record.value());
                    String id = prediction.path("id").asText("");
                    if (id.startsWith("holdout-")) {
                        predicted.put(id, prediction.get("predictedClass").asInt());
                    }
                }
            });
            if (!scoredAll) {
                return null;
            }
        }
        int correct = 0;
        for (int i = 0; i < rows.size(); i++) {
            correct += predicted.get("holdout-" + i) == rows.get(i).label() ? 1 : 0;
        }
        return correct / (double) rows.size();
    }
}
