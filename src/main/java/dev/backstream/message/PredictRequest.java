package dev.backstream.message;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.backstream.json.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /models/{id}/predict}: {@code {"features": [...]}} for one prediction, or
 * {@code {"instances": [[...], ...]}} for a batch. Parsed strictly: numbers only, no other field, one of the two.
 *
 * @param instances the feature vectors, in order (one for a single prediction)
 * @param batch     whether the request was a batch ({@code instances}), which shapes the answer
 */
public record PredictRequest(List<double[]> instances, boolean batch) {
    public PredictRequest {
        instances = List.copyOf(instances);
    }

    /**
     * Parses a UTF-8 JSON body.
     *
     * @param maxBatch  the most instances a batch may hold ({@code http.max.batch})
     * @param maxValues the most numbers one instance may hold ({@code max.features})
     * @throws InvalidMessageException with {@link RejectReason#MALFORMED_JSON}, {@link RejectReason#MISSING_FIELD},
     *                                 {@link RejectReason#INVALID_FIELD}, {@link RejectReason#NON_FINITE_VALUE} or
     *                                 {@link RejectReason#RECORD_TOO_LARGE} (too many values, or a batch over
     *                                 {@code maxBatch}), naming the field and index
     */
    public static PredictRequest parse(byte[] json, int maxBatch, int maxValues) {
        if (json == null || json.length == 0) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON,
                    "the request has no body; expected {\"features\": [...]} or {\"instances\": [[...], ...]}");
        }
        Utf8Json.require(json, "request bodies");
        NumberArrayReader numbers = new NumberArrayReader(maxValues, "max.features");
        try (JsonParser parser = Json.parser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidMessageException(RejectReason.MALFORMED_JSON,
                        "expected a JSON object, found " + SampleParser.describe(parser.currentToken()));
            }
            List<double[]> instances = null;
            boolean batch = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (instances != null && (field.equals("features") || field.equals("instances"))) {
                    throw new InvalidMessageException(RejectReason.INVALID_FIELD, "give either \"features\" or \"instances\", not both");
                }
                switch (field) {
                    case "features" -> instances = List.of(numbers.read(parser, value, "features"));
                    case "instances" -> {
                        instances = readInstances(parser, value, numbers, maxBatch);
                        batch = true;
                    }
                    default -> throw new InvalidMessageException(RejectReason.INVALID_FIELD,
                            "unknown field \"" + field + "\"; expected \"features\" or \"instances\"");
                }
            }
            if (parser.nextToken() != null) {
                throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "unexpected content after the request object");
            }
            if (instances == null) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD, "expected \"features\": [...] or \"instances\": [[...], ...]");
            }
            return new PredictRequest(instances, batch);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidMessageException(RejectReason.MALFORMED_JSON, "unreadable JSON: " + e.getMessage(), e);
        }
    }

    private static List<double[]> readInstances(JsonParser parser, JsonToken value, NumberArrayReader numbers, int maxBatch)
            throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"instances\" is " + SampleParser.describe(value)
                    + "; expected an array of feature arrays");
        }
        List<double[]> instances = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (instances.size() == maxBatch) {
                throw new InvalidMessageException(RejectReason.RECORD_TOO_LARGE,
                        "\"instances\" holds more than " + maxBatch + " feature arrays (http.max.batch)");
            }
            instances.add(numbers.read(parser, token, "instances[" + instances.size() + "]"));
        }
        if (instances.isEmpty()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, "\"instances\" is empty; expected at least one feature array");
        }
        return instances;
    }
}
