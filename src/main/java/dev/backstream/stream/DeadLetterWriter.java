package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.message.DeadLetter;
import dev.backstream.message.RejectReason;

/**
 * Writes the dead letters of the processors: key and value cut to the configured size, and without the record's key
 * and value for a record whose full dead letter was refused before (see {@link UnpublishedDeadLetters}).
 */
final class DeadLetterWriter {
    private final int fieldBytes;
    private final UnpublishedDeadLetters unpublished;
    private final Activity activity;

    DeadLetterWriter(int fieldBytes, UnpublishedDeadLetters unpublished, Activity activity) {
        this.fieldBytes = fieldBytes;
        this.unpublished = unpublished;
        this.activity = activity;
    }

    /** The dead-letter JSON for the record at {@code source} with these original bytes. */
    byte[] json(RejectReason reason, String message, SourceRecord source, byte[] key, byte[] value) {
        activity.deadLetter(reason);
        DeadLetter letter = DeadLetter.of(reason, message, source, key, value, fieldBytes);
        if (unpublished.wasRefused(source)) {
            letter = DeadLetter.withoutRecord(letter, "refused by the producer or broker");
        }
        return letter.toJson();
    }
}
