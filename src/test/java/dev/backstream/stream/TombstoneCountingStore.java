package dev.backstream.stream;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * A key-value store that costs what RocksDB costs before a compaction: a deleted key stays as a tombstone, and an
 * iterator seeks to its first key and then walks every entry after it, live or deleted, returning only the live ones.
 * {@link #visited()} counts the entries the iterators walked, tombstones included: the work a scan did.
 */
final class TombstoneCountingStore implements KeyValueStore<String, byte[]> {
    /** Live values, and null for a tombstone (a key deleted and never compacted away). */
    private final NavigableMap<String, byte[]> entries = new TreeMap<>();
    private long visited;

    /** The entries walked by every iterator so far, tombstones included. */
    long visited() {
        return visited;
    }

    @Override
    public void put(String key, byte[] value) {
        entries.put(key, value);
    }

    @Override
    public byte[] putIfAbsent(String key, byte[] value) {
        byte[] old = entries.get(key);
        if (old == null) {
            entries.put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<String, byte[]>> list) {
        list.forEach(kv -> put(kv.key, kv.value));
    }

    @Override
    public byte[] delete(String key) {
        byte[] old = entries.get(key);
        entries.put(key, null);
        return old;
    }

    @Override
    public byte[] get(String key) {
        return entries.get(key);
    }

    @Override
    public KeyValueIterator<String, byte[]> range(String from, String to) {
        return walk(entries.subMap(from, true, to, true));
    }

    @Override
    public KeyValueIterator<String, byte[]> all() {
        return walk(entries);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, byte[]> prefixScan(P prefix, PS serializer) {
        String start = new String(serializer.serialize(null, prefix), StandardCharsets.UTF_8);
        return walk(entries.tailMap(start, true).headMap(start + Character.MAX_VALUE, false));
    }

    @Override
    public long approximateNumEntries() {
        return entries.values().stream().filter(v -> v != null).count();
    }

    private KeyValueIterator<String, byte[]> walk(NavigableMap<String, byte[]> view) {
        Iterator<Map.Entry<String, byte[]>> walked = view.entrySet().iterator();
        return new KeyValueIterator<>() {
            private KeyValue<String, byte[]> next;

            private boolean advance() {
                while (next == null && walked.hasNext()) {
                    Map.Entry<String, byte[]> entry = walked.next();
                    visited++;
                    if (entry.getValue() != null) {
                        next = KeyValue.pair(entry.getKey(), entry.getValue());
                    }
                }
                return next != null;
            }

            @Override
            public boolean hasNext() {
                return advance();
            }

            @Override
            public KeyValue<String, byte[]> next() {
                if (!advance()) {
                    throw new NoSuchElementException();
                }
                KeyValue<String, byte[]> result = next;
                next = null;
                return result;
            }

            @Override
            public String peekNextKey() {
                if (!advance()) {
                    throw new NoSuchElementException();
                }
                return next.key;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public String name() {
        return "tombstone-counting";
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
    }

    @Override
    public void close() {
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return true;
    }
}
