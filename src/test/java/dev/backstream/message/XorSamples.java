package dev.backstream.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The XOR stream every test feeds the shipped {@code xor} model: sample {@code i} has the inputs
 * {@code a = bit 1 of i} and {@code b = bit 0 of i} and the label {@code a XOR b}, so any four consecutive samples
 * cover the truth table. Written by {@link Sample#toJson()}, the one sample writer.
 */
public final class XorSamples {
    private XorSamples() {
    }

    /** Sample {@code i}, with the caller's id (or null). */
    public static Sample sample(int i, String id) {
        int a = (i >> 1) & 1;
        int b = i & 1;
        return new Sample("xor", new double[] {a, b}, a ^ b, null, id);
    }

    /** Sample {@code i} as JSON text. */
    public static String json(int i, String id) {
        return new String(sample(i, id).toJson(), StandardCharsets.UTF_8);
    }

    /** The first {@code count} samples as {@code {key, value}} records keyed by the model id; ids from {@code id} (or null). */
    public static List<String[]> records(int count, IntFunction<String> id) {
        List<String[]> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(new String[] {"xor", json(i, id == null ? null : id.apply(i))});
        }
        return records;
    }
}
