package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;

/** For tests outside this package: publishes and forgets a model's metrics as a stream thread's learner does. */
public final class ModelPublications {
    private ModelPublications() {
    }

    /** {@code metrics} were published: the HTTP layer sees them, and the model takes a series slot if one is free. */
    public static void published(PublishedMetrics published, ModelSeriesSlots series, ModelMetrics metrics) {
        published.published(metrics);
        series.acquire(metrics.model());
    }

    /** The model's task closed (or the model was deleted): its metrics and its series slot are gone. */
    public static void removed(PublishedMetrics published, ModelSeriesSlots series, String model) {
        published.removed(model);
        series.release(model);
    }

    /** {@code model} holds a series slot, as if its metrics were published (with no record kept). */
    public static void holdsSlot(ModelSeriesSlots series, String model) {
        series.acquire(model);
    }
}
