package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.message.SourceRecord;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The stored model format")
class StoredModelTest {
    private static final MetricsSettings SETTINGS = new MetricsSettings(8, 0.9, 5_000);

    /** A softmax model after {@code n} samples, with its metrics (window 8) recorded as the learner records them. */
    private static StoredModel learned(int n) {
        Mlp model = Mlp.initialize(TopologyFixture.BLOBS, OptimizerSpec.sgd(0.1), 3);
        PrequentialMetrics metrics = new PrequentialMetrics(model.architecture(), SETTINGS);
        Random random = new Random(1);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(3);
            Outcome outcome = new Sample("blobs", new double[] {random.nextGaussian(), label, 1}, label, null, null).learnOn(model);
            metrics.learned(new Sample("blobs", new double[] {0, 0, 0}, label, null, null), outcome);
        }
        metrics.scored();
        metrics.diverged();
        metrics.deadLetter(dev.backstream.message.RejectReason.DIVERGED_UPDATE);
        return new StoredModel(model, new SourceRecord("backstream.samples", 2, 41, 1234), 5, metrics);
    }

    private static byte[] encode(StoredModel stored) {
        return stored.encodeInto(new byte[stored.encodedSize()]);
    }

    @Test
    void version2RoundTripsTheModelTheSourceAndTheMetricsWindowBitForBit() {
        StoredModel stored = learned(13);
        byte[] bytes = encode(stored);
        StoredModel decoded = StoredModel.decode(bytes, SETTINGS);
        assertTrue(decoded.model().bitIdentical(stored.model()));
        assertEquals(new SourceRecord("backstream.samples", 2, 41, 1234), decoded.source());
        assertEquals(5, decoded.lastSnapshotUpdates());
        assertEquals(8, decoded.metrics().count());
        assertArrayEquals(bytes, encode(decoded));
        assertEquals(stored.metrics().toMessage("blobs", 13, stored.source(), 0), decoded.metrics().toMessage("blobs", 13, decoded.source(), 0));
    }

    @Test
    void version1IsStillReadWithEmptyMetrics() {
        Mlp model = learned(4).model();
        ByteBuffer out = ByteBuffer.allocate(4 + 2 + 2 + 4 + 8 + 8 + BinaryModelFormat.encodedSize(model)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(StoredModel.MAGIC).putShort((short) 1).putShort((short) 0).putInt(2).putLong(41).putLong(-1);
        BinaryModelFormat.encode(model, out);
        StoredModel decoded = StoredModel.decode(out.array(), SETTINGS);
        assertTrue(decoded.model().bitIdentical(model));
        assertEquals(new SourceRecord(null, 2, 41, -1), decoded.source());
        assertEquals(0, decoded.metrics().count());
        assertNull(decoded.metrics().toMessage("blobs", 4, decoded.source(), 0).windowAccuracy());
    }

    @Test
    void aSmallerWindowKeepsTheNewestEntries() {
        StoredModel stored = learned(13);
        StoredModel narrowed = StoredModel.decode(encode(stored), new MetricsSettings(3, 0.9, 5_000));
        assertEquals(3, narrowed.metrics().count());
        StoredModel wide = StoredModel.decode(encode(stored), new MetricsSettings(100, 0.9, 5_000));
        assertEquals(8, wide.metrics().count());
        // the newest three entries of the 8: their mean equals the window-3 accuracy recomputed from a window-3 run
        StoredModel three = learnedWith(new MetricsSettings(3, 0.9, 5_000), 13);
        assertEquals(three.metrics().toMessage("blobs", 13, null, 0).windowAccuracy(),
                narrowed.metrics().toMessage("blobs", 13, null, 0).windowAccuracy());
        assertEquals(three.metrics().toMessage("blobs", 13, null, 0).windowLogLoss(),
                narrowed.metrics().toMessage("blobs", 13, null, 0).windowLogLoss());
        assertEquals(three.metrics().toMessage("blobs", 13, null, 0).classCounts(),
                narrowed.metrics().toMessage("blobs", 13, null, 0).classCounts());
    }

    private static StoredModel learnedWith(MetricsSettings settings, int n) {
        Mlp model = Mlp.initialize(TopologyFixture.BLOBS, OptimizerSpec.sgd(0.1), 3);
        PrequentialMetrics metrics = new PrequentialMetrics(model.architecture(), settings);
        Random random = new Random(1);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(3);
            Outcome outcome = new Sample("blobs", new double[] {random.nextGaussian(), label, 1}, label, null, null).learnOn(model);
            metrics.learned(new Sample("blobs", new double[] {0, 0, 0}, label, null, null), outcome);
        }
        return new StoredModel(model, new SourceRecord(null, -1, -1, -1), -1, metrics);
    }

    @Test
    void anUnknownVersionIsRejectedNamingIt() {
        byte[] bytes = encode(learned(2));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StoredModel.decode(bytes, SETTINGS));
        assertTrue(e.getMessage().contains("version 3"), e.getMessage());
    }
}
