package dev.backstream.cli;

/**
 * A problem the user can act on (a missing file, an unreachable broker, a bad setting): {@link Main} prints its message
 * as one line on stderr and exits with {@link #exitCode()}, without a stack trace, because the trace would say nothing
 * the message does not.
 */
final class CommandException extends RuntimeException {
    /** The command could not start: bad options, files or settings, or nothing to connect to. */
    static final int CANNOT_START = 2;
    /** The command started and then failed. */
    static final int FAILED = 1;

    private final int exitCode;

    CommandException(String message) {
        this(message, CANNOT_START);
    }

    CommandException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
