package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.data.Flight;
import dev.backstream.json.Json;
import dev.backstream.snapshot.SnapshotJson;
import dev.backstream.data.Flights;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        Activation activation = Activation.TANH;
        String optimizer = "sgd";
        double lr = 0.05;
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
            FlightsScoreboard board = run(Flights.load(limit), labelDelay, definition.model(), definition.encoding());
            System.out.printf(Locale.ROOT, "# %s, limit %d, label delay %d (%.1f s)%n", DEFINITION, limit, labelDelay, (System.nanoTime() - start) / 1e9);
            board.render().forEach(System.out::println);
            return;
        }
        ReferenceEncoding encoding = new ReferenceEncoding(buckets);
        OptimizerSpec spec = switch (optimizer) {
            case "sgd" -> OptimizerSpec.sgd(lr);
            case "adam" -> OptimizerSpec.Adam.withDefaults(lr);
            default -> throw new IllegalArgumentException("optimizer " + optimizer);
        };
        Architecture architecture = hidden == 0
                ? Architecture.of(encoding.width(), Loss.BINARY_CROSS_ENTROPY, new LayerSpec(1, Activation.SIGMOID))
                : Architecture.of(encoding.width(), Loss.BINARY_CROSS_ENTROPY, new LayerSpec(hidden, activation), new LayerSpec(1, Activation.SIGMOID));
        Mlp model = Mlp.initialize(architecture, spec, 1);
        long start = System.nanoTime();
        FlightsScoreboard board = run(Flights.load(limit), labelDelay, model, encoding);
        System.out.printf(Locale.ROOT, "# limit %d, label delay %d, buckets %d, hidden %d %s, %s lr %s (%.1f s)%n", limit, labelDelay, buckets,
                hidden, activation.id(), optimizer, lr, (System.nanoTime() - start) / 1e9);
        board.render().forEach(System.out::println);
    }

    /** A flights model definition: a fresh model and its encoding. */
    record Definition(Mlp model, ReferenceEncoding encoding) {
        static Definition read(Path file) throws IOException {
            ObjectNode json = (ObjectNode) Json.MAPPER.readTree(file.toFile());
            JsonNode features = json.remove("features");
            int buckets = features.path("fields").get(1).path("buckets").asInt();
            return new Definition(SnapshotJson.read(json).model(), new ReferenceEncoding(buckets));
        }
    }

    /** One flight waiting for its label: its features as encoded when it departed, and what the preprocessing learns. */
    private record Pending(double[] features, double[] observed, int label) {
    }

    static FlightsScoreboard run(List<Flight> flights, int labelDelay, Mlp online, ReferenceEncoding encoding) {
        FlightsScoreboard board = new FlightsScoreboard(List.of("online", "frozen after Jan", "majority baseline"));
        double[] state = encoding.newState();
        Mlp frozen = null;
        double[] frozenState = null;
        FlightsScoreboard.MajorityBaseline baseline = new FlightsScoreboard.MajorityBaseline();
        ArrayDeque<Pending> pending = new ArrayDeque<>();
        LocalDateTime february = LocalDateTime.of(2001, 2, 1, 0, 0);
        for (Flight flight : flights) {
            if (frozen == null && !flight.departure().isBefore(february)) {
                frozen = online.copy();
                frozenState = state.clone();
            }
            YearMonth month = YearMonth.from(flight.departure());
            int label = flight.delayedMoreThan(15) ? 1 : 0;
            board.addLabel(month, label);
            double[] x = encoding.encode(flight, state);
            Outcome now = online.predict(x);
            board.add(0, month, label, now.output(0), now.predictedClass());
            if (frozen == null) {
                board.add(1, month, label, now.output(0), now.predictedClass()); // the same model until February
            } else {
                Outcome then = frozen.predict(encoding.encode(flight, frozenState));
                board.add(1, month, label, then.output(0), then.predictedClass());
            }
            board.add(2, month, label, baseline.probability(), baseline.predictedClass());
            pending.add(new Pending(x, encoding.observed(flight), label));
            if (pending.size() > labelDelay) {
                learn(pending.removeFirst(), online, state, baseline, encoding);
            }
        }
        return board;
    }

    private static void learn(Pending flight, Mlp online, double[] state, FlightsScoreboard.MajorityBaseline baseline, ReferenceEncoding encoding) {
        online.learn(flight.features(), flight.label());
        encoding.learn(state, flight.observed());
        baseline.learn(flight.label());
    }

    /**
     * The encoding {@code config/flights/flights.json} declares, written out by hand from FeatureSpec's contract
     * (until FeatureSpec itself is implemented): distance standardized with Welford's running statistics, origin and
     * destination hashed with MurmurHash3 (x86, 32 bit, seed 0) into {@code buckets}, and the departure's hour of day
     * and day of week as sin/cos pairs.
     */
    static final class ReferenceEncoding {
        private final int buckets;

        ReferenceEncoding(int buckets) {
            this.buckets = buckets;
        }

        int width() {
            return 1 + 2 * buckets + 4;
        }

        /** {count, mean, M2} of the distance. */
        double[] newState() {
            return new double[3];
        }

        double[] observed(Flight flight) {
            return new double[] {flight.distance()};
        }

        void learn(double[] state, double[] observed) {
            double x = observed[0];
            state[0]++;
            double delta = x - state[1];
            state[1] += delta / state[0];
            state[2] += delta * (x - state[1]);
        }

        double[] encode(Flight flight, double[] state) {
            double[] x = new double[width()];
            double sd = state[0] == 0 ? 0 : Math.sqrt(state[2] / state[0]);
            x[0] = sd == 0 ? 0 : (flight.distance() - state[1]) / sd;
            x[1 + bucket(flight.origin())] = 1;
            x[1 + buckets + bucket(flight.destination())] = 1;
            LocalDateTime t = flight.departure();
            double hour = t.getHour() + t.getMinute() / 60.0;
            int day = t.getDayOfWeek().getValue() - 1;
            int c = 1 + 2 * buckets;
            x[c] = Math.sin(2 * Math.PI * hour / 24);
            x[c + 1] = Math.cos(2 * Math.PI * hour / 24);
            x[c + 2] = Math.sin(2 * Math.PI * day / 7);
            x[c + 3] = Math.cos(2 * Math.PI * day / 7);
            return x;
        }

        private int bucket(String value) {
            return (int) (Integer.toUnsignedLong(murmur3(value.getBytes(StandardCharsets.UTF_8))) % buckets);
        }

        /** MurmurHash3_x86_32 with seed 0. */
        static int murmur3(byte[] data) {
            int h = 0;
            int n = data.length / 4;
            for (int i = 0; i < n; i++) {
                int k = (data[4 * i] & 0xff) | (data[4 * i + 1] & 0xff) << 8 | (data[4 * i + 2] & 0xff) << 16 | (data[4 * i + 3] & 0xff) << 24;
                k *= 0xcc9e2d51;
                k = Integer.rotateLeft(k, 15);
                k *= 0x1b873593;
                h ^= k;
                h = Integer.rotateLeft(h, 13);
                h = h * 5 + 0xe6546b64;
            }
            int k = 0;
            int tail = 4 * n;
            switch (data.length & 3) {
                case 3:
                    k ^= (data[tail + 2] & 0xff) << 16;
                case 2:
                    k ^= (data[tail + 1] & 0xff) << 8;
                case 1:
                    k ^= data[tail] & 0xff;
                    k *= 0xcc9e2d51;
                    k = Integer.rotateLeft(k, 15);
                    k *= 0x1b873593;
                    h ^= k;
                default:
            }
            h ^= data.length;
            h ^= h >>> 16;
            h *= 0x85ebca6b;
            h ^= h >>> 13;
            h *= 0xc2b2ae35;
            h ^= h >>> 16;
            return h;
        }
    }
}
