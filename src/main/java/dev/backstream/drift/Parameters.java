package dev.backstream.drift;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads a detector's parameter map, as a JSON model definition gives it, with messages naming the parameter. */
final class Parameters {
    private final String type;
    private final Map<String, ?> values;

    Parameters(String type, Map<String, ?> values, Set<String> known) {
        this.type = type;
        this.values = values;
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown parameter" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + " for drift detector \"" + type + "\"; known parameters: " + new TreeSet<>(known));
        }
    }

    double number(String name, double defaultValue) {
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException(prefix(name) + " must be a number, found " + describe(value));
        }
        return number.doubleValue();
    }

    int integer(String name, int defaultValue) {
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new IllegalArgumentException(prefix(name) + " must be an integer, found " + describe(value));
    }

    String string(String name, String defaultValue) {
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof String string)) {
            throw new IllegalArgumentException(prefix(name) + " must be a string, found " + describe(value));
        }
        return string;
    }

    private String prefix(String name) {
        return type + " parameter " + name;
    }

    private static String describe(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : value + " (" + value.getClass().getSimpleName() + ")";
    }
}
