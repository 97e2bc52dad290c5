package dev.backstream.message;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Parsing sample JSON")
class SampleParserTest {
    private final SampleParser parser = new SampleParser();

    @Test
    void readsALabeledSampleWithItsId() {
        Sample sample = parser.parse("{\"model\": \"xor\", \"features\": [0, 1.5, -2e-3], \"label\": 1, \"id\": \"s-17\"}");
        assertEquals("xor", sample.model());
        assertArrayEquals(new double[] {0, 1.5, -2e-3}, sample.features());
        assertEquals(1, sample.label());
        assertNull(sample.target());
        assertEquals("s-17", sample.id());
        assertTrue(sample.isLabeled());
    }

    @Test
    void readsARegressionTargetAndSkipsUnknownFields() {
        Sample sample = parser.parse("{\"source\": {\"station\": [1, 2]}, \"model\": \"ridership\", \"features\": [3], \"target\": [13.2]}");
        assertArrayEquals(new double[] {13.2}, sample.target());
        assertNull(sample.label());
    }

    @Test
    void readsAScoreRequestWithoutLabelOrTarget() {
        Sample sample = parser.parse("{\"model\": \"xor\", \"features\": [1, 1]}");
        assertTrue(!sample.isLabeled());
    }

    @Test
    void acceptsIntegralFloatLabelsFromCsvDerivedData() {
        assertEquals(3, parser.parse("{\"model\": \"d\", \"features\": [1], \"label\": 3.0}").label());
    }

    @Test
    void growsItsBufferForLongFeatureVectors() {
        StringBuilder json = new StringBuilder("{\"model\": \"mnist\", \"features\": [");
        for (int j = 0; j < 784; j++) {
            json.append(j == 0 ? "" : ",").append(j % 7);
        }
        double[] features = parser.parse(json.append("], \"label\": 5}").toString()).features();
        assertEquals(784, features.length);
        assertEquals(783 % 7, features[783]);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"model\": \"x\", \"features\": [1, 2]           | MALFORMED_JSON | not valid JSON",
            "[1, 2]                                             | MALFORMED_JSON | expected a JSON object, found an array",
            "{\"model\": \"x\", \"model\": \"y\", \"features\": [1]} | MALFORMED_JSON | Duplicate field 'model'",
            "{\"features\": [1], \"label\": 0}                   | MISSING_FIELD  | no \"model\"",
            "{\"model\": \"x\", \"label\": 0}                    | MISSING_FIELD  | no \"features\"",
            "{\"model\": 7, \"features\": [1]}                   | INVALID_FIELD  | \"model\" is a number; expected a string",
            "{\"model\": \"x\", \"features\": [1, \"a\"]}        | INVALID_FIELD  | features[1] is a string; expected a number",
            "{\"model\": \"x\", \"features\": 1}                 | INVALID_FIELD  | \"features\" is a number; expected an array of numbers",
            "{\"model\": \"x\", \"features\": [1], \"label\": 0.5} | INVALID_FIELD | \"label\" is 0.5; expected an integer class index",
            "{\"model\": \"x\", \"features\": [1], \"label\": 0, \"target\": [1]} | INVALID_FIELD | both \"label\" and \"target\"",
            "{\"model\": \"x\", \"features\": [1, 1e999]}        | NON_FINITE_VALUE | features[1] = 1e999 is beyond the range of a double",
            "{\"model\": \"x\", \"features\": [NaN]}             | MALFORMED_JSON | not valid JSON",
            "{\"model\": \"\", \"features\": [1]}                  | INVALID_FIELD  | \"model\" is empty; expected a non-empty model id",
    })
    void rejectsBadSamplesWithAReasonAndTheField(String json, RejectReason reason, String evidence) {
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(json));
        assertEquals(reason, e.reason());
        assertTrue(e.getMessage().contains(evidence), "message '" + e.getMessage() + "' should contain '" + evidence + "'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"UTF-16LE, true", "UTF-16BE, true", "UTF-16LE, false", "UTF-16BE, false", "UTF-32LE, false", "UTF-32BE, false"})
    @DisplayName("samples are UTF-8: a byte-order mark or zero bytes never switch the decoder to UTF-16 or UTF-32")
    void rejectsOtherEncodings(String charset, boolean byteOrderMark) {
        String sample = (byteOrderMark ? "\uFEFF" : "") + "{\"model\":\"xor\",\"features\":[0,1],\"label\":1}";
        byte[] bytes = sample.getBytes(java.nio.charset.Charset.forName(charset));
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(bytes));
        assertEquals(RejectReason.MALFORMED_JSON, e.reason());
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void rejectsTheFourBytesOfAUtf16ByteOrderMarkAndBraces() {
        byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0x7b, 0x7d};
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(bytes));
        assertEquals(RejectReason.MALFORMED_JSON, e.reason());
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void rejectsAMissingValue() {
        assertEquals(RejectReason.MALFORMED_JSON, assertThrows(InvalidMessageException.class, () -> parser.parse((byte[]) null)).reason());
    }
}
