package dev.backstream.stream;

import dev.backstream.message.ModelCommand;
import dev.backstream.message.Sample;
import dev.backstream.message.SourceRecord;

import java.util.Objects;

/**
 * A parsed sample, a parsed control command, or a raw event or label record, on its way to the task that owns its
 * model. Exactly one of {@code sample}, {@code command} and {@code event} is set.
 *
 * @param sample      the sample, or null
 * @param command     the command, or null
 * @param event       the raw event or label record, or null
 * @param learn       true for the samples topic (one learning step), false for score requests, commands and events
 * @param sourceKey   the original record key (for dead letters), or null
 * @param sourceValue the original record value, as received (for dead letters; a command's JSON); null only for a
 *                    sample repartitioned by a version that did not carry it
 * @param source      the original record's coordinates
 */
public record RoutedSample(Sample sample, ModelCommand command, RoutedEvent event, boolean learn, byte[] sourceKey, byte[] sourceValue,
                           SourceRecord source) {
    public RoutedSample {
        if ((sample != null ? 1 : 0) + (command != null ? 1 : 0) + (event != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("a routed record is a sample, a command or an event");
        }
        Objects.requireNonNull(source, "source");
    }

    /** A sample to learn from ({@code learn}) or to score. */
    public RoutedSample(Sample sample, boolean learn, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
        this(Objects.requireNonNull(sample, "sample"), null, null, learn, sourceKey, sourceValue, source);
    }

    /** A control command. */
    static RoutedSample command(ModelCommand command, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
        return new RoutedSample(null, Objects.requireNonNull(command, "command"), null, false, sourceKey, sourceValue, source);
    }

    /** A raw event or a label record; {@code sourceValue} is its JSON as received. */
    static RoutedSample event(RoutedEvent event, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
        return new RoutedSample(null, null, Objects.requireNonNull(event, "event"), false, sourceKey,
                Objects.requireNonNull(sourceValue, "sourceValue"), source);
    }

    /** The model the sample, command or event is for. */
    public String model() {
        return sample != null ? sample.model() : command != null ? command.model() : event.model();
    }
}
