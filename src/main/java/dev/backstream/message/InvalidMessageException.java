package dev.backstream.message;

import java.util.Objects;

/** A message that cannot be used, with a stable {@link RejectReason} and a human-readable explanation. */
public final class InvalidMessageException extends RuntimeException {
    private final RejectReason reason;

    public InvalidMessageException(RejectReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public InvalidMessageException(RejectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public RejectReason reason() {
        return reason;
    }
}
