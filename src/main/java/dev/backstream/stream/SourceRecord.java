package dev.backstream.stream;

/**
 * Where an input record came from: kept with a sample through repartitioning, so that predictions and dead letters
 * name the original topic, partition and offset.
 */
public record SourceRecord(String topic, int partition, long offset, long timestamp) {

    /** A record's place in its topic, without its timestamp. */
    record Coordinates(String topic, int partition, long offset) {
    }
}
