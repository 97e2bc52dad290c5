package dev.backstream.stream;

import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("A pending event")
class PendingEventTest {

    @Test
    void keepsForEachClassTheLossTheLearningStepWouldHaveReportedOnArrival() {
        Random random = new Random(3);
        for (Mlp model : new Mlp[] {Mlp.initialize(TopologyFixture.XOR, OptimizerSpec.sgd(0.5), 7),
                Mlp.initialize(TopologyFixture.BLOBS, OptimizerSpec.sgd(0.5), 3)}) {
            for (int k = 0; k < 50; k++) {
                double[] x = random.doubles(model.architecture().inputs(), -30, 30).toArray(); // saturated outputs too
                double[] losses = PendingEvent.classLosses(model, x, model.predict(x).copyOutput());
                assertEquals(model.architecture().classes(), losses.length);
                for (int c = 0; c < losses.length; c++) {
                    double learned = model.copy().learn(x, c).loss();
                    assertEquals(Double.doubleToLongBits(learned), Double.doubleToLongBits(losses[c]), "class " + c + " of " + model.architecture().describe());
                }
            }
        }
    }

    @Test
    void roundTripsThroughItsBytes() {
        PendingEvent event = new PendingEvent(1_700_000_000_000L, 42, 7, new double[] {0.5, -0.0, Double.MIN_VALUE},
                new double[] {Double.NaN, 3}, new double[] {0.25}, 0, new double[] {0.1, 2.3});
        PendingEvent read = PendingEvent.decode(event.encode());
        assertEquals(event.timestamp(), read.timestamp());
        assertEquals(event.sequence(), read.sequence());
        assertEquals(event.modelVersion(), read.modelVersion());
        assertEquals(event.predictedClass(), read.predictedClass());
        assertArrayEquals(event.features(), read.features());
        assertArrayEquals(event.observed(), read.observed());
        assertArrayEquals(event.output(), read.output());
        assertArrayEquals(event.classLosses(), read.classLosses());
    }
}
