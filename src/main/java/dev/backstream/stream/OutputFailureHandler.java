package dev.backstream.stream;

import dev.backstream.message.DeadLetter;
import dev.backstream.json.Json;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Kafka Streams' production exception handler for Backstream: a dead letter the broker or producer refuses never
 * stops the application; any other record that cannot be published does (predictions, snapshots and the model
 * changelog are what exactly-once is about, and dropping one would silently break it).
 *
 * <p>A refused dead letter is noted in {@link UnpublishedDeadLetters}, and replaced by one that leaves out the
 * record's key and value (and so always fits). Under at-least-once this handler publishes the reduced letter itself
 * and processing goes on. Under exactly-once the producer has already doomed the transaction that held the refused
 * letter (every later send of it fails), so the handler fails the stream thread; the application replaces the thread
 * (see {@link UnpublishedDeadLetters#takeExpectedThreadFailure()}), its tasks resume from their last commit, and the
 * record's processor writes the reduced letter when it processes the record again: nothing is lost or applied twice.
 */
public final class OutputFailureHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFailureHandler.class);
    /** The configuration entry naming the dead-letter topic. */
    public static final String DEAD_LETTER_TOPIC_CONFIG = "backstream.dead.letters.topic";

    private String deadLetterTopic;
    private UnpublishedDeadLetters unpublished;
    private boolean exactlyOnce;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetterTopic = (String) configs.get(DEAD_LETTER_TOPIC_CONFIG);
        unpublished = configs.get(UnpublishedDeadLetters.CONFIG) instanceof UnpublishedDeadLetters u ? u : new UnpublishedDeadLetters();
        exactlyOnce = !StreamsConfig.AT_LEAST_ONCE.equals(configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!record.topic().equals(deadLetterTopic) || exception instanceof RetriableException) {
            return Response.fail();
        }
        DeadLetter letter;
        try {
            letter = Json.MAPPER.readValue(record.value(), DeadLetter.class);
        } catch (IOException | RuntimeException e) {
            return Response.fail(); // not one of ours: nothing to reduce
        }
        if (letter.key() == null && letter.value() == null) {
            return Response.fail(); // already reduced: what is refused now is not the record's size
        }
        unpublished.refused(letter.sourceTopic(), letter.sourcePartition(), letter.sourceOffset());
        LOG.warn("the dead letter ({}) of {}-{} offset {} was refused by the producer or broker ({}); it is published without "
                        + "the record's key and value{}", letter.reason(), letter.sourceTopic(), letter.sourcePartition(),
                letter.sourceOffset(), exception.toString(), exactlyOnce ? " after the transaction is replayed from the last commit" : "");
        if (exactlyOnce) {
            unpublished.expectThreadFailure();
            return Response.fail();
        }
        DeadLetter reduced = DeadLetter.withoutRecord(letter, "refused: " + exception.getClass().getSimpleName());
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, record.timestamp(), null, reduced.toJson())));
    }
}
