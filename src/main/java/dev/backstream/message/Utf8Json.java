package dev.backstream.message;

/**
 * The one check that a message's bytes are UTF-8 JSON, for every reader of samples, commands, events and HTTP bodies.
 * Jackson guesses the encoding of bytes from a byte-order mark or from zero bytes at the start and would quietly
 * decode UTF-16 or UTF-32; in UTF-8 neither can begin a JSON text (a raw zero byte is never valid).
 */
public final class Utf8Json {
    private Utf8Json() {
    }

    /**
     * @param json the message's bytes
     * @param what what the message is, plural, for the error ("samples", "commands")
     * @throws InvalidMessageException {@link RejectReason#MALFORMED_JSON} for a UTF-16 or UTF-32 byte-order mark, or a
     *                                 zero byte among the first four
     */
    public static void require(byte[] json, String what) {
        if (json.length >= 2 && ((json[0] == (byte) 0xFE && json[1] == (byte) 0xFF) || (json[0] == (byte) 0xFF && json[1] == (byte) 0xFE))) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON,
                    "not UTF-8: the record starts with a UTF-16 or UTF-32 byte-order mark; " + what + " are UTF-8 JSON");
        }
        for (int i = 0; i < Math.min(4, json.length); i++) {
            if (json[i] == 0) {
                throw new InvalidMessageException(RejectReason.MALFORMED_JSON,
                        "not UTF-8: a zero byte at offset " + i + " (UTF-16 or UTF-32 text?); " + what + " are UTF-8 JSON");
            }
        }
    }
}
