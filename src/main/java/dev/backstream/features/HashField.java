package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A categorical value hashed into {@code buckets} columns: one column is 1, the unsigned MurmurHash3 (x86, 32 bit,
 * seed 0) of the value's UTF-8 bytes modulo {@code buckets}. No vocabulary is needed, at the price of collisions.
 */
record HashField(EventPath path, int buckets, Missing missing, boolean indicator) implements Field {
    static final List<String> KEYS = List.of("path", "type", "encoding", "buckets", "missing", "indicator");
    /** More columns than this would make the input layer, not the hash, the thing to rethink. */
    static final int MAX_BUCKETS = 1 << 24;

    HashField {
        Objects.requireNonNull(path, "path");
        if (buckets < 1 || buckets > MAX_BUCKETS) {
            throw new IllegalArgumentException("buckets: expected 1 to " + MAX_BUCKETS + ", found " + buckets);
        }
        if (missing == Missing.MEAN) {
            throw new IllegalArgumentException("\"mean\" applies to numeric fields only");
        }
    }

    /** The column of a value's text. */
    static int bucket(String text, int buckets) {
        int hash = MurmurHash3.x86_32(text.getBytes(StandardCharsets.UTF_8), 0);
        return (int) (Integer.toUnsignedLong(hash) % buckets);
    }

    @Override
    public int valueColumns() {
        return buckets;
    }

    @Override
    public List<String> valueColumnNames() {
        List<String> names = new ArrayList<>(buckets);
        for (int b = 0; b < buckets; b++) {
            names.add(path.text() + "#" + b);
        }
        return names;
    }

    @Override
    public double encode(JsonNode value, double[] out, int offset, Welford stats) throws FeatureException {
        out[offset + bucket(FieldValues.scalarText(value, path.text()), buckets)] = 1.0;
        return Double.NaN;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Field.commonJson(this, "categorical");
        node.put("encoding", "hash");
        node.put("buckets", buckets);
        Field.endJson(this, node);
        return node;
    }
}
