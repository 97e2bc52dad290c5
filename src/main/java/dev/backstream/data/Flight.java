package dev.backstream.data;

import java.time.LocalDateTime;
import java.util.Objects;

/**
 * One row of the bundled flights data set: a US domestic flight of January–June 2001.
 *
 * @param departure   the scheduled departure, local time of the origin airport, to the minute
 * @param delay       the departure delay in minutes (negative: early)
 * @param distance    the distance flown in miles
 * @param origin      the origin airport's IATA code, e.g. {@code ORD}
 * @param destination the destination airport's IATA code
 */
public record Flight(LocalDateTime departure, int delay, int distance, String origin, String destination) {
    public Flight {
        Objects.requireNonNull(departure, "departure");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(destination, "destination");
    }

    /** Whether the flight left more than {@code minutes} late (the demo's label: more than 15 minutes). */
    public boolean delayedMoreThan(int minutes) {
        return delay > minutes;
    }
}
