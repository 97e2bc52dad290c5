package dev.backstream.stream;

import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void roundTripsThroughItsBytesWithItsChallengersScores() {
        PendingEvent event = new PendingEvent(1_700_000_000_000L, 42, 7, new double[] {0.5, -0.0, Double.MIN_VALUE},
                new double[] {Double.NaN, 3}, new double[] {0.25}, 0, new double[] {0.1, 2.3},
                List.of(new PendingEvent.ChallengerScore("wide", new double[] {0.75}, 1, new double[] {1.4, 0.3}),
                        new PendingEvent.ChallengerScore("d\u00e9ep", new double[] {0.5}, 0, new double[] {0.7, 0.7})));
        PendingEvent read = PendingEvent.decode(event.encode());
        assertEquals(event.timestamp(), read.timestamp());
        assertEquals(event.sequence(), read.sequence());
        assertEquals(event.modelVersion(), read.modelVersion());
        assertEquals(event.predictedClass(), read.predictedClass());
        assertArrayEquals(event.features(), read.features());
        assertArrayEquals(event.observed(), read.observed());
        assertArrayEquals(event.output(), read.output());
        assertArrayEquals(event.classLosses(), read.classLosses());
        assertEquals(2, read.challengers().size());
        for (int k = 0; k < 2; k++) {
            PendingEvent.ChallengerScore written = event.challengers().get(k);
            PendingEvent.ChallengerScore back = read.challengers().get(k);
            assertEquals(written.name(), back.name());
            assertEquals(written.predictedClass(), back.predictedClass());
            assertArrayEquals(written.output(), back.output());
            assertArrayEquals(written.classLosses(), back.classLosses());
        }
        assertEquals(1.4, read.challenger("wide").classLosses()[0]);
        assertNull(read.challenger("other"));
    }

    @Test
    void readsFormat1WithoutChallengerScores() {
        // format 1 as the previous release wrote it: version, timestamp, sequence, model version, predicted class, then
        // features, observed, output and class losses, each an int length and its doubles
        ByteBuffer v1 = ByteBuffer.allocate(1 + 8 + 8 + 8 + 4 + 4 * 4 + 8 * 4).order(ByteOrder.LITTLE_ENDIAN);
        v1.put((byte) 1).putLong(5).putLong(6).putLong(7).putInt(1);
        v1.putInt(1).putDouble(0.5).putInt(0).putInt(1).putDouble(0.9).putInt(2).putDouble(2.3).putDouble(0.1);
        PendingEvent read = PendingEvent.decode(v1.array());
        assertEquals(5, read.timestamp());
        assertEquals(6, read.sequence());
        assertEquals(7, read.modelVersion());
        assertEquals(1, read.predictedClass());
        assertArrayEquals(new double[] {0.5}, read.features());
        assertArrayEquals(new double[0], read.observed());
        assertArrayEquals(new double[] {0.9}, read.output());
        assertArrayEquals(new double[] {2.3, 0.1}, read.classLosses());
        assertTrue(read.challengers().isEmpty());
    }
}
