package dev.backstream.stream;

/** What the router makes of an input record: a sample for its model's task, or a dead letter. */
sealed interface Routed permits Routed.Accepted, Routed.Rejected {

    /**
     * A valid sample.
     *
     * @param keyedByModel whether the input record was already keyed by the model id (it then stays in its task;
     *                     otherwise it is repartitioned by model id)
     */
    record Accepted(RoutedSample sample, boolean keyedByModel) implements Routed {
    }

    /** A dead letter, as JSON. */
    record Rejected(byte[] json) implements Routed {
    }
}
