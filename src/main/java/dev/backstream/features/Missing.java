package dev.backstream.features;

import java.util.List;
import java.util.Locale;

/** What a field that is absent or JSON {@code null} becomes. */
enum Missing {
    /** The event is rejected with {@code MISSING_FIELD}. */
    REJECT("reject"),
    /** Every column of the field is 0. */
    ZERO("zero"),
    /** A numeric field takes the running mean of the values learned so far (0 before the first). */
    MEAN("mean");

    static final List<String> NAMES = List.of("reject", "zero", "mean");

    final String json;

    Missing(String json) {
        this.json = json;
    }

    static Missing of(String json) {
        return valueOf(json.toUpperCase(Locale.ROOT));
    }
}
