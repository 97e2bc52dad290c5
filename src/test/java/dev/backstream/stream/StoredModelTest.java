package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
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
import java.util.HashMap;
import java.util.Map;
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
    void version3RoundTripsTheModelTheSourceAndTheMetricsWindowBitForBit() {
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
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 4);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StoredModel.decode(bytes, SETTINGS));
        assertTrue(e.getMessage().contains("version 4"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------ windows sealed in chunks

    /** The chunks a model store would hold for one model, by slot. */
    private static final class Chunks {
        final Map<Integer, byte[]> slots = new HashMap<>();
        int writes;

        /** What the model store does at a commit: seal, write the chunks, encode the value. */
        byte[] commit(StoredModel stored) {
            stored.metrics().sealChunks((slot, chunk) -> {
                writes++;
                if (chunk == null) {
                    slots.remove(slot);
                } else {
                    slots.put(slot, chunk);
                }
            });
            return encode(stored);
        }

        StoredModel decode(byte[] value, MetricsSettings settings) {
            return StoredModel.decode(value, settings, slots::get);
        }
    }

    /** {@code n} samples into a softmax model with {@code settings}, committing into {@code chunks} every {@code every}. */
    private static StoredModel learnedCommitting(MetricsSettings settings, int n, Chunks chunks, int every) {
        Mlp model = Mlp.initialize(TopologyFixture.BLOBS, OptimizerSpec.sgd(0.1), 3);
        PrequentialMetrics metrics = new PrequentialMetrics(model.architecture(), settings);
        StoredModel stored = new StoredModel(model, new SourceRecord(null, -1, -1, -1), -1, metrics);
        Random random = new Random(1);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(3);
            Outcome outcome = new Sample("blobs", new double[] {random.nextGaussian(), label, 1}, label, null, null).learnOn(model);
            metrics.learned(new Sample("blobs", new double[] {0, 0, 0}, label, null, null), outcome);
            if (chunks != null && (i + 1) % every == 0) {
                chunks.commit(stored);
            }
        }
        return stored;
    }

    private static ModelMetrics message(StoredModel stored) {
        return stored.metrics().toMessage("blobs", 1, null, 0);
    }

    private static final MetricsSettings WIDE = new MetricsSettings(150, 0.9, 5_000);

    @Test
    void aLargeWindowIsStoredInSealedChunksAndTheValueKeepsFewerThanAChunkOfEntries() {
        Chunks chunks = new Chunks();
        StoredModel stored = learnedCommitting(WIDE, 1000, chunks, 1);
        byte[] value = chunks.commit(stored);
        assertEquals(3, chunks.slots.size(), "ceil(150 / 64) slots, reused round robin");
        assertEquals(1000 / PrequentialMetrics.CHUNK, chunks.writes, "each chunk written once, when it filled");
        int inline = 1000 % PrequentialMetrics.CHUNK;
        byte[] windowOfOne = encode(learnedCommitting(new MetricsSettings(1, 0.9, 5_000), 1000, null, 1));
        assertEquals(windowOfOne.length - 24 + inline * 24, value.length, "the value holds the " + inline + " entries not sealed");
        StoredModel decoded = chunks.decode(value, WIDE);
        assertEquals(150, decoded.metrics().count());
        assertEquals(message(stored), message(decoded));
        assertArrayEquals(value, encode(decoded));
    }

    @Test
    void theStoredValueDoesNotDependOnWhenCommitsHappened() {
        Chunks everyRecord = new Chunks();
        Chunks every7 = new Chunks();
        Chunks once = new Chunks();
        byte[] a = everyRecord.commit(learnedCommitting(WIDE, 500, everyRecord, 1));
        byte[] b = every7.commit(learnedCommitting(WIDE, 500, every7, 7));
        byte[] c = once.commit(learnedCommitting(WIDE, 500, once, 1000));
        assertArrayEquals(a, b);
        assertArrayEquals(a, c);
        assertEquals(message(everyRecord.decode(a, WIDE)), message(once.decode(c, WIDE)));
        assertArrayEquals(a, encode(once.decode(c, WIDE)), "chunks sealed late (their oldest entries left the window) read back whole");
    }

    @Test
    void aWindowResizedAtRestartKeepsTheNewestEntriesAndIsSealedAgainInTheNewLayout() {
        for (int narrower : new int[] {100, 65, 40, 1}) {
            Chunks chunks = new Chunks();
            StoredModel stored = learnedCommitting(WIDE, 333, chunks, 5);
            byte[] value = chunks.commit(stored);
            MetricsSettings settings = new MetricsSettings(narrower, 0.9, 5_000);
            StoredModel narrowed = chunks.decode(value, settings);
            StoredModel reference = learnedCommitting(settings, 333, null, 1);
            assertEquals(message(reference), message(narrowed), "window " + narrower);
            byte[] again = chunks.commit(narrowed);
            assertEquals((narrower + PrequentialMetrics.CHUNK - 1) / PrequentialMetrics.CHUNK * (narrower > PrequentialMetrics.CHUNK ? 1 : 0),
                    chunks.slots.size(), "the slots of the wider layout are deleted; window " + narrower);
            assertEquals(message(reference), message(chunks.decode(again, settings)), "window " + narrower);
        }
        Chunks chunks = new Chunks();
        StoredModel stored = learnedCommitting(WIDE, 333, chunks, 3);
        StoredModel widened = chunks.decode(chunks.commit(stored), new MetricsSettings(1000, 0.9, 5_000));
        assertEquals(150, widened.metrics().count(), "a wider window starts with the entries stored");
        assertEquals(message(stored).windowAccuracy(), message(widened).windowAccuracy());
        byte[] again = chunks.commit(widened);
        assertEquals(message(widened), message(chunks.decode(again, new MetricsSettings(1000, 0.9, 5_000))));
    }

    @Test
    void version2IsStillReadAndItsWindowSealedIntoChunksAtTheNextCommit() {
        StoredModel stored = learnedCommitting(WIDE, 400, null, 1); // never sealed: the whole window inline
        byte[] version2 = version2(stored);

        Chunks chunks = new Chunks();
        StoredModel upgraded = chunks.decode(version2, WIDE);
        assertEquals(message(stored), message(upgraded));
        byte[] value = chunks.commit(upgraded);
        assertTrue(value.length < version2.length - 100 * 24, value.length + " bytes");
        assertEquals(message(stored), message(chunks.decode(value, WIDE)));
    }

    @Test
    void aMissingChunkIsReportedNamingItsSlot() {
        Chunks chunks = new Chunks();
        byte[] value = chunks.commit(learnedCommitting(WIDE, 300, chunks, 1));
        chunks.slots.remove(2); // chunk 2, entries [128, 192): the window is [150, 300), 44 of them inline
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> chunks.decode(value, WIDE));
        assertTrue(e.getMessage().contains("chunk 2 (slot 2) is missing"), e.getMessage());
    }

    // ------------------------------------------------------------------------------- summaries (a task's start)

    /**
     * {@link StoredModel#summarize} reads a value's header and skips its parameters and window entries: what it says
     * must be what a full decode says, whatever the model's kind (a regression window's entries are 16 bytes, a
     * classifier's 24), the window's layout (inline or in chunks, which summarize never reads) and the value's version.
     */
    @org.junit.jupiter.api.Nested
    @DisplayName("a summary, read without decoding")
    class Summaries {
        private void assertAgreesWithDecode(byte[] value, java.util.function.IntFunction<byte[]> chunks, boolean changed) {
            StoredModel decoded = StoredModel.decode(value, WIDE, chunks);
            StoredModel.Summary summary = StoredModel.summarize(value);
            assertEquals(decoded.model().updates(), summary.updates());
            assertEquals(decoded.lastSnapshotUpdates(), summary.lastSnapshotUpdates());
            assertEquals(decoded.metrics().changedSincePublished(), summary.metricsChanged());
            assertEquals(changed, summary.metricsChanged());
            assertEquals(decoded.source().topic() != null || decoded.source().offset() >= 0, summary.learned(),
                    "a model stored before its first update has no source record");
        }

        @Test
        void ofAClassifierAgreesWithItsDecodeBeforeAndAfterItsMetricsArePublished() {
            StoredModel stored = learned(13); // a source topic, dead letters after the counters
            assertAgreesWithDecode(encode(stored), StoredModel.NO_CHUNKS, true);
            stored.metrics().published();
            assertAgreesWithDecode(encode(stored), StoredModel.NO_CHUNKS, false);
            assertEquals(new StoredModel.Summary(13, 5, false, true), StoredModel.summarize(encode(stored)));
        }

        @Test
        void ofARegressionModelAgreesWithItsDecodeBeforeAndAfterItsMetricsArePublished() {
            dev.backstream.nn.Architecture regression = dev.backstream.nn.Architecture.of(2, dev.backstream.nn.Loss.SQUARED_ERROR,
                    new dev.backstream.nn.LayerSpec(4, dev.backstream.nn.Activation.TANH),
                    new dev.backstream.nn.LayerSpec(2, dev.backstream.nn.Activation.LINEAR));
            Mlp model = Mlp.initialize(regression, OptimizerSpec.Adam.withDefaults(0.01), 3);
            PrequentialMetrics metrics = new PrequentialMetrics(regression, SETTINGS);
            Random random = new Random(2);
            for (int i = 0; i < 11; i++) {
                Sample sample = new Sample("r", new double[] {random.nextGaussian(), random.nextGaussian()}, null,
                        new double[] {random.nextGaussian(), random.nextGaussian()}, null);
                metrics.learned(sample, sample.learnOn(model));
            }
            StoredModel stored = new StoredModel(model, new SourceRecord(null, -1, -1, -1), -1, metrics);
            assertAgreesWithDecode(encode(stored), StoredModel.NO_CHUNKS, true);
            metrics.published();
            assertAgreesWithDecode(encode(stored), StoredModel.NO_CHUNKS, false);
            metrics.scored();
            assertAgreesWithDecode(encode(stored), StoredModel.NO_CHUNKS, true);
        }

        @Test
        void ofAWindowInChunksAgreesWithItsDecodeWithoutReadingAChunk() {
            Chunks chunks = new Chunks();
            StoredModel stored = learnedCommitting(WIDE, 1000, chunks, 7);
            byte[] value = chunks.commit(stored);
            assertAgreesWithDecode(value, chunks.slots::get, true);
            stored.metrics().published();
            byte[] published = chunks.commit(stored);
            assertAgreesWithDecode(published, chunks.slots::get, false);
            // summarize is given no chunks at all: it must not need them
            assertEquals(new StoredModel.Summary(1000, -1, false, false), StoredModel.summarize(published));
        }

        @Test
        void ofVersions2And1AgreesWithTheirDecode() {
            StoredModel stored = learnedCommitting(WIDE, 400, null, 1);
            stored.metrics().published();
            stored.metrics().scored(); // changed since published
            byte[] version2 = version2(stored);
            assertAgreesWithDecode(version2, StoredModel.NO_CHUNKS, true);

            Mlp model = learned(4).model();
            ByteBuffer version1 = ByteBuffer.allocate(4 + 2 + 2 + 4 + 8 + 8 + BinaryModelFormat.encodedSize(model)).order(ByteOrder.LITTLE_ENDIAN);
            version1.putInt(StoredModel.MAGIC).putShort((short) 1).putShort((short) 0).putInt(2).putLong(41).putLong(3);
            BinaryModelFormat.encode(model, version1);
            assertAgreesWithDecode(version1.array(), StoredModel.NO_CHUNKS, false);
            assertEquals(new StoredModel.Summary(4, 3, false, true), StoredModel.summarize(version1.array()));
        }

        @Test
        void rejectsAValueCutShortInsteadOfReadingPastIt() {
            byte[] value = encode(learned(13));
            // the value ends with 83 bytes of fading sums, counters and a dead-letter count: 100 reach into the entries
            byte[] cut = java.util.Arrays.copyOf(value, value.length - 100);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> StoredModel.summarize(cut));
            assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
        }
    }

    /** {@code stored} in version 2: version 3 without the long total, short chunk size, short slots and int inline after the count. */
    private static byte[] version2(StoredModel stored) {
        byte[] version3 = encode(stored);
        int metricsAt = version3.length - stored.metrics().encodedSize();
        byte[] version2 = new byte[version3.length - 16];
        System.arraycopy(version3, 0, version2, 0, metricsAt + 4);
        System.arraycopy(version3, metricsAt + 20, version2, metricsAt + 4, version3.length - metricsAt - 20);
        ByteBuffer.wrap(version2).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 2);
        return version2;
    }
}
