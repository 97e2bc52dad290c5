package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Objects;

/**
 * A number, as it is ({@code raw}) or standardized online: {@code (x − μ) / σ} with the running mean and population
 * standard deviation of the values learned so far, 0 while {@code σ = 0}.
 */
record NumericField(EventPath path, boolean standardize, Missing missing, boolean indicator) implements Field {
    static final List<String> KEYS = List.of("path", "type", "encoding", "missing", "indicator");
    static final List<String> ENCODINGS = List.of("raw", "standardize");

    /**
     * The largest magnitude a stateful field accepts: beyond it the running sum of squared deviations could overflow
     * (δ² ≤ 4·10²⁰⁰, times at most 2⁶³ values, stays finite), and statistics that become infinite never recover.
     */
    static final double STATEFUL_LIMIT = 1e100;

    NumericField {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(missing, "missing");
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
    public boolean stateful() {
        return standardize || missing == Missing.MEAN;
    }

    @Override
    public double encode(JsonNode value, double[] out, int offset, Welford stats) throws FeatureException {
        double x = FieldValues.number(value, path.text());
        if (stateful() && Math.abs(x) > STATEFUL_LIMIT) {
            throw FieldValues.invalid(path.text(), "a number within ±1e100 (a field with running statistics)", value);
        }
        double column = column(x, stats);
        if (!Double.isFinite(column)) {
            // only reachable with a tiny σ and a far value: (x − μ)/σ overflows
            throw FieldValues.invalid(path.text(), "a number that standardizes to a finite value (μ = " + stats.mean
                    + ", σ = " + stats.standardDeviation() + ")", value);
        }
        out[offset] = column;
        return stateful() ? x : Double.NaN;
    }

    /** The column of a missing value under {@code "missing": "mean"}: μ, which standardizes to 0. */
    void encodeMean(double[] out, int offset, Welford stats) {
        out[offset] = column(stats.mean, stats);
    }

    private double column(double x, Welford stats) {
        if (!standardize) {
            return x;
        }
        double sigma = stats.standardDeviation();
        return sigma == 0.0 ? 0.0 : (x - stats.mean) / sigma;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Field.commonJson(this, "numeric");
        node.put("encoding", standardize ? "standardize" : "raw");
        Field.endJson(this, node);
        return node;
    }
}
