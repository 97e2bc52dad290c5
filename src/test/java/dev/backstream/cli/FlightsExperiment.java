package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.backstream.data.Flight;
import dev.backstream.data.Flights;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.FeatureException;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.SnapshotJson;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * The offline experiment behind {@code config/flights/flights.json}: prequential (predict each flight when it departs,
 * learn it when its label arrives {@code labelDelay} flights later) month by month, for the online model, the same
 * model frozen on February 1, and the majority baseline.
 *
 * <p>Without options it runs {@code config/flights/flights.json} as the demo does; {@code --hidden} (0 for none),
 * {@code --activation}, {@code --optimizer} (sgd, adam), {@code --lr} and {@code --buckets} try another model instead.
 *
 * <pre>
 * mvn -B -q -Pbench test-compile exec:exec -Dbench.main=dev.backstream.cli.FlightsExperiment -Djmh.args="--label-delay 500"
 * mvn -B -q -Pbench test-compile exec:exec -Dbench.main=dev.backstream.cli.FlightsExperiment \
 *     -Djmh.args="--buckets 128 --hidden 16 --activation tanh --optimizer adam --lr 0.001"
 * </pre>
 */
public final class FlightsExperiment {

    /** The flights model the demo declares. */
    static final Path DEFINITION = Path.of("config/flights/flights.json");

    public static void main(String[] args) throws IOException {
        boolean custom = false;
        int limit = Flights.ROWS;
        int labelDelay = 500;
        int buckets = 64;
        int hidden = 16;
        Activation activation = Activation.RELU;
        String optimizer = "sgd";
        double lr = 0.01;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            custom |= !List.of("--limit", "--label-delay").contains(args[i]);
            switch (args[i]) {
                case "--limit" -> limit = Integer.parseInt(value);
                case "--label-delay" -> labelDelay = Integer.parseInt(value);
                case "--buckets" -> buckets = Integer.parseInt(value);
                case "--hidden" -> hidden = Integer.parseInt(value);
                case "--activation" -> activation = Activation.fromId(value);
                case "--optimizer" -> optimizer = value;
                case "--lr" -> lr = Double.parseDouble(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (!custom) {
            Definition definition = Definition.read(DEFINITION);
            long start = System.nanoTime();
            FlightsScoreboard board = run(Flights.load(limit), labelDelay, definition.model(), definition.features());
            System.out.printf(Locale.ROOT, "# %s, limit %d, label delay %d (%.1f s)%n", DEFINITION, limit, labelDelay, (System.nanoTime() - start) / 1e9);
            board.render().forEach(System.out::println);
            return;
        }
        // the definition's spec with another number of buckets for both airports
        ObjectNode featuresJson = (ObjectNode) Json.MAPPER.readTree(DEFINITION.toFile()).get("features");
        for (JsonNode field : featuresJson.get("fields")) {
            if (field.has("buckets")) {
                ((ObjectNode) field).put("buckets", buckets);
            }
        }
        FeatureSpec features = FeatureSpec.parse(featuresJson, DEFINITION + " with " + buckets + " buckets");
        OptimizerSpec spec = switch (optimizer) {
            case "sgd" -> OptimizerSpec.sgd(lr);
            case "adam" -> OptimizerSpec.Adam.withDefaults(lr);
            default -> throw new IllegalArgumentException("optimizer " + optimizer);
        };
        Architecture architecture = hidden == 0
                ? Architecture.of(features.width(), Loss.BINARY_CROSS_ENTROPY, new LayerSpec(1, Activation.SIGMOID))
                : Architecture.of(features.width(), Loss.BINARY_CROSS_ENTROPY, new LayerSpec(hidden, activation), new LayerSpec(1, Activation.SIGMOID));
        Mlp model = Mlp.initialize(architecture, spec, 1);
        long start = System.nanoTime();
        FlightsScoreboard board = run(Flights.load(limit), labelDelay, model, features);
        System.out.printf(Locale.ROOT, "# limit %d, label delay %d, buckets %d, hidden %d %s, %s lr %s (%.1f s)%n", limit, labelDelay, buckets,
                hidden, activation.id(), optimizer, lr, (System.nanoTime() - start) / 1e9);
        board.render().forEach(System.out::println);
    }

    /** A flights model definition: a fresh model and its feature spec. */
    record Definition(Mlp model, FeatureSpec features) {
        static Definition read(Path file) throws IOException {
            ObjectNode json = (ObjectNode) Json.MAPPER.readTree(file.toFile());
            JsonNode features = json.remove("features");
            return new Definition(SnapshotJson.read(json).model(), FeatureSpec.parse(features, file.toString()));
        }
    }

    /** One flight waiting for its label: its features as encoded when it departed, and what the preprocessing learns. */
    private record Pending(double[] features, double[] observed, JsonNode delay) {
    }

    /**
     * Predicts each flight when it departs (encoded by {@code features} with the statistics learned so far), and
     * learns it when its label arrives, {@code labelDelay} flights later; a copy of the model stops learning when the
     * first February flight departs.
     */
    static FlightsScoreboard run(List<Flight> flights, int labelDelay, Mlp online, FeatureSpec features) {
        FlightsScoreboard board = new FlightsScoreboard(List.of("online", "frozen after Jan", "majority baseline"));
        Preprocessing state = features.newState();
        Mlp frozen = null;
        Preprocessing frozenState = null;
        FlightsScoreboard.MajorityBaseline baseline = new FlightsScoreboard.MajorityBaseline();
        ArrayDeque<Pending> pending = new ArrayDeque<>();
        LocalDateTime february = LocalDateTime.of(2001, 2, 1, 0, 0);
        int id = 0;
        try {
            for (Flight flight : flights) {
                if (frozen == null && !flight.departure().isBefore(february)) {
                    frozen = online.copy();
                    frozenState = state.copy();
                }
                YearMonth month = YearMonth.from(flight.departure());
                int label = flight.delayedMoreThan(15) ? 1 : 0;
                board.addLabel(month, label);
                JsonNode event = Json.MAPPER.readTree(FlightEvents.event("flights", Integer.toString(id++), flight));
                EncodedEvent encoded = features.encode(event, state);
                Outcome now = online.predict(encoded.features());
                board.add(0, month, label, now.output(0), now.predictedClass());
                if (frozen == null) {
                    board.add(1, month, label, now.output(0), now.predictedClass()); // the same model until February
                } else {
                    Outcome then = frozen.predict(features.encode(event, frozenState).features());
                    board.add(1, month, label, then.output(0), then.predictedClass());
                }
                board.add(2, month, label, baseline.probability(), baseline.predictedClass());
                pending.add(new Pending(encoded.features(), encoded.observed(), IntNode.valueOf(flight.delay())));
                if (pending.size() > labelDelay) {
                    Pending labeled = pending.removeFirst();
                    int y = features.parseLabel(labeled.delay()).classIndex();
                    online.learn(labeled.features(), y);
                    state.learn(labeled.observed());
                    baseline.learn(y);
                }
            }
        } catch (FeatureException | IOException e) {
            throw new IllegalStateException("flight " + id + ": " + e.getMessage(), e);
        }
        return board;
    }

}
