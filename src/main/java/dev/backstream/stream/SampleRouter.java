package dev.backstream.stream;

import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.message.SourceRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Stateless first stage: size check, JSON parsing and the checks that need no model (a sample to learn from has a
 * label or target). Parsed samples leave keyed by their model id; everything else leaves as a dead letter with its
 * reason. Nothing here touches a model: whether the model exists and the sample fits it is decided in the task that
 * owns the model, since control commands create and delete models there.
 */
final class SampleRouter implements Processor<byte[], byte[], byte[], Routed> {
    private final boolean learn;
    private final int maxRecordBytes;
    private final SampleParser parser;
    private final DeadLetterWriter deadLetters;
    private ProcessorContext<byte[], Routed> context;

    SampleRouter(boolean learn, int maxRecordBytes, int maxFeatures, DeadLetterWriter deadLetters) {
        this.deadLetters = deadLetters;
        this.learn = learn;
        this.maxRecordBytes = maxRecordBytes;
        this.parser = new SampleParser(maxFeatures);
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        SourceRecord source = source(context, record.timestamp());
        byte[] value = record.value();
        try {
            requireAtMost(value, maxRecordBytes, "record");
            Sample sample = parser.parse(value);
            if (learn && !sample.isLabeled()) {
                throw new InvalidMessageException(RejectReason.MISSING_FIELD,
                        "a sample to learn from needs \"label\" or \"target\"; send unlabeled samples to the score-requests topic");
            }
            byte[] modelKey = sample.model().getBytes(StandardCharsets.UTF_8);
            boolean keyedByModel = Arrays.equals(record.key(), modelKey);
            RoutedSample routed = new RoutedSample(sample, learn, record.key(), value, source);
            context.forward(record.withKey(modelKey).withValue(new Routed.Accepted(routed, keyedByModel)));
        } catch (InvalidMessageException e) {
            byte[] json = deadLetters.json(e.reason(), e.getMessage(), source, record.key(), value);
            context.forward(record.withValue(new Routed.Rejected(json)));
        }
    }

    /**
     * Refuses a record over {@code max.record.bytes} before anything parses it: the one size check of the three routers.
     *
     * @param what what the record is ("record", "command"), for the message
     * @throws InvalidMessageException {@link RejectReason#RECORD_TOO_LARGE}
     */
    static void requireAtMost(byte[] value, int maxRecordBytes, String what) {
        if (value != null && value.length > maxRecordBytes) {
            throw new InvalidMessageException(RejectReason.RECORD_TOO_LARGE,
                    what + " of " + value.length + " bytes exceeds max.record.bytes = " + maxRecordBytes + "; not parsed");
        }
    }

    static SourceRecord source(ProcessorContext<?, ?> context, long timestamp) {
        Optional<RecordMetadata> metadata = context.recordMetadata();
        return metadata.map(m -> new SourceRecord(m.topic(), m.partition(), m.offset(), timestamp))
                .orElseGet(() -> new SourceRecord(null, -1, -1, timestamp));
    }
}
