package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelDefinition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The events of a task's models that wait for their labels, and the labels that came before their events and wait for
 * them (a two-sided join: the events and labels topics are interleaved by fetch timing, so in a replay a label may be
 * processed first), in a change-logged store of their own (written in the same transaction as the outputs of the
 * records that change it), with small markers of the events already learned, expired or evicted, kept one more TTL so
 * that a late or repeated label can be told from an unknown id.
 *
 * <p><b>Keys</b> (a model id, a NUL, which model ids never contain, then):
 * <ul>
 *   <li>{@code e<event id>}: a {@link PendingEvent};</li>
 *   <li>{@code p<sequence>}: the pending index, in arrival order (16 hex digits), whose value is the event id: the oldest
 *       is evicted, and expiry walks it from its oldest;</li>
 *   <li>{@code d<event id>}: a marker: its {@link Marker} and the stream time after which it is forgotten;</li>
 *   <li>{@code m<sequence>}: the marker index, in the order the markers were made, whose value is the event id;</li>
 *   <li>{@code l<event id>}: a {@link KeptLabel} waiting for its event;</li>
 *   <li>{@code q<sequence>}: the kept labels' index, in arrival order, whose value is the event id: expiry walks it
 *       from its oldest; pending events and kept labels share the sequence and the bound {@code labels.max.pending},
 *       and the oldest of either kind is evicted;</li>
 *   <li>{@code c}: the model's counts of labels joined, events expired and events evicted.</li>
 * </ul>
 * The number of pending events, the next sequence and where each index starts (the lowest sequence that can still be
 * live in it) of each model are kept in memory, rebuilt from the store when the task starts; nothing scans the store per
 * record. Eviction, expiry and the forgetting of markers read their index with a range from where it starts, so RocksDB
 * seeks past the delete tombstones that retired entries leave until a compaction, and never walks them again: their
 * work does not grow with the number of events the model has seen.
 */
final class PendingEvents {
    /**
     * What became of an event that is no longer pending. The last four retire an event whose kept encoding and arrival
     * prediction belong to a model that is gone: the model was reset (by a command or a drift detection), rolled back,
     * or replaced by a promoted challenger, or its feature spec changed since the event arrived. Stored by ordinal:
     * new values go at the end.
     */
    enum Marker {
        LEARNED, EXPIRED, EVICTED, RESET, ROLLED_BACK, PROMOTED, SPEC_CHANGED
    }

    /** A model's counts: pending now, and joined, expired and evicted since it was created. */
    static final class Counts {
        long pending;
        long joined;
        long expired;
        long evicted;
        long nextSequence;
        /** The lowest sequence that can still be live in the pending index: every entry below it was retired. */
        long pendingFrom = Long.MAX_VALUE;
        /** The same for the marker index. */
        long markersFrom = Long.MAX_VALUE;
        /** The number of kept labels (waiting for their events). */
        long labels;
        /** The lowest sequence that can still be live in the kept labels' index. */
        long labelsFrom = Long.MAX_VALUE;

        private byte[] encode() {
            return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(joined).putLong(expired).putLong(evicted).array();
        }

        long pending() {
            return pending;
        }

        long joined() {
            return joined;
        }

        long expired() {
            return expired;
        }

        long evicted() {
            return evicted;
        }
    }

    private static final char SEPARATOR = ModelDefinition.RESERVED_ID_CHARACTER;
    private final KeyValueStore<String, byte[]> store;
    private final long ttlMs;
    private final int maxPending;
    private final Map<String, Counts> counts = new HashMap<>();

