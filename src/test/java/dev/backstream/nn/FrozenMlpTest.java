package dev.backstream.nn;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A frozen copy scores exactly as the model did when it was frozen, whatever the model and other threads do later. */
class FrozenMlpTest {
    static final Architecture SHAPE = DeferredUpdateTest.SHAPE;

    @Test
    void predictsBitForBitWhatTheModelPredictedWhenFrozenEvenWithAnUpdatePending() {
        for (OptimizerSpec optimizer : new OptimizerSpec[] {OptimizerSpec.sgd(0.2), OptimizerSpec.Adam.withDefaults(0.01)}) {
            Mlp model = Mlp.initialize(SHAPE, optimizer, 5);
            Random stream = new Random(1);
            for (int step = 0; step < 50; step++) {
                model.learn(stream.doubles(19, -1, 1).toArray(), step % 3); // plain SGD leaves its last update pending
            }
            FrozenMlp frozen = model.freeze();
            double[] x = stream.doubles(19, -1, 1).toArray();
            double[] expected = model.predict(x).copyOutput();
            assertArrayEquals(expected, frozen.predict(x).copyOutput(), optimizer.toString());
            assertEquals(model.updates(), frozen.version());
            assertEquals(model.predict(x).predictedClass(), frozen.predict(x).predictedClass());

            model.learn(x, 0);
            assertArrayEquals(expected, frozen.predict(x).copyOutput(), "later learning does not reach the frozen copy");
        }
    }

    @Test
    void manyThreadsScoreAtOnceWithTheSameResults() throws Exception {
        Mlp model = Mlp.initialize(SHAPE, OptimizerSpec.sgd(0.1), 9);
        FrozenMlp frozen = model.freeze();
        List<double[]> inputs = new ArrayList<>();
        Random random = new Random(2);
        for (int i = 0; i < 200; i++) {
            inputs.add(random.doubles(19, -3, 3).toArray());
        }
        List<double[]> expected = inputs.stream().map(x -> model.predict(x).copyOutput()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<double[]>>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> inputs.stream().map(x -> frozen.predict(x).copyOutput()).toList()));
            }
            for (Future<List<double[]>> run : runs) {
                List<double[]> outputs = run.get();
                for (int i = 0; i < inputs.size(); i++) {
                    assertArrayEquals(expected.get(i), outputs.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsFeaturesTheModelWouldReject() {
        FrozenMlp frozen = Mlp.initialize(SHAPE, OptimizerSpec.sgd(0.1), 9).freeze();
        assertThrows(InvalidSampleException.class, () -> frozen.predict(new double[3]));
        double[] nan = new double[19];
        nan[4] = Double.NaN;
        assertThrows(InvalidSampleException.class, () -> frozen.predict(nan));
    }
}
