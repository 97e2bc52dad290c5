package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A raw event, or a delayed label record, read by the events router: its model and its JSON object, which the task that
 * owns the model encodes with the model's feature spec.
 *
 * @param model the model id: the record's {@code "model"}, or {@code events.model}
 * @param kind  an event, or a label record
 * @param json  the record's JSON object
 */
record RoutedEvent(String model, Kind kind, JsonNode json) {
    enum Kind {
        /** A raw event of the events topic: learned if it carries its label, else scored and kept for a delayed one. */
        EVENT,
        /** A label record of the labels topic: {@code {"model": ..., "id": ..., "label": ...}}. */
        LABEL
    }

    RoutedEvent {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(json, "json");
    }
}
