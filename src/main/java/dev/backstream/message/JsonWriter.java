package dev.backstream.message;

import com.fasterxml.jackson.core.io.NumberOutput;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An append-only UTF-8 JSON object writer for messages written once per record (predictions): no generator, buffer
 * recycler or reflection, just bytes into one growable array. Field names must be plain ASCII without characters that
 * need escaping (they are constants in the callers); string values are escaped per RFC 8259; doubles are written in
 * the shortest form that reads back to the same bits (Jackson's Schubfach writer); a non-finite double (the loss of
 * a diverging update, an overflowing output) is written as {@code null}: JSON has no such number, and a string in a
 * numeric field would break every consumer that reads it as a number.
 */
final class JsonWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] bytes;
    private int size;
    private boolean first = true;

    JsonWriter(int expectedSize) {
        bytes = new byte[Math.max(16, expectedSize)];
        append('{');
    }

    JsonWriter field(String name, String value) {
        name(name);
        string(value);
        return this;
    }

    JsonWriter field(String name, long value) {
        name(name);
        ascii(Long.toString(value));
        return this;
    }

    JsonWriter field(String name, double value) {
        name(name);
        number(value);
        return this;
    }

    JsonWriter field(String name, double[] values) {
        name(name);
        append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                append(',');
            }
            number(values[i]);
        }
        append(']');
        return this;
    }

    /** Closes the object and returns exactly its bytes. */
    byte[] end() {
        append('}');
        return Arrays.copyOf(bytes, size);
    }

    private void name(String name) {
        if (!first) {
            append(',');
        }
        first = false;
        append('"');
        ascii(name);
        append('"');
        append(':');
    }

    private void number(double value) {
        if (!Double.isFinite(value)) {
            ascii("null");
            return;
        }
        ascii(NumberOutput.toString(value, true));
    }

    private void string(String value) {
        append('"');
        int length = value.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                // rare in ids and topic names: escape and encode the rest through the JDK's UTF-8 encoder
                stringTail(value, i);
                return;
            }
            if (c < 0x20 || c == '"' || c == '\\') {
                escape(c);
                ensure(length - i); // the escape used up room reserved for the remaining characters
            } else {
                bytes[size++] = (byte) c;
            }
        }
        append('"');
    }

    private void stringTail(String value, int from) {
        StringBuilder escaped = new StringBuilder(value.length() - from + 8);
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                escaped.append('\\').append(c == '"' ? '"' : c == '\\' ? '\\' : 'u');
                if (c < 0x20) {
                    escaped.append("00").append((char) HEX[c >> 4]).append((char) HEX[c & 0xf]);
                }
            } else {
                escaped.append(c);
            }
        }
        byte[] utf8 = escaped.toString().getBytes(StandardCharsets.UTF_8);
        ensure(utf8.length + 1);
        System.arraycopy(utf8, 0, bytes, size, utf8.length);
        size += utf8.length;
        append('"');
    }

    private void escape(char c) {
        ensure(6);
        bytes[size++] = '\\';
        switch (c) {
            case '"' -> bytes[size++] = '"';
            case '\\' -> bytes[size++] = '\\';
            case '\n' -> bytes[size++] = 'n';
            case '\r' -> bytes[size++] = 'r';
            case '\t' -> bytes[size++] = 't';
            default -> {
                bytes[size++] = 'u';
                bytes[size++] = '0';
                bytes[size++] = '0';
                bytes[size++] = HEX[c >> 4];
                bytes[size++] = HEX[c & 0xf];
            }
        }
    }

    private void ascii(String text) {
        int length = text.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            bytes[size++] = (byte) text.charAt(i);
        }
    }

    private void append(char c) {
        ensure(1);
        bytes[size++] = (byte) c;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
