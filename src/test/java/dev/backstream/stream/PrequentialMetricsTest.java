package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
import dev.backstream.message.Sample;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The window's ring grows with the entries it holds (issue 17: a full window of 1,000 entries took 24 KB for every
 * model, also for those with a handful of samples): the metrics it gives and what it stores are those of a plain
 * list of the last {@code window} entries, at every count, across every growth, and through a store round trip.
 */
class PrequentialMetricsTest {
    private static final Architecture THREE_CLASSES = Architecture.of(4, Loss.CATEGORICAL_CROSS_ENTROPY,
            new LayerSpec(6, Activation.SIGMOID), new LayerSpec(3, Activation.SOFTMAX));
    private static final int WINDOW = 100;
    private static final MetricsSettings SETTINGS = new MetricsSettings(WINDOW, 0.99, 1000);

    /** One labeled prediction as the metrics score it: correct or not, its loss, the true and the predicted class. */
    private record Entry(double correct, double loss, int label, int predicted) {
    }

    @Test
    void theRingHoldsFewEntriesUntilTheModelLearnsAndGrowsToTheWindowAtMost() {
        PrequentialMetrics metrics = new PrequentialMetrics(THREE_CLASSES, SETTINGS);
        assertEquals(PrequentialMetrics.INITIAL_CAPACITY, metrics.capacity(), "a model that has not learned yet");
        Learner learner = new Learner();
        learner.learn(metrics, 20);
        assertEquals(32, metrics.capacity(), "doubled twice for 20 entries");
        learner.learn(metrics, 1000);
        assertEquals(WINDOW, metrics.capacity(), "never more than the window");
        assertEquals(1, new PrequentialMetrics(THREE_CLASSES, new MetricsSettings(1, 0.99, 1000)).capacity(), "a window of one");
    }

    @Test
    void theMetricsAreThoseOfTheLastWindowEntriesAtEveryCount() {
        PrequentialMetrics metrics = new PrequentialMetrics(THREE_CLASSES, SETTINGS);
        Learner learner = new Learner();
        List<Entry> all = new ArrayList<>();
        for (int n = 1; n <= 2 * WINDOW + 37; n++) {
            all.add(learner.learn(metrics, 1).get(0));
            List<Entry> window = all.subList(Math.max(0, all.size() - WINDOW), all.size());
            ModelMetrics message = metrics.toMessage("m", n, null, 0);
            assertEquals(window.size(), message.windowCount(), "entries held after " + n);
            assertEquals(window.stream().mapToDouble(Entry::correct).sum() / window.size(), message.windowAccuracy(), 1e-12, "accuracy after " + n);
            assertEquals(window.stream().mapToDouble(Entry::loss).sum() / window.size(), message.windowLogLoss(), 1e-12, "log-loss after " + n);
            for (ModelMetrics.ClassCount count : message.classCounts()) {
                int c = count.label();
                assertEquals(window.stream().filter(e -> e.label() == c).count(), count.actual(), "class " + c + " after " + n);
                assertEquals(window.stream().filter(e -> e.predicted() == c).count(), count.predicted(), "class " + c + " after " + n);
            }
        }
    }

    @Test
    void aStoredRingReadsBackAsTheSameMetricsWhateverItsCapacity() {
        for (int n : new int[] {0, 1, 7, 8, 9, 33, 64, 65, 99, 100, 101, 250}) {
            PrequentialMetrics metrics = new PrequentialMetrics(THREE_CLASSES, SETTINGS);
            new Learner().learn(metrics, n);
            Map<Integer, byte[]> chunks = new HashMap<>();
            metrics.sealChunks((slot, chunk) -> chunks.put(slot, chunk));
            ByteBuffer stored = ByteBuffer.allocate(metrics.encodedSize()).order(ByteOrder.LITTLE_ENDIAN);
            metrics.encode(stored);
            stored.flip();
            PrequentialMetrics read = PrequentialMetrics.decode(stored, 3, THREE_CLASSES, SETTINGS, chunks::get);
            assertEquals(metrics.toMessage("m", n, null, 0), read.toMessage("m", n, null, 0), "after " + n + " entries");
            // and both go on alike
            Learner after = new Learner(7);
            after.learn(metrics, 40);
            new Learner(7).learn(read, 40);
            assertEquals(metrics.toMessage("m", n, null, 0), read.toMessage("m", n, null, 0), "40 entries after reading " + n);
        }
    }

    /** A small softmax model learning random samples, feeding the metrics as the learner does. */
    private static final class Learner {
        private final Mlp model;
        private final Random random;

        Learner() {
            this(1);
        }

        Learner(long seed) {
            model = Mlp.initialize(THREE_CLASSES, OptimizerSpec.sgd(0.5), seed);
            random = new Random(seed);
        }

        List<Entry> learn(PrequentialMetrics metrics, int n) {
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Sample sample = new Sample("m", random.doubles(4).toArray(), random.nextInt(3), null, null);
                Outcome outcome = sample.learnOn(model);
                metrics.learned(sample, outcome);
                entries.add(new Entry(outcome.predictedClass() == sample.label() ? 1 : 0, outcome.loss(), sample.label(), outcome.predictedClass()));
            }
            return entries;
        }
    }
}
