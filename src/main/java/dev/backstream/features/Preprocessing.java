package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The mutable part of a feature spec: Welford's running count, mean and sum of squared deviations of each stateful
 * field (standardized, or with {@code "missing": "mean"}), in spec order. Part of the model: updated by each learned
 * event, persisted with the model and included in its snapshots. Not thread-safe, like the model.
 *
 * <p>Binary form ({@link #toBytes}), big-endian: {@code short} version (1), {@code int} number of entries, then per
 * entry its path ({@code DataOutput.writeUTF}), {@code long} count, {@code double} mean and {@code double} M2 (the
 * IEEE bits, so a round trip is bit-identical). The paths let a reader reject a state written for another spec.
 */
public final class Preprocessing {
    static final short VERSION = 1;
    private static final List<String> ENTRY_KEYS = List.of("path", "count", "mean", "m2");

    /** The stateful fields' paths, the spec's own list (compared by identity first). */
    private final List<String> paths;
    private final Welford[] stats;

    Preprocessing(List<String> paths) {
        this.paths = paths;
        this.stats = new Welford[paths.size()];
        for (int i = 0; i < stats.length; i++) {
            stats[i] = new Welford();
        }
    }

    private Preprocessing(List<String> paths, Welford[] stats) {
        this.paths = paths;
        this.stats = stats;
    }

    Welford stats(int index) {
        return stats[index];
    }

    /** The number of stateful fields: the length of {@link EncodedEvent#observed()}. */
    public int size() {
        return stats.length;
    }

    /** The count of values learned by the stateful field at {@code index}. */
    public long count(int index) {
        return stats[index].count;
    }

    /** The running mean of the stateful field at {@code index}, 0 before its first value. */
    public double mean(int index) {
        return stats[index].mean;
    }

    /** The population variance {@code M2/n} of the stateful field at {@code index}, 0 before its first value. */
    public double variance(int index) {
        Welford w = stats[index];
        return w.count == 0 ? 0.0 : w.m2 / w.count;
    }

    void requireFits(FeatureSpec spec) {
        List<String> expected = spec.statefulPaths();
        if (paths != expected && !paths.equals(expected)) {
            throw new IllegalArgumentException("a preprocessing state of " + paths + " cannot serve a spec whose stateful fields are "
                    + expected);
        }
    }

    /**
     * Learns one event's observed values ({@link EncodedEvent#observed()}); a {@code NaN} (missing) is skipped.
     *
     * @throws IllegalArgumentException for an array of the wrong length or a value {@link FeatureSpec#encode} never
     *                                  observes (infinite, or beyond ±1e100); nothing is learned then
     */
    public void learn(double[] observed) {
        if (observed.length != stats.length) {
            throw new IllegalArgumentException("observed: expected " + stats.length + " values, found " + observed.length);
        }
        for (int i = 0; i < observed.length; i++) {
            double x = observed[i];
            if (!Double.isNaN(x) && !(Math.abs(x) <= NumericField.STATEFUL_LIMIT)) {
                throw new IllegalArgumentException("observed[" + i + "] (" + paths.get(i) + "): expected a number within ±1e100 or NaN, found " + x);
            }
        }
        for (int i = 0; i < observed.length; i++) {
            if (!Double.isNaN(observed[i])) {
                stats[i].add(observed[i]);
            }
        }
    }

    /** A deep copy. */
    public Preprocessing copy() {
        Welford[] copies = new Welford[stats.length];
        for (int i = 0; i < stats.length; i++) {
            copies[i] = stats[i].copy();
        }
        return new Preprocessing(paths, copies);
    }

    /** Whether both hold bit-identical counts, means and sums of squares (for the same fields). */
    public boolean bitIdentical(Preprocessing other) {
        if (!paths.equals(other.paths)) {
            return false;
        }
        for (int i = 0; i < stats.length; i++) {
            if (!stats[i].bitIdentical(other.stats[i])) {
                return false;
            }
        }
        return true;
    }

    /** A compact binary encoding (versioned), read back bit-identically by {@link #fromBytes}. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(6 + 40 * stats.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeShort(VERSION);
            out.writeInt(stats.length);
            for (int i = 0; i < stats.length; i++) {
                out.writeUTF(paths.get(i));
                out.writeLong(stats[i].count);
                out.writeDouble(stats[i].mean);
                out.writeDouble(stats[i].m2);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException for bytes that do not fit {@code spec} */
    public static Preprocessing fromBytes(FeatureSpec spec, byte[] bytes) {
        List<String> paths = spec.statefulPaths();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            short version = in.readShort();
            if (version != VERSION) {
                throw new IllegalArgumentException("preprocessing: expected version " + VERSION + ", found " + version);
            }
            int size = in.readInt();
            if (size != paths.size()) {
                throw new IllegalArgumentException("preprocessing: expected " + paths.size() + " entries " + paths + ", found " + size);
            }
            Welford[] stats = new Welford[size];
            for (int i = 0; i < size; i++) {
                String path = in.readUTF();
                String at = "preprocessing[" + i + "]";
                if (!path.equals(paths.get(i))) {
                    throw new IllegalArgumentException(at + ".path: expected \"" + paths.get(i) + "\", found \"" + path + "\"");
                }
                stats[i] = checked(at, in.readLong(), in.readDouble(), in.readDouble());
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("preprocessing: " + in.available() + " bytes after the last entry");
            }
            return new Preprocessing(paths, stats);
        } catch (IOException e) {
            throw new IllegalArgumentException("preprocessing: truncated (" + bytes.length + " bytes)", e);
        }
    }

    /** {@code [{"path": ..., "count": n, "mean": μ, "m2": M2}, ...]}: the snapshot's {@code "preprocessing"}. */
    public JsonNode toJson() {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (int i = 0; i < stats.length; i++) {
            ObjectNode entry = array.addObject();
            entry.put("path", paths.get(i));
            entry.put("count", stats[i].count);
            entry.put("mean", stats[i].mean);
            entry.put("m2", stats[i].m2);
        }
        return array;
    }

    /** @throws IllegalArgumentException naming the entry at fault */
    public static Preprocessing fromJson(FeatureSpec spec, JsonNode json) {
        List<String> paths = spec.statefulPaths();
        if (json == null || !json.isArray() || json.size() != paths.size()) {
            throw new IllegalArgumentException("preprocessing: expected an array of " + paths.size() + " entries " + paths
                    + ", found " + SpecReader.describe(json));
        }
        Welford[] stats = new Welford[paths.size()];
        for (int i = 0; i < stats.length; i++) {
            String at = "preprocessing[" + i + "]";
            JsonNode entry = json.get(i);
            if (!entry.isObject()) {
                throw new IllegalArgumentException(at + ": expected an object, found " + SpecReader.describe(entry));
            }
            entry.fieldNames().forEachRemaining(key -> {
                if (!ENTRY_KEYS.contains(key)) {
                    throw new IllegalArgumentException(at + "." + key + ": unknown key; allowed: " + String.join(", ", ENTRY_KEYS));
                }
            });
            JsonNode path = entry.path("path");
            if (!path.isTextual() || !path.textValue().equals(paths.get(i))) {
                throw new IllegalArgumentException(at + ".path: expected \"" + paths.get(i) + "\", found " + SpecReader.describe(path));
            }
            JsonNode count = entry.path("count");
            if (!count.isIntegralNumber() || !count.canConvertToLong()) {
                throw new IllegalArgumentException(at + ".count: expected an integer >= 0, found " + SpecReader.describe(count));
            }
            stats[i] = checked(at, count.longValue(), number(entry, at, "mean"), number(entry, at, "m2"));
        }
        return new Preprocessing(paths, stats);
    }

    private static double number(JsonNode entry, String at, String key) {
        JsonNode value = entry.path(key);
        if (!value.isNumber()) {
            throw new IllegalArgumentException(at + "." + key + ": expected a number, found " + SpecReader.describe(value));
        }
        return value.doubleValue();
    }

    /** Statistics that {@link Welford#add} can produce: a count >= 0, finite values, M2 >= 0, zeros before the first value. */
    private static Welford checked(String at, long count, double mean, double m2) {
        if (count < 0) {
            throw new IllegalArgumentException(at + ".count: expected an integer >= 0, found " + count);
        }
        if (!Double.isFinite(mean) || count == 0 && mean != 0.0) {
            throw new IllegalArgumentException(at + ".mean: expected a finite number" + (count == 0 ? ", 0 with count 0" : "")
                    + ", found " + mean);
        }
        if (!(m2 >= 0.0) || !Double.isFinite(m2) || count <= 1 && m2 != 0.0) {
            throw new IllegalArgumentException(at + ".m2: expected a finite number >= 0" + (count <= 1 ? ", 0 with count " + count : "")
                    + ", found " + m2);
        }
        return new Welford(count, mean, m2);
    }
}
