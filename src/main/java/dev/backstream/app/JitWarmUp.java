package dev.backstream.app;

import dev.backstream.model.ModelDefinition;
import dev.backstream.model.ModelCatalog;
import dev.backstream.message.Prediction;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Exercises the per-record path (parse, learn, write the prediction) on throwaway copies of the declared models while
 * Kafka Streams joins its group and restores its stores, so that the JIT has compiled it by the time the first records arrive: interpreted, one
 * 100k-parameter step takes milliseconds instead of ~50 µs, and a restarted instance would otherwise spend its first
 * commit intervals compiling. It never touches a live model; the work is bounded in steps and time, and it stops as
 * soon as the application publishes its first prediction: from then on live records compile the same path, and on a
 * small machine the warm-up would only take a core from them (measured on 2 cores: in the end-to-end benchmark's S4
 * run the warm-up thread drew a third as many CPU samples as the stream thread while the backlog was processed).
 */
final class JitWarmUp implements Runnable {
    private static final int STEPS_PER_MODEL = 3_000;
    private static final long BUDGET_NANOS = 1_500_000_000L;
    private final ModelCatalog catalog;
    private final BooleanSupplier liveRecords;

    /** @param liveRecords whether live records are being processed: the warm-up stops when it turns true */
    JitWarmUp(ModelCatalog catalog, BooleanSupplier liveRecords) {
        this.catalog = catalog;
        this.liveRecords = liveRecords;
    }

    /** Starts the warm-up on a daemon thread. */
    static void startInBackground(ModelCatalog catalog, BooleanSupplier liveRecords) {
        Thread thread = new Thread(new JitWarmUp(catalog, liveRecords), "backstream-jit-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    @Override
    public void run() {
        warmUp();
    }

    /** The warm-up itself; returns the number of steps taken. */
    int warmUp() {
        int steps = 0;
        long deadline = System.nanoTime() + BUDGET_NANOS;
        SplittableRandom random = new SplittableRandom(1);
        SampleParser parser = new SampleParser();
        for (ModelDefinition definition : oneOfEachKind(catalog)) {
            if (System.nanoTime() >= deadline || liveRecords.getAsBoolean()) {
                break; // the budget bounds the whole warm-up, building the models included
            }
            Mlp copy = definition.newModel();
            Architecture architecture = copy.architecture();
            for (int step = 0; step < STEPS_PER_MODEL && System.nanoTime() < deadline && !liveRecords.getAsBoolean(); step++) {
                Sample sample = parser.parse(sampleJson(definition.id(), architecture, random));
                Outcome outcome = sample.learnOn(copy);
                Prediction.of(sample, outcome).toJson();
                steps++;
            }
        }
        return steps;
    }

    /**
     * One definition of each kind among the declared models and their challengers, in the catalog's iteration order
     * (which may differ from run to run): the kind is the architecture (shape, loss and dtype: a float32 model runs
     * other code than a float64 one of the same shape) and the optimizer type. Models of one kind run the same code, so
     * warming one warms all, and the budget goes to the kinds not yet seen instead of to the first models of a large
     * catalog.
     */
    static List<ModelDefinition> oneOfEachKind(ModelCatalog catalog) {
        Map<List<Object>, ModelDefinition> kinds = new LinkedHashMap<>();
        for (ModelDefinition definition : catalog.all()) {
            kinds.putIfAbsent(kind(definition), definition);
            for (ModelDefinition challenger : definition.challengers().values()) {
                kinds.putIfAbsent(kind(challenger), challenger);
            }
        }
        return List.copyOf(kinds.values());
    }

    private static List<Object> kind(ModelDefinition definition) {
        return List.of(definition.architecture(), definition.optimizer().type());
    }

    private static byte[] sampleJson(String id, Architecture architecture, SplittableRandom random) {
        double[] features = new double[architecture.inputs()];
        for (int i = 0; i < features.length; i++) {
            features[i] = fraction(random);
        }
        if (architecture.classes() > 0) {
            return new Sample(id, features, random.nextInt(architecture.classes()), null, null).toJson();
        }
        double[] target = new double[architecture.outputs()];
        for (int i = 0; i < target.length; i++) {
            target[i] = fraction(random);
        }
        return new Sample(id, features, null, target, null).toJson();
    }

    /** A number in [0, 1] with three decimals, the way samples usually look. */
    private static double fraction(SplittableRandom random) {
        return random.nextInt(1001) / 1000.0;
    }
}
