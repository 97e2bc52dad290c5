package dev.backstream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.backstream.data.Flight;
import dev.backstream.json.Json;

import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The flights demo's two messages: a flight as an event at departure (no delay: it is not known yet), and its label
 * record, sent later, that carries the delay.
 */
final class FlightEvents {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);

    private FlightEvents() {
    }

    /** {@code {"model", "id", "date", "distance", "origin", "destination"}}: what is known when the flight departs. */
    record Event(String model, String id, String date, int distance, String origin, String destination) {
        static Event of(String model, String id, Flight flight) {
            return new Event(model, id, DATE.format(flight.departure()), flight.distance(), flight.origin(), flight.destination());
        }
    }

    /** {@code {"model", "id", "label"}}: the departure delay in minutes; the model's spec turns it into its class. */
    record Label(String model, String id, int label) {
    }

    /** The event of {@code flight} as JSON bytes. */
    static byte[] event(String model, String id, Flight flight) {
        return json(Event.of(model, id, flight));
    }

    /** The label record of {@code flight} as JSON bytes. */
    static byte[] label(String model, String id, Flight flight) {
        return json(new Label(model, id, flight.delay()));
    }

    private static byte[] json(Object message) {
        try {
            return Json.MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + message + " as JSON", e);
        }
    }
}
