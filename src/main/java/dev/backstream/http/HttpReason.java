package dev.backstream.http;

/**
 * Stable reason codes of the HTTP API's refusals that have no counterpart among the dead-letter codes
 * ({@link dev.backstream.message.RejectReason}, which the API uses where they apply). New codes may be added;
 * existing ones never change meaning.
 */
enum HttpReason {
    /** 404: no such path. */
    NOT_FOUND,
    /** 405: the path exists, not with this method. */
    METHOD_NOT_ALLOWED,
    /** 415: a body that is not {@code application/json}. */
    UNSUPPORTED_MEDIA_TYPE,
    /** 413: a body larger than {@code http.max.body.bytes}. */
    REQUEST_TOO_LARGE,
    /** 503: the model's owner is not known or not serving yet (starting, restoring, rebalancing); retry. */
    NOT_READY,
    /** 502: the instance owning the model did not answer the forwarded request. */
    OWNER_UNREACHABLE,
    /** 401: a write without {@code Authorization: Bearer <http.token>}, or with another token. */
    UNAUTHORIZED,
    /** 403: a write while no {@code http.token} is configured: writes are disabled. */
    WRITES_DISABLED,
    /** 504: a command was written but its model event did not arrive in time; it may still be applied. */
    COMMAND_TIMEOUT,
    /** 500: a failure of the application itself, never of the request; logged with its cause. */
    INTERNAL_ERROR
}
