package dev.backstream.message;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link SampleParser}: reads the common shape of a sample, {@code {"model": "...", "features":
 * [numbers], "label": n}} (any field order, whitespace, optional {@code id} and {@code target}), straight from the
 * bytes. Anything else (an unknown or repeated field, an escape or non-ASCII character in a string, a float label, an
 * integer too long for a {@code long}, a number that overflows, more values than allowed, any syntax error) makes it
 * return {@code null}, and the caller parses the record with Jackson, which accepts or rejects it with the precise
 * reason. So this class never rejects anything and never accepts what Jackson would reject; a differential test checks
 * that whatever it accepts, Jackson reads to the same bits.
 *
 * <p>Numbers follow Jackson: an integer token becomes the {@code double} of its {@code long} value ({@code -0} is
 * {@code 0.0}); a token with a fraction or exponent is rounded correctly, by Clinger's exact fast path when the
 * significand has at most 15 digits and the power of ten at most 22, and by {@link Double#parseDouble} otherwise.
 * Not thread-safe.
 */
final class FastSampleReader {
    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        double power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = power; // every 10^i up to 10^22 is exact in a double
            power *= 10;
        }
    }

    private final int maxValues;
    private double[] buffer = new double[64];
    private byte[] json;
    private int at;
    private int end;

    FastSampleReader(int maxValues) {
        this.maxValues = maxValues;
    }

    /** The sample in {@code bytes}, or null if it is not in the fast path's shape (parse it with Jackson then). */
    Sample read(byte[] bytes) {
        json = bytes;
        at = 0;
        end = bytes.length;
        try {
            return readObject();
        } finally {
            json = null;
        }
    }

    private Sample readObject() {
        if (!skipWhitespaceThen('{')) {
            return null;
        }
        String model = null;
        String id = null;
        double[] features = null;
        double[] target = null;
        Integer label = null;
        int seen = 0;
        boolean first = true;
        while (true) {
            skipWhitespace();
            if (first && peek() == '}') {
                at++;
                break;
            }
            int field = fieldName();
            if (field < 0 || (seen & (1 << field)) != 0 || !skipWhitespaceThen(':')) {
                return null; // unknown, malformed or repeated field: Jackson decides
            }
            seen |= 1 << field;
            skipWhitespace();
            switch (field) {
                case MODEL -> {
                    model = string();
                    if (model == null) {
                        return null;
                    }
                }
                case ID -> {
                    if (!literalNull()) {
                        id = string();
                        if (id == null) {
                            return null;
                        }
                    }
                }
                case FEATURES -> {
                    features = numbers();
                    if (features == null) {
                        return null;
                    }
                }
                case TARGET -> {
                    if (!literalNull()) {
                        target = numbers();
                        if (target == null) {
                            return null;
                        }
                    }
                }
                case LABEL -> {
                    if (!literalNull()) {
                        label = label();
                        if (label == null) {
                            return null;
                        }
                    }
                }
                default -> {
                    return null;
                }
            }
            first = false;
            skipWhitespace();
            byte next = peek();
            at++;
            if (next == '}') {
                break;
            }
            if (next != ',') {
                return null;
            }
        }
        skipWhitespace();
        if (at != end || model == null || model.isEmpty() || features == null || (label != null && target != null)) {
            return null; // trailing content or an incomplete sample: Jackson and Sample report it
        }
        return new Sample(model, features, label, target, id);
    }

    private static final int MODEL = 0;
    private static final int ID = 1;
    private static final int FEATURES = 2;
    private static final int TARGET = 3;
    private static final int LABEL = 4;

    /** The known field whose name starts here, or -1. */
    private int fieldName() {
        int start = at + 1;
        if (peek() != '"') {
            return -1;
        }
        int close = start;
        while (close < end && json[close] != '"') {
            if (json[close] == '\\') {
                return -1;
            }
            close++;
        }
        if (close >= end) {
            return -1;
        }
        at = close + 1;
        int length = close - start;
        if (is(start, length, "model")) {
            return MODEL;
        } else if (is(start, length, "features")) {
            return FEATURES;
        } else if (is(start, length, "label")) {
            return LABEL;
        } else if (is(start, length, "id")) {
            return ID;
        } else if (is(start, length, "target")) {
            return TARGET;
        }
        return -1;
    }

    private boolean is(int start, int length, String name) {
        if (length != name.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (json[start + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** A string of printable ASCII without escapes, or null. */
    private String string() {
        if (peek() != '"') {
            return null;
        }
        int start = ++at;
        while (at < end) {
            byte b = json[at];
            if (b == '"') {
                String value = new String(json, start, at - start, StandardCharsets.ISO_8859_1);
                at++;
                return value;
            }
            if (b < 0x20 || b == '\\') { // also every non-ASCII byte, which is negative
                return null;
            }
            at++;
        }
        return null;
    }

    private boolean literalNull() {
        if (end - at >= 4 && json[at] == 'n' && json[at + 1] == 'u' && json[at + 2] == 'l' && json[at + 3] == 'l') {
            at += 4;
            return true;
        }
        return false;
    }

    private double[] numbers() {
        if (peek() != '[') {
            return null;
        }
        at++;
        skipWhitespace();
        int n = 0;
        if (peek() == ']') {
            at++;
            return new double[0];
        }
        while (true) {
            skipWhitespace();
            if (n == maxValues) {
                return null;
            }
            if (n == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(2L * n, maxValues));
            }
            if (!number(n)) {
                return null;
            }
            n++;
            skipWhitespace();
            byte next = peek();
            at++;
            if (next == ']') {
                return Arrays.copyOf(buffer, n);
            }
            if (next != ',') {
                return null;
            }
        }
    }

    /** Reads one JSON number into {@code buffer[index]}; false if it is malformed, too long or not finite. */
    private boolean number(int index) {
        int start = at;
        boolean negative = false;
        if (peek() == '-') {
            negative = true;
            at++;
        }
        long significand = 0;
        int digits = 0; // significant digits accumulated
        int dropped = 0; // integer digits beyond the 18 kept (10^18 < 2^63, so the significand cannot overflow)
        int integerStart = at;
        while (at < end && isDigit(json[at])) {
            if (digits < 18) {
                significand = significand * 10 + (json[at] - '0');
                if (significand != 0) {
                    digits++;
                }
            } else {
                dropped++;
            }
            at++;
        }
        int integerDigits = at - integerStart;
        if (integerDigits == 0 || (integerDigits > 1 && json[integerStart] == '0')) {
            return false; // no digit, or a leading zero: not JSON
        }
        boolean isFloat = false;
        int exponent = dropped;
        if (at < end && json[at] == '.') {
            isFloat = true;
            at++;
            int fractionStart = at;
            while (at < end && isDigit(json[at])) {
                if (digits < 18) {
                    significand = significand * 10 + (json[at] - '0');
                    if (significand != 0) {
                        digits++;
                    }
                    exponent--;
                }
                at++;
            }
            if (at == fractionStart) {
                return false;
            }
        }
        if (at < end && (json[at] == 'e' || json[at] == 'E')) {
            isFloat = true;
            at++;
            boolean negativeExponent = false;
            if (at < end && (json[at] == '+' || json[at] == '-')) {
                negativeExponent = json[at] == '-';
                at++;
            }
            int exponentStart = at;
            int value = 0;
            while (at < end && isDigit(json[at])) {
                if (value < 100_000) {
                    value = value * 10 + (json[at] - '0');
                }
                at++;
            }
            if (at == exponentStart) {
                return false;
            }
            exponent += negativeExponent ? -value : value;
        }
        double result;
        if (!isFloat) {
            if (dropped > 0 || integerDigits > 18) {
                return false; // Jackson reads it as a long or BigInteger: leave those to it
            }
            result = negative ? (double) -significand : (double) significand;
        } else if (significand == 0) {
            result = negative ? -0.0 : 0.0;
        } else if (digits <= 15 && exponent >= -22 && exponent <= 22) {
            double exact = (double) significand; // < 10^15 < 2^53: exact
            result = exponent < 0 ? exact / POWERS_OF_TEN[-exponent] : exact * POWERS_OF_TEN[exponent];
            result = negative ? -result : result;
        } else {
            result = Double.parseDouble(new String(json, start, at - start, StandardCharsets.ISO_8859_1));
        }
        if (!Double.isFinite(result)) {
            return false;
        }
        buffer[index] = result;
        return true;
    }

    /** A label: a JSON integer token of at most 9 digits (anything else goes to Jackson). */
    private Integer label() {
        boolean negative = peek() == '-';
        if (negative) {
            at++;
        }
        int start = at;
        int value = 0;
        while (at < end && isDigit(json[at])) {
            value = value * 10 + (json[at] - '0');
            at++;
        }
        int length = at - start;
        if (length == 0 || length > 9 || (length > 1 && json[start] == '0')) {
            return null;
        }
        if (at < end && (json[at] == '.' || json[at] == 'e' || json[at] == 'E')) {
            return null;
        }
        return negative ? -value : value;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private byte peek() {
        return at < end ? json[at] : 0;
    }

    private void skipWhitespace() {
        while (at < end) {
            byte b = json[at];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return;
            }
            at++;
        }
    }

    private boolean skipWhitespaceThen(char expected) {
        skipWhitespace();
        if (peek() != expected) {
            return false;
        }
        at++;
        return true;
    }
}
