package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.broker.CommittedReader;
import dev.backstream.data.Flight;
import dev.backstream.data.Flights;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.stream.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code backstream demo --dataset flights}: the bundled flights of January–June 2001 streamed through the application
 * as raw events at departure, each flight's label (its delay) sent {@code labelDelay} flights later, to two models
 * declared by {@code config/flights/flights.json}: {@value #ONLINE}, which learns all along, and {@value #JANUARY},
 * paused (a control command) when the first February flight departs, which still scores. The demo keeps the
 * majority baseline itself, reads the predictions made at departure, and prints the month-by-month table.
 */
final class FlightsDemo {
    static final String ONLINE = "flights";
    static final String JANUARY = "flights-january";
    static final String DEFINITION = "/demo-models/flights.json";
    private static final LocalDateTime FEBRUARY = LocalDateTime.of(2001, 2, 1, 0, 0);

    private final PrintWriter out;
    private final Map<String, Object> client;
    private final Topics topics;
    private final ControlOptions control;
    private final List<Flight> flights;
    private final int labelDelay;

    /** The baseline's probability at each flight's departure, written by the producer thread (read after it joined). */
    private final double[] baseline;
    /** Each model's probability and class at each flight's departure, NaN / -1 until its prediction is read. */
    private final double[][] probability = new double[2][];
    private final int[][] predictedClass = new int[2][];
    private final long[] version = new long[2];
    private final long[] scored = new long[2];
    private int pausedAt = -1;

    /**
     * @param client     the demo's own client settings
     * @param control    where to send the pause command
     * @param limit      the number of flights, from the first
     * @param labelDelay how many flights later each label is sent
     */
    FlightsDemo(PrintWriter out, Map<String, Object> client, Topics topics, ControlOptions control, int limit, int labelDelay) {
        this.out = out;
        this.client = client;
        this.topics = topics;
        this.control = control;
        this.flights = Flights.load(limit);
        this.labelDelay = labelDelay;
        this.baseline = new double[flights.size()];
        for (int m = 0; m < 2; m++) {
            probability[m] = new double[flights.size()];
            Arrays.fill(probability[m], Double.NaN);
            predictedClass[m] = new int[flights.size()];
        }
    }

    /** The two models, both from the bundled {@code flights.json}; the second with id {@value #JANUARY}. */
    static ModelCatalog models(long snapshotEvery) throws IOException {
        byte[] json;
        try (InputStream in = FlightsDemo.class.getResourceAsStream(DEFINITION)) {
            if (in == null) {
                throw new IllegalStateException("bundled model definition " + DEFINITION + " is missing");
            }
            json = in.readAllBytes();
        }
        ObjectNode january = (ObjectNode) Json.MAPPER.readTree(json);
        january.put("modelId", JANUARY);
        return new ModelCatalog(List.of(
                ModelCatalog.loadDefinition(json, null, "bundled flights.json", snapshotEvery),
                ModelCatalog.loadDefinition(Json.MAPPER.writeValueAsBytes(january), null, "bundled flights.json as " + JANUARY, snapshotEvery)));
    }

    int flights() {
        return flights.size();
    }

    /**
     * Streams the flights and reads the predictions until every flight was scored by both models.
     *
     * @return the table, or null if the deadline passed first
     */
    FlightsScoreboard run(long deadline) throws Exception {
        AtomicReference<Exception> producerFailure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                produce();
            } catch (Exception e) {
                producerFailure.set(e);
            }
        }, "demo-producer");
        producer.start();
        boolean complete = follow(deadline);
        producer.join();
        if (producerFailure.get() != null) {
            throw producerFailure.get();
        }
        if (!complete) {
            return null;
        }
        reportDeadLetters(deadline);
        say(String.format(Locale.ROOT, "every flight scored by both models; model versions (updates learned) at their last predictions: %s v%d, %s v%d",
                ONLINE, version[0], JANUARY, version[1]));
        return scoreboard();
    }

    /** Events at departure for both models, labels {@code labelDelay} flights later, the pause before February. */
    private void produce() throws Exception {
        FlightsScoreboard.MajorityBaseline majority = new FlightsScoreboard.MajorityBaseline();
        try (SampleProducer events = new SampleProducer(client, topics.events());
             SampleProducer labels = new SampleProducer(client, topics.labels())) {
            for (int i = 0; i < flights.size(); i++) {
                Flight flight = flights.get(i);
                if (pausedAt < 0 && !flight.departure().isBefore(FEBRUARY)) {
                    events.flush();
                    labels.flush();
                    pause(i);
                }
                baseline[i] = majority.probability();
                String id = Integer.toString(i);
                events.send(key(ONLINE), FlightEvents.event(ONLINE, id, flight));
                events.send(key(JANUARY), FlightEvents.event(JANUARY, id, flight));
                int labeled = i - labelDelay;
                if (labeled >= 0) {
                    sendLabel(labels, labeled, majority);
                }
            }
            for (int labeled = Math.max(0, flights.size() - labelDelay); labeled < flights.size(); labeled++) {
                sendLabel(labels, labeled, majority);
            }
        }
    }

    private void sendLabel(SampleProducer labels, int i, FlightsScoreboard.MajorityBaseline majority) throws Exception {
        Flight flight = flights.get(i);
        String id = Integer.toString(i);
        labels.send(key(ONLINE), FlightEvents.label(ONLINE, id, flight));
        if (pausedAt < 0 || i < pausedAt) {
            // labels of January flights sent after the pause (the last --label-delay of them) are dropped by the paused
            // model, which learned only January's earlier labels; it keeps the events it scores after the pause (they wait
            // for labels that never come, evicted beyond labels.max.pending), so no label is sent for them
            labels.send(key(JANUARY), FlightEvents.label(JANUARY, id, flight));
        }
        majority.learn(label(flight));
    }

    /** Pauses {@value #JANUARY} and waits for the application to confirm it. */
    private void pause(int flight) throws IOException {
        ModelCommand.Pause command = new ModelCommand.Pause("demo-pause-" + JANUARY, JANUARY);
        ControlClient controlClient = new ControlClient(control);
        ControlClient.Outcome outcome = controlClient.sendAndAwait(command);
        if (outcome == null) {
            throw new CommandException(controlClient.timeoutMessage(command), CommandException.FAILED);
        }
        pausedAt = flight;
        say("first February flight (" + flight + "): paused " + JANUARY + " (" + outcome.event().event() + "); it still scores, it no longer learns");
    }

    private static byte[] key(String model) {
        return model.getBytes(StandardCharsets.UTF_8);
    }

    static int label(Flight flight) {
        return flight.delayedMoreThan(15) ? 1 : 0;
    }

    /** Reads predictions (read_committed) until both models scored every flight, a progress line per second. */
    private boolean follow(long deadline) throws IOException {
        long start = System.nanoTime();
        long[] next = {start + 1_000_000_000L};
        long[] lastScored = {0};
        try (CommittedReader reader = new CommittedReader(client, topics.predictions())) {
            return reader.readUntil(() -> scored[0] + scored[1] >= 2L * flights.size(), deadline, records -> {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    read(Json.MAPPER.readTree(record.value()));
                }
                long now = System.nanoTime();
                if (now >= next[0]) {
                    long total = scored[0] + scored[1];
                    out.printf(Locale.ROOT, "[%5.1f s] %6.0f flights/s | scored %6d/%d flights | labels learned: %s %d, %s %d%n",
                            (now - start) / 1e9, (total - lastScored[0]) / 2.0 / ((now - next[0] + 1_000_000_000L) / 1e9),
                            Math.min(scored[0], scored[1]), flights.size(), ONLINE, version[0], JANUARY, version[1]);
                    out.flush();
                    lastScored[0] = total;
                    next[0] = now + 1_000_000_000L;
                }
            });
        }
    }

    /** One prediction: a score at departure, the first for each flight and model (a delayed label publishes none). */
    private void read(JsonNode prediction) {
        String model = prediction.path("model").asText();
        int m = ONLINE.equals(model) ? 0 : JANUARY.equals(model) ? 1 : -1;
        if (m < 0 || prediction.has("role")) {
            return;
        }
        int i;
        try {
            i = Integer.parseInt(prediction.path("id").asText());
        } catch (NumberFormatException e) {
            return;
        }
        if (i < 0 || i >= flights.size() || !Double.isNaN(probability[m][i])) {
            return;
        }
        probability[m][i] = prediction.path("output").path(0).asDouble(Double.NaN);
        predictedClass[m][i] = prediction.path("predictedClass").asInt(-1);
        version[m] = Math.max(version[m], prediction.path("modelVersion").asLong());
        scored[m]++;
    }

    /** One line: how many records of the demo's models were dead-lettered, by reason, with the first message of each. */
    private void reportDeadLetters(long deadline) throws IOException {
        Map<String, long[]> counts = new TreeMap<>(); // by reason and model
        Map<String, String> first = new TreeMap<>();
        try (CommittedReader reader = new CommittedReader(client, topics.deadLetters())) {
            reader.readToEnd(deadline, records -> {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    JsonNode letter = Json.MAPPER.readTree(record.value());
                    String reason = letter.path("reason").asText("?") + " (" + letter.path("key").asText("no key") + ")";
                    counts.computeIfAbsent(reason, r -> new long[1])[0]++;
                    first.putIfAbsent(reason, letter.path("message").asText(""));
                }
            });
        }
        if (counts.isEmpty()) {
            say("dead letters: none");
        } else {
            counts.forEach((reason, n) -> say("dead letters: " + n[0] + " " + reason + ", the first: " + first.get(reason)));
        }
    }

    private FlightsScoreboard scoreboard() {
        FlightsScoreboard board = new FlightsScoreboard(List.of("online", "frozen after Jan", "majority baseline"));
        for (int i = 0; i < flights.size(); i++) {
            Flight flight = flights.get(i);
            YearMonth month = YearMonth.from(flight.departure());
            int label = label(flight);
            board.addLabel(month, label);
            board.add(0, month, label, probability[0][i], predictedClass[0][i]);
            board.add(1, month, label, probability[1][i], predictedClass[1][i]);
            board.add(2, month, label, baseline[i], baseline[i] >= 0.5 ? 1 : 0);
        }
        return board;
    }

    private void say(String message) {
        out.println("backstream demo: " + message);
        out.flush();
    }
}
