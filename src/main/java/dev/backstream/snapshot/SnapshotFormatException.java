package dev.backstream.snapshot;

/** A snapshot document that cannot be read: the message says what is wrong and where (a JSON path). */
public final class SnapshotFormatException extends IllegalArgumentException {
    public SnapshotFormatException(String message) {
        super(message);
    }

    public SnapshotFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
