package dev.backstream.message;

/**
 * Where an input record came from: kept with a sample through repartitioning, so that predictions and dead letters
 * name the original topic, partition and offset.
 */
public record SourceRecord(String topic, int partition, long offset, long timestamp) {
}
