package dev.backstream.json;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The tests' one way to read an output record (prediction, dead letter) as a JSON tree, with the application's mapper. */
public final class TestJson {
    private TestJson() {
    }

    public static JsonNode json(byte[] value) {
        try {
            return Json.MAPPER.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
