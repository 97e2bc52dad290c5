package dev.backstream.http;

import java.util.Map;

/**
 * A request the API refuses: the HTTP status and a stable reason code, answered as
 * {@code {"error": CODE, "message": ..., ...details}}. Codes shared with the dead-letter topic mean the same there.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;

    ApiException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    ApiException(int status, String code, String message, Map<String, Object> details) {
        super(message, null, false, false); // an expected answer, not a failure: no stack trace
        this.status = status;
        this.code = code;
        this.details = Map.copyOf(details);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, Object> details() {
        return details;
    }
}
