package dev.backstream.stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pending-events store never walks what it retired: eviction, expiry and the forgetting of markers each start at
 * the lowest entry that can still be live, so their work per record or punctuation does not grow with the stream, on a
 * store that keeps every deleted key as a tombstone (RocksDB between compactions).
 */
@DisplayName("The pending events' bookkeeping")
class PendingEventsCostTest {
    private static final int MAX_PENDING = 50;
    private static final int EVENTS = 10 * MAX_PENDING;
    private static final double[] NONE = new double[0];

    private static void keep(PendingEvents pending, int i, long time) {
        pending.keep("m", "e-" + i, time, 0, new double[] {i}, NONE, new double[] {0.5}, 0, new double[] {0.7, 0.7}, java.util.List.of());
    }

    @Test
    void evictsEachOldestEventWithoutWalkingTheEvictedOnes() {
        TombstoneCountingStore store = new TombstoneCountingStore();
        PendingEvents pending = new PendingEvents(store, new EventSettings(null, Long.MAX_VALUE / 4, MAX_PENDING));
        for (int i = 0; i < EVENTS; i++) {
            keep(pending, i, i);
        }
        assertEquals(EVENTS - MAX_PENDING, pending.counts("m").evicted());
        assertEquals(MAX_PENDING, pending.counts("m").pending());
        assertTrue(store.visited() < 5L * EVENTS, "index entries walked by " + (EVENTS - MAX_PENDING) + " evictions: " + store.visited());
    }

    @Test
    void expiresEventsOverManyPunctuationsWithoutWalkingTheExpiredOnes() {
        TombstoneCountingStore store = new TombstoneCountingStore();
        PendingEvents pending = new PendingEvents(store, new EventSettings(null, 100, MAX_PENDING));
        for (int i = 0; i < EVENTS; i++) {
            keep(pending, i, 10L * i);
            if (i % 5 == 4) {
                pending.expire(10L * i); // a punctuation every 5 events
            }
        }
        assertTrue(pending.counts("m").expired() > EVENTS - 30, "expired: " + pending.counts("m").expired());
        assertTrue(store.visited() < 5L * EVENTS, "index entries walked by " + EVENTS / 5 + " punctuations: " + store.visited());
    }

    @Test
    void forgetsMarkersOverManyPunctuationsWithoutWalkingTheForgottenOnes() {
        TombstoneCountingStore store = new TombstoneCountingStore();
        PendingEvents pending = new PendingEvents(store, new EventSettings(null, 100, MAX_PENDING));
        for (int i = 0; i < EVENTS; i++) {
            keep(pending, i, 10L * i);
            pending.finish("m", "e-" + i, pending.get("m", "e-" + i), PendingEvents.Marker.LEARNED); // joined at once
            if (i % 5 == 4) {
                pending.expire(10L * i);
            }
        }
        assertEquals(EVENTS, pending.counts("m").joined());
        assertEquals(null, pending.marker("m", "e-0"), "forgotten");
        assertEquals(PendingEvents.Marker.LEARNED, pending.marker("m", "e-" + (EVENTS - 1)));
        assertTrue(store.visited() < 5L * EVENTS, "marker index entries walked by " + EVENTS / 5 + " punctuations: " + store.visited());
    }

    private static final dev.backstream.message.SourceRecord SOURCE = new dev.backstream.message.SourceRecord("labels", 0, 0, 0);

    private static PendingEvents.Evictions keepLabel(PendingEvents pending, int i, long time) {
        return pending.keepLabel("m", "e-" + i, time, SOURCE, null, new byte[] {'{', '}'});
    }

    @Test
    void evictsEachOldestKeptLabelWithoutWalkingTheEvictedOnes() {
        TombstoneCountingStore store = new TombstoneCountingStore();
        PendingEvents pending = new PendingEvents(store, new EventSettings(null, Long.MAX_VALUE / 4, MAX_PENDING));
        int evicted = 0;
        for (int i = 0; i < EVENTS; i++) {
            List<KeptLabel> labels = keepLabel(pending, i, i).labels();
            for (KeptLabel label : labels) {
                assertEquals("e-" + evicted++, label.id(), "the oldest");
            }
        }
        assertEquals(EVENTS - MAX_PENDING, evicted);
        assertTrue(store.visited() < 5L * EVENTS, "index entries walked by " + evicted + " evictions: " + store.visited());
    }

    @Test
    void expiresKeptLabelsOverManyPunctuationsWithoutWalkingTheExpiredOnes() {
        TombstoneCountingStore store = new TombstoneCountingStore();
        PendingEvents pending = new PendingEvents(store, new EventSettings(null, 100, MAX_PENDING));
        int expired = 0;
        for (int i = 0; i < EVENTS; i++) {
            keepLabel(pending, i, 10L * i);
            if (i % 5 == 4) {
                expired += pending.expire(10L * i).labels().size();
            }
        }
        assertTrue(expired > EVENTS - 30, "expired (two TTLs after each): " + expired);
        assertTrue(store.visited() < 5L * EVENTS, "index entries walked by " + EVENTS / 5 + " punctuations: " + store.visited());
    }

    @Test
    void aRestartRebuildsWhereEachIndexStarts() {
        TombstoneCountingStore store = new TombstoneCountingStore();
        EventSettings settings = new EventSettings(null, 100, MAX_PENDING);
        PendingEvents before = new PendingEvents(store, settings);
        for (int i = 0; i < EVENTS; i++) {
            keep(before, i, i);
        }
        PendingEvents after = new PendingEvents(store, settings);
        assertEquals(MAX_PENDING, after.counts("m").pending());
        long atRestart = store.visited();
        for (int i = EVENTS; i < 2 * EVENTS; i++) {
            keep(after, i, i);
        }
        assertEquals(null, after.get("m", "e-" + (2 * EVENTS - MAX_PENDING - 1)), "evicted");
        assertTrue(after.get("m", "e-" + (2 * EVENTS - MAX_PENDING)) != null, "the newest kept");
        assertTrue(store.visited() - atRestart < 5L * EVENTS, "after the restart: " + (store.visited() - atRestart));
    }
}
