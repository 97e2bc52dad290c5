package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Objects;

/** A JSON boolean: 1 for {@code true}, 0 for {@code false}. */
record BooleanField(EventPath path, Missing missing, boolean indicator) implements Field {
    static final List<String> KEYS = Field.COMMON_KEYS;

    BooleanField {
        Objects.requireNonNull(path, "path");
        if (missing == Missing.MEAN) {
            throw new IllegalArgumentException("\"mean\" applies to numeric fields only");
        }
    }

    @Override
    public int valueColumns() {
        return 1;
    }

    @Override
    public List<String> valueColumnNames() {
        return List.of(path.text());
    }

    @Override
    public double encode(JsonNode value, double[] out, int offset, Welford stats) throws FeatureException {
        if (!value.isBoolean()) {
            throw FieldValues.invalid(path.text(), "a boolean", value);
        }
        out[offset] = value.booleanValue() ? 1.0 : 0.0;
        return Double.NaN;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Field.commonJson(this, "boolean");
        Field.endJson(this, node);
        return node;
    }
}