    /** Reads the counts of every model from {@code store}: one scan, when the task starts. */
    PendingEvents(KeyValueStore<String, byte[]> store, EventSettings settings) {
        this.store = store;
        this.ttlMs = settings.labelsTtlMs();
        this.maxPending = settings.maxPending();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> next = all.next();
                int at = next.key.indexOf(SEPARATOR);
                if (at < 0 || at + 1 >= next.key.length()) {
                    continue;
                }
                Counts model = counts.computeIfAbsent(next.key.substring(0, at), id -> new Counts());
                char kind = next.key.charAt(at + 1);
                if (kind == 'e') {
                    model.pending++;
                } else if (kind == 'l') {
                    model.labels++;
                } else if (kind == 'p' || kind == 'm' || kind == 'q') {
                    long sequence = Long.parseUnsignedLong(next.key.substring(at + 2), 16);
                    model.nextSequence = Math.max(model.nextSequence, sequence + 1);
                    if (kind == 'p') {
                        model.pendingFrom = Math.min(model.pendingFrom, sequence);
                    } else if (kind == 'm') {
                        model.markersFrom = Math.min(model.markersFrom, sequence);
                    } else {
                        model.labelsFrom = Math.min(model.labelsFrom, sequence);
                    }
                } else if (kind == 'c') {
                    ByteBuffer in = ByteBuffer.wrap(next.value).order(ByteOrder.LITTLE_ENDIAN);
                    model.joined = in.getLong();
                    model.expired = in.getLong();
                    model.evicted = in.getLong();
                }
            }
        }
        for (Counts model : counts.values()) {
            model.pendingFrom = Math.min(model.pendingFrom, model.nextSequence);
            model.markersFrom = Math.min(model.markersFrom, model.nextSequence);
            model.labelsFrom = Math.min(model.labelsFrom, model.nextSequence);
        }
    }

    long ttlMs() {
        return ttlMs;
    }

    /**
     * {@code timestamp + ttls × labels.ttl.ms}, saturated. Whether a label is in time is decided exactly where the label
     * and its event meet, from their two timestamps; the punctuation only cleans up, one TTL later than that decision
     * needs: stream time is the task's (the newest record of any of its topics and models), so an exact expiry there
     * would let a topic fetched ahead expire an event whose label is still in time, and the outcome would depend on
     * fetch timing.
     */
    private long after(long timestamp, int ttls) {
        long delay = ttlMs > Long.MAX_VALUE / ttls ? Long.MAX_VALUE : ttlMs * ttls;
        return timestamp > Long.MAX_VALUE - delay ? Long.MAX_VALUE : timestamp + delay;
    }

    /** The counts of {@code model} (zeros if it never kept an event). */
    Counts counts(String model) {
        return counts.computeIfAbsent(model, id -> {
            Counts fresh = new Counts();
            fresh.pendingFrom = 0;
            fresh.markersFrom = 0;
            fresh.labelsFrom = 0;
            return fresh;
        });
    }

    /** The pending event {@code id} of {@code model}, or null. */
    PendingEvent get(String model, String id) {
        byte[] value = store.get(key(model, 'e', id));
        return value == null ? null : PendingEvent.decode(value);
    }

    /** What became of event {@code id} of {@code model} if it is no longer pending and still remembered, else null. */
    Marker marker(String model, String id) {
        byte[] value = store.get(key(model, 'd', id));
        return value == null ? null : Marker.values()[value[0]];
    }

    /** What a keep evicted beyond {@code labels.max.pending}: events (marked and counted) and kept labels (to dead-letter). */
    record Evictions(int events, List<KeptLabel> labels) {
    }

    /** What an expiry did: the models whose counts changed, and the kept labels whose events never came. */
    record Expiry(List<String> changed, List<KeptLabel> labels) {
    }

    /** The label kept for event {@code id} of {@code model}, waiting for the event, or null. */
    KeptLabel label(String model, String id) {
        Counts tally = counts.get(model);
        if (tally == null || tally.labels == 0) {
            return null; // no store read per event while no label waits
        }
        byte[] value = store.get(key(model, 'l', id));
        return value == null ? null : KeptLabel.decode(model, id, value);
    }

    /**
     * Keeps a label record for event {@code id} of {@code model}, which is neither pending nor marked, until the event
     * comes; beyond {@code labels.max.pending} (events and labels together), evicts the model's oldest.
     */
    Evictions keepLabel(String model, String id, long timestamp, SourceRecord source, byte[] key, byte[] value) {
        Counts tally = counts(model);
        long sequence = tally.nextSequence++;
        store.put(key(model, 'l', id), new KeptLabel(model, id, timestamp, sequence, source, key, value).encode());
        store.put(sequenceKey(model, 'q', sequence), id.getBytes(StandardCharsets.UTF_8));
        tally.labels++;
        return evict(model, tally);
    }

    /** Removes {@code label}, kept for its event: the event came (joined, or the label is a duplicate or too old for it). */
    void removeLabel(KeptLabel label) {
        store.delete(key(label.model(), 'l', label.id()));
        store.delete(sequenceKey(label.model(), 'q', label.sequence()));
        Counts tally = counts(label.model());
        tally.labels--;
        if (label.sequence() == tally.labelsFrom) {
            tally.labelsFrom++;
        }
    }

    /**
     * Event {@code id} of {@code model}, at {@code timestamp}, was learned on arrival with a label kept for it: marked
     * learned (a repeated label is then a duplicate) and counted as joined.
     */
    void joinedOnArrival(String model, String id, long timestamp) {
        Counts tally = counts(model);
        mark(model, id, timestamp, Marker.LEARNED);
        tally.joined++;
        putCounts(model, tally);
    }

    /**
     * Keeps event {@code id} of {@code model} (replacing a pending one of the same id); beyond {@code labels.max.pending},
     * evicts the model's oldest event or kept label.
     */
    Evictions keep(String model, String id, long timestamp, long modelVersion, double[] features, double[] observed, double[] output,
             int predictedClass, double[] classLosses, List<PendingEvent.ChallengerScore> challengers) {
        Counts tally = counts(model);
        PendingEvent previous = get(model, id);
        if (previous != null) {
            store.delete(sequenceKey(model, 'p', previous.sequence()));
            tally.pending--;
        }
        long sequence = tally.nextSequence++;
        PendingEvent event = new PendingEvent(timestamp, sequence, modelVersion, features, observed, output, predictedClass, classLosses,
                challengers);
        store.put(key(model, 'e', id), event.encode());
        store.put(sequenceKey(model, 'p', sequence), id.getBytes(StandardCharsets.UTF_8));
        tally.pending++;
        return evict(model, tally);
    }

    /** Evicts {@code model}'s oldest events and kept labels (by sequence) while it keeps more than the bound. */
    private Evictions evict(String model, Counts tally) {
        int events = 0;
        List<KeptLabel> labels = List.of();
        while (tally.pending + tally.labels > maxPending) {
            String event = tally.pending > 0 ? oldest(model, 'p', 'e') : null;
            String label = tally.labels > 0 ? oldest(model, 'q', 'l') : null;
            if (event == null && label == null) {
                break;
            }
            if (label == null || event != null && tally.pendingFrom < tally.labelsFrom) {
                retire(model, event, get(model, event), Marker.EVICTED);
                tally.evicted++;
                events++;
            } else {
                KeptLabel kept = label(model, label);
                removeLabel(kept);
                if (labels.isEmpty()) {
                    labels = new ArrayList<>();
                }
                labels.add(kept);
            }
        }
        if (events > 0) {
            putCounts(model, tally);
        }
        return new Evictions(events, labels);
    }

    /**
     * Event {@code id} of {@code model}, pending as {@code event}, is learned, or its label came too late, or it can no
     * longer be learned ({@link Marker#SPEC_CHANGED}): it is marked so, and counted as joined or (all but learned) expired.
     */
    void finish(String model, String id, PendingEvent event, Marker marker) {
        retire(model, id, event, marker);
        Counts tally = counts(model);
        if (marker == Marker.LEARNED) {
            tally.joined++;
        } else if (marker != Marker.EVICTED) {
            tally.expired++;
        }
        putCounts(model, tally);
    }

    /**
     * Retires every pending event of {@code model} but {@code except} (an event being learned now, or null), marked with
     * {@code marker} (the model they were scored and encoded for was reset, rolled back or replaced) and counted as
     * expired: their labels become dead letters. The labels kept for events that have not come stay. Walks the model's
     * pending index once, from where it starts.
     *
     * @return the number of events retired
     */
    int retireAll(String model, Marker marker, String except) {
        Counts tally = counts.get(model);
        if (tally == null || tally.pending == 0) {
            return 0;
        }
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> index = indexFrom(model, 'p', tally.pendingFrom)) {
            while (index.hasNext()) {
                String id = new String(index.next().value, StandardCharsets.UTF_8);
                if (!id.equals(except)) {
                    ids.add(id);
                }
            }
        }
        int retired = 0;
        for (String id : ids) {
            PendingEvent event = get(model, id);
            if (event != null) {
                retire(model, id, event, marker);
                retired++;
            }
        }
        if (tally.pending == 0) {
            tally.pendingFrom = tally.nextSequence; // no later range needs to walk the tombstones just left
        }
        if (retired > 0) {
            tally.expired += retired;
            putCounts(model, tally);
        }
        return retired;
    }

    /**
     * Expiry at stream time {@code now}: every model's pending events and kept labels older than two TTLs are retired
     * (events marked expired and counted, labels dead-lettered by the caller), and markers older than three TTLs are
     * forgotten (see {@link #after}). Walks each index from where it starts (its lowest live sequence) and
     * stops at the first entry that is not due, which becomes the index's start: the work is proportional to what
     * expires.
     *
     * @return the models whose counts changed
     */
    Expiry expire(long now) {
        List<String> changed = new ArrayList<>();
        List<KeptLabel> labels = new ArrayList<>();
        for (Map.Entry<String, Counts> entry : counts.entrySet()) {
            String model = entry.getKey();
            Counts tally = entry.getValue();
            long expired = 0;
            if (tally.pending > 0) {
                List<KeyValue<String, byte[]>> due = new ArrayList<>();
                long from = tally.nextSequence;
                try (KeyValueIterator<String, byte[]> index = indexFrom(model, 'p', tally.pendingFrom)) {
                    while (index.hasNext()) {
                        KeyValue<String, byte[]> next = index.next();
                        PendingEvent event = get(model, new String(next.value, StandardCharsets.UTF_8));
                        if (event != null && after(event.timestamp(), 2) >= now) {
                            from = sequenceOf(next.key);
                            break;
                        }
                        due.add(next);
                    }
                }
                for (KeyValue<String, byte[]> next : due) {
                    String id = new String(next.value, StandardCharsets.UTF_8);
                    PendingEvent event = get(model, id);
                    if (event == null) {
                        store.delete(next.key); // an index entry without its event: nothing to expire
                    } else {
                        retire(model, id, event, Marker.EXPIRED);
                        expired++;
                    }
                }
                tally.pendingFrom = Math.max(tally.pendingFrom, from);
            }
            if (tally.labels > 0) {
                List<KeptLabel> due = new ArrayList<>();
                List<String> stale = new ArrayList<>();
                long from = tally.nextSequence;
                try (KeyValueIterator<String, byte[]> index = indexFrom(model, 'q', tally.labelsFrom)) {
                    while (index.hasNext()) {
                        KeyValue<String, byte[]> next = index.next();
                        KeptLabel label = label(model, new String(next.value, StandardCharsets.UTF_8));
                        if (label == null || label.sequence() != sequenceOf(next.key)) {
                            stale.add(next.key); // an index entry without its label: nothing to expire
                        } else if (after(label.timestamp(), 2) >= now) {
                            from = label.sequence();
                            break;
                        } else {
                            due.add(label);
                        }
                    }
                }
                stale.forEach(store::delete);
                due.forEach(this::removeLabel);
                labels.addAll(due);
                tally.labelsFrom = Math.max(tally.labelsFrom, from);
            }
            List<KeyValue<String, byte[]>> forgotten = new ArrayList<>();
            long markersFrom = tally.nextSequence;
            try (KeyValueIterator<String, byte[]> index = indexFrom(model, 'm', tally.markersFrom)) {
                while (index.hasNext()) {
                    KeyValue<String, byte[]> next = index.next();
                    byte[] marker = store.get(key(model, 'd', new String(next.value, StandardCharsets.UTF_8)));
                    if (marker != null && ByteBuffer.wrap(marker, 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() >= now) {
                        markersFrom = sequenceOf(next.key);
                        break;
                    }
                    forgotten.add(next);
                }
            }
            for (KeyValue<String, byte[]> next : forgotten) {
                store.delete(key(model, 'd', new String(next.value, StandardCharsets.UTF_8)));
                store.delete(next.key);
            }
            tally.markersFrom = Math.max(tally.markersFrom, markersFrom);
            if (expired > 0) {
                tally.expired += expired;
                putCounts(model, tally);
                changed.add(model);
            }
        }
        return new Expiry(changed, labels);
    }

    /** Forgets everything about {@code model}'s events (the model was deleted). */
    void deleteModel(String model) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.prefixScan(model + SEPARATOR, new StringSerializer())) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
        counts.remove(model);
    }

    /** Removes pending event {@code id} and leaves a marker, forgotten one TTL after the event would have expired. */
    private void retire(String model, String id, PendingEvent event, Marker marker) {
        store.delete(key(model, 'e', id));
        store.delete(sequenceKey(model, 'p', event.sequence()));
        Counts tally = counts(model);
        tally.pending--;
        if (event.sequence() == tally.pendingFrom) {
            tally.pendingFrom++; // the oldest went: the next range starts after its tombstone
        }
        mark(model, id, event.timestamp(), marker);
    }

    /** Leaves {@code marker} for event {@code id} (at {@code timestamp}), forgotten one TTL after it would have expired. */
    private void mark(String model, String id, long timestamp, Marker marker) {
        long forgetAfter = after(Math.max(timestamp, 0), 3);
        store.put(key(model, 'd', id), ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).put((byte) marker.ordinal())
                .putLong(forgetAfter).array());
        store.put(sequenceKey(model, 'm', counts(model).nextSequence++), id.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The id of {@code model}'s oldest pending event ({@code index} 'p', entries 'e') or kept label ('q', 'l'), read
     * from where the index starts, which then moves to it; null if none.
     */
    private String oldest(String model, char index, char entries) {
        Counts tally = counts(model);
        long from = index == 'p' ? tally.pendingFrom : tally.labelsFrom;
        long found = tally.nextSequence;
        String oldest = null;
        try (KeyValueIterator<String, byte[]> walk = indexFrom(model, index, from)) {
            while (walk.hasNext()) {
                KeyValue<String, byte[]> next = walk.next();
                String id = new String(next.value, StandardCharsets.UTF_8);
                byte[] entry = store.get(key(model, entries, id));
                long sequence = sequenceOf(next.key);
                if (entry != null && (index == 'p' ? PendingEvent.decode(entry).sequence() : KeptLabel.decode(model, id, entry).sequence()) == sequence) {
                    found = sequence;
                    oldest = id;
                    break;
                }
            }
        }
        if (index == 'p') {
            tally.pendingFrom = found;
        } else {
            tally.labelsFrom = found;
        }
        return oldest;
    }

    /** {@code model}'s index {@code kind} from sequence {@code from} on: a range, so that RocksDB seeks straight to it. */
    private KeyValueIterator<String, byte[]> indexFrom(String model, char kind, long from) {
        return store.range(sequenceKey(model, kind, from), sequenceKey(model, kind, -1L)); // -1: ffff..., the highest
    }

    /** The sequence of an index key. */
    private static long sequenceOf(String indexKey) {
        return Long.parseUnsignedLong(indexKey.substring(indexKey.length() - 16), 16);
    }

    private void putCounts(String model, Counts tally) {
        store.put(model + SEPARATOR + "c", tally.encode());
    }

    private static String key(String model, char kind, String id) {
        return model + SEPARATOR + kind + id;
    }

    private static String sequenceKey(String model, char kind, long sequence) {
        return model + SEPARATOR + kind + String.format(Locale.ROOT, "%016x", sequence);
    }

    /** The store's builder: persistent (RocksDB), change-logged with {@code changelogConfig}, uncached. */
    static StoreBuilder<KeyValueStore<String, byte[]>> builder(String name, Map<String, String> changelogConfig) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(changelogConfig);
    }
}
