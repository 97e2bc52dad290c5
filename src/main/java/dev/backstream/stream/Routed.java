package dev.backstream.stream;

/**
 * What a router makes of an input record: a sample or command for its model's task, a dead letter, or (for a command
 * that cannot be read) a rejection event.
 */
sealed interface Routed permits Routed.Accepted, Routed.Rejected, Routed.RejectedCommand {

    /**
     * A valid sample or a readable command.
     *
     * @param keyedByModel whether the input record was already keyed by the model id (it then stays in its task;
     *                     otherwise it is repartitioned by model id)
     */
    record Accepted(RoutedSample sample, boolean keyedByModel) implements Routed {
    }

    /** A dead letter, as JSON. */
    record Rejected(byte[] json) implements Routed {
    }

    /** A model event rejecting an unreadable command, as JSON. */
    record RejectedCommand(byte[] json) implements Routed {
    }
}
