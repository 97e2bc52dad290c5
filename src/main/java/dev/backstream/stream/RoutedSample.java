package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.message.Sample;

import java.util.Objects;

/**
 * A parsed, validated sample on its way to the task that owns its model.
 *
 * @param sample    the sample
 * @param learn     true for the samples topic (one learning step), false for score requests
 * @param sourceKey   the original record key (for dead letters), or null
 * @param sourceValue the original record value, as received (for dead letters); null only for a record repartitioned by
 *                    a version that did not carry it
 * @param source      the original record's coordinates
 */
public record RoutedSample(Sample sample, boolean learn, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
    public RoutedSample {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(source, "source");
    }
}
