package dev.backstream.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Cyclic parts of a point in time, each as a {@code sin}/{@code cos} pair of {@code 2π · part / period} so that 23:59
 * sits next to 00:00 and Sunday next to Monday. The parts are read in {@code zone} (default UTC):
 * <ul>
 *   <li>{@code hour_of_day}: hour + minute / 60, in [0, 24), period 24;</li>
 *   <li>{@code day_of_week}: Monday = 0, Tuesday = 1, …, Sunday = 6 (ISO-8601's order), period 7.</li>
 * </ul>
 * The value is epoch milliseconds (an integer) or ISO-8601 text: with an offset ({@code 2001-01-05T06:30:00Z},
 * {@code 2001-01-05T07:30+01:00}) it is that instant; without one ({@code 2001-01-05T06:30:00},
 * {@code 2001-01-05 06:30}, {@code 2001-01-05 06:30:00}) it is a local time in {@code zone}. {@code StrictMath}
 * computes sin and cos, so every JVM gives the same bits.
 */
record TimestampField(EventPath path, List<Part> parts, ZoneId zone, Missing missing, boolean indicator) implements Field {
    static final List<String> KEYS = List.of("path", "type", "parts", "zone", "missing", "indicator");

    /** A cyclic part of a timestamp and its period. */
    enum Part {
        HOUR_OF_DAY("hour_of_day", 24) {
            @Override
            double of(ZonedDateTime time) {
                return time.getHour() + time.getMinute() / 60.0;
            }
        },
        DAY_OF_WEEK("day_of_week", 7) {
            @Override
            double of(ZonedDateTime time) {
                return time.getDayOfWeek().getValue() - 1;
            }
        };

        static final List<String> NAMES = List.of("hour_of_day", "day_of_week");

        final String json;
        final double period;

        Part(String json, double period) {
            this.json = json;
            this.period = period;
        }

        abstract double of(ZonedDateTime time);

        static Part of(String json) {
            return valueOf(json.toUpperCase(Locale.ROOT));
        }
    }

    TimestampField {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(zone, "zone");
        parts = List.copyOf(parts);
        if (parts.isEmpty() || parts.stream().distinct().count() != parts.size()) {
            throw new IllegalArgumentException("parts: expected distinct parts, at least one, found " + parts);
        }
        if (missing == Missing.MEAN) {
            throw new IllegalArgumentException("\"mean\" applies to numeric fields only");
        }
    }

    @Override
    public int valueColumns() {
        return 2 * parts.size();
    }

    @Override
    public List<String> valueColumnNames() {
        List<String> names = new ArrayList<>(valueColumns());
        for (Part part : parts) {
            names.add(path.text() + "." + part.json + ".sin");
            names.add(path.text() + "." + part.json + ".cos");
        }
        return names;
    }

    @Override
    public double encode(JsonNode value, double[] out, int offset, Welford stats) throws FeatureException {
        ZonedDateTime time;
        try {
            time = instant(value).atZone(zone);
        } catch (java.time.DateTimeException e) {
            // an instant near Instant.MIN/MAX is readable but has no date-time in the zone: the event is bad, not the spec
            throw FieldValues.invalid(path.text(), "a timestamp with a date-time in zone " + zone.getId(), value);
        }
        for (int i = 0; i < parts.size(); i++) {
            Part part = parts.get(i);
            double angle = 2.0 * StrictMath.PI * part.of(time) / part.period;
            out[offset + 2 * i] = StrictMath.sin(angle);
            out[offset + 2 * i + 1] = StrictMath.cos(angle);
        }
        return Double.NaN;
    }

    private Instant instant(JsonNode value) throws FeatureException {
        if (value.isNumber()) {
            if (value.isIntegralNumber() && value.canConvertToLong()) {
                return Instant.ofEpochMilli(value.longValue());
            }
            double millis = value.doubleValue();
            // a whole number written as 9.78675e11 is still a millisecond count
            if (value.isFloatingPointNumber() && millis == Math.rint(millis) && Math.abs(millis) < 0x1p62) {
                return Instant.ofEpochMilli((long) millis);
            }
            throw FieldValues.invalid(path.text(), "epoch milliseconds (an integer) or ISO-8601 text", value);
        }
        if (!value.isTextual()) {
            throw FieldValues.invalid(path.text(), "epoch milliseconds (an integer) or ISO-8601 text", value);
        }
        String text = value.textValue();
        // "2001-01-05 06:30" is the ISO local date-time with a space for the 'T'
        if (text.length() > 10 && text.charAt(10) == ' ') {
            text = text.substring(0, 10) + 'T' + text.substring(11);
        }
        try {
            TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parseBest(text, ZonedDateTime::from, LocalDateTime::from);
            return parsed instanceof ZonedDateTime zoned ? zoned.toInstant() : ((LocalDateTime) parsed).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            throw FieldValues.invalid(path.text(), "an ISO-8601 date-time such as 2001-01-05T06:30:00Z or 2001-01-05 06:30", value);
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Field.commonJson(this, "timestamp");
        ArrayNode names = node.putArray("parts");
        parts.forEach(part -> names.add(part.json));
        node.put("zone", zone.getId());
        Field.endJson(this, node);
        return node;
    }
}
