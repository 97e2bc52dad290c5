package dev.backstream.stream;

import dev.backstream.message.ModelCommand;
import dev.backstream.message.Sample;
import dev.backstream.message.SourceRecord;

import java.util.Objects;

/**
 * A parsed sample, or a parsed control command, on its way to the task that owns its model.
 *
 * @param sample      the sample, or null for a command
 * @param command     the command, or null for a sample
 * @param learn       true for the samples topic (one learning step), false for score requests and commands
 * @param sourceKey   the original record key (for dead letters), or null
 * @param sourceValue the original record value, as received (for dead letters; a command's JSON); null only for a
 *                    sample repartitioned by a version that did not carry it
 * @param source      the original record's coordinates
 */
public record RoutedSample(Sample sample, ModelCommand command, boolean learn, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
    public RoutedSample {
        if ((sample == null) == (command == null)) {
            throw new IllegalArgumentException("a routed record is a sample or a command");
        }
        Objects.requireNonNull(source, "source");
    }

    /** A sample to learn from ({@code learn}) or to score. */
    public RoutedSample(Sample sample, boolean learn, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
        this(Objects.requireNonNull(sample, "sample"), null, learn, sourceKey, sourceValue, source);
    }

    /** A control command. */
    static RoutedSample command(ModelCommand command, byte[] sourceKey, byte[] sourceValue, SourceRecord source) {
        return new RoutedSample(null, Objects.requireNonNull(command, "command"), false, sourceKey, sourceValue, source);
    }

    /** The model the sample or command is for. */
    public String model() {
        return sample != null ? sample.model() : command.model();
    }
}
