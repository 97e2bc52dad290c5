package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The source records whose dead letter the producer refused (for example larger than the dead-letter topic's
 * {@code max.message.bytes}), shared by the production exception handler that learns of it and the processors that
 * write dead letters.
 *
 * <p>Under exactly-once a refused record poisons the whole transaction: Kafka Streams aborts it and processes the same
 * input again. Were the same dead letter written again, the application would loop on that record for ever. So the
 * handler notes the record here, and the processors write its second dead letter without the record's key and value,
 * which always fits. Under at-least-once the handler publishes that reduced letter itself.
 *
 * <p>Bounded: only the most recent {@value #CAPACITY} records are remembered (a replay comes right after the failure).
 * Thread-safe: the handler may run on the producer's I/O thread.
 */
public final class UnpublishedDeadLetters {
    /** The name under which the instance is passed to the handler in the Kafka Streams configuration. */
    public static final String CONFIG = "backstream.unpublished.dead.letters";
    static final int CAPACITY = 10_000;

    private final Set<Coordinates> refused = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Coordinates, Boolean> eldest) {
                    return size() > CAPACITY;
                }
            }));

    /** A record's place in its topic. */
    private record Coordinates(String topic, int partition, long offset) {
    }

    private final AtomicBoolean threadFailureExpected = new AtomicBoolean();

    /** Notes that the dead letter of the record at these coordinates was refused. */
    void refused(String topic, int partition, long offset) {
        refused.add(new Coordinates(topic, partition, offset));
    }

    /**
     * Notes that a stream thread is about to fail because its transaction held a refused dead letter. Under exactly-once,
     * Kafka Streams 4.3 lets no answer of the production exception handler keep that thread: the producer refuses every
     * further send of the aborted transaction. The thread is then replaced, and its tasks resume from their last commit.
     */
    void expectThreadFailure() {
        threadFailureExpected.set(true);
    }

    /** Whether a stream thread's failure was caused by a refused dead letter (then it should be replaced); clears it. */
    public boolean takeExpectedThreadFailure() {
        return threadFailureExpected.getAndSet(false);
    }

    /** Whether the dead letter of {@code source} was refused before, so its next one must leave the record out. */
    boolean wasRefused(SourceRecord source) {
        return !refused.isEmpty() && refused.contains(new Coordinates(source.topic(), source.partition(), source.offset()));
    }
}
