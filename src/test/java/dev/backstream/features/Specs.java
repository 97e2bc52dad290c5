package dev.backstream.features;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;

/** Test helpers: JSON from text, and specs from the text of their {@code "features"} object. */
final class Specs {
    private Specs() {
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad test JSON: " + text, e);
        }
    }

    static ObjectNode object(String text) {
        return (ObjectNode) json(text);
    }

    static FeatureSpec spec(String featuresJson) {
        return FeatureSpec.parse(json(featuresJson), "test.json");
    }

    /** A spec of one field and a numeric label at {@code "y"}. */
    static FeatureSpec oneField(String fieldJson) {
        return spec("{\"fields\": [" + fieldJson + "], \"label\": {\"path\": \"y\", \"type\": \"number\"}}");
    }
}
