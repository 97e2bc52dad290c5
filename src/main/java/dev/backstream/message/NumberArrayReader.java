package dev.backstream.message;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a JSON array of finite numbers into a {@code double[]} with Jackson's streaming parser, reporting the first
 * problem with its {@link RejectReason} and index. Not thread-safe: it reuses a growable buffer.
 */
final class NumberArrayReader {
    private final int maxValues;
    private final String limitName;
    private double[] buffer = new double[64];

    /** A reader that rejects arrays longer than {@code maxValues} (named {@code limitName} in the message). */
    NumberArrayReader(int maxValues, String limitName) {
        this.maxValues = maxValues;
        this.limitName = limitName;
    }

    /**
     * Reads the array whose first token, {@code value}, the parser is on.
     *
     * @throws InvalidMessageException INVALID_FIELD for anything but an array of numbers, NON_FINITE_VALUE for a number
     *                                 beyond the double range, RECORD_TOO_LARGE for more than {@code maxValues} numbers
     */
    double[] read(JsonParser parser, JsonToken value, String field) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"" + field + "\" is " + SampleParser.describe(value)
                    + "; expected an array of numbers");
        }
        int n = 0;
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw new InvalidMessageException(RejectReason.INVALID_FIELD,
                        field + "[" + n + "] is " + SampleParser.describe(token) + "; expected a number");
            }
            double number = parser.getDoubleValue();
            if (!Double.isFinite(number)) {
                throw new InvalidMessageException(RejectReason.NON_FINITE_VALUE,
                        field + "[" + n + "] = " + parser.getText() + " is beyond the range of a double; expected a finite number");
            }
            if (n == maxValues) {
                throw new InvalidMessageException(RejectReason.RECORD_TOO_LARGE,
                        "\"" + field + "\" has more than " + maxValues + " values (" + limitName + ")");
            }
            if (n == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(2L * n, maxValues));
            }
            buffer[n++] = number;
        }
        return Arrays.copyOf(buffer, n);
    }
}
