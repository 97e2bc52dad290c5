package dev.backstream.stream;

import dev.backstream.stream.ModelStore.LiveModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A pass of a publishing punctuation (metrics, snapshots) over a task's models in memory, bounded per run.
 *
 * <p><b>Why bounded.</b> Everything a punctuation publishes goes into the task's next transaction, with every model it
 * marks changed (written again to the changelog at the commit). With 100,000 models, publishing them all at once made a
 * transaction of hundreds of megabytes that outlived Kafka Streams' {@code transaction.timeout.ms} (10 s under
 * exactly-once): the producer was fenced, the task rebalanced and the work was replayed. A run of a sweep stops once
 * its publications add up to {@link #BUDGET_BYTES}; the next run goes on from there, and only a finished pass starts
 * a new one, from the models in memory then. So every model is visited once per pass, in the order of the pass's
 * start, and with few models a pass is one run, as before.
 */
final class PublicationSweep {
    /** The bytes (records produced, models written again) one run may add to a transaction. */
    static final long BUDGET_BYTES = 32L * 1024 * 1024;

    private final long budgetBytes;
    /** The models of the pass under way, in the order it visits them; empty between passes. */
    private List<LiveModel> pass = List.of();
    private int next;

    PublicationSweep(long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("budgetBytes must be positive: " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /**
     * One run: gives {@code publish} the models of the pass under way (or of a new pass over {@code models}' models in
     * memory, if none is) that are still in memory, one by one, until the bytes it returns (0 for a model it published
     * nothing of) reach the budget or the pass ends.
     *
     * @return whether the pass ended with this run
     */
    boolean run(ModelStore models, ToLongFunction<LiveModel> publish) {
        if (pass.isEmpty()) {
            pass = new ArrayList<>(models.liveModels());
            next = 0;
        }
        long spent = 0;
        while (next < pass.size() && spent < budgetBytes) {
            LiveModel entry = pass.get(next++);
            if (models.isLive(entry)) { // not evicted, deleted or reloaded since the pass began
                spent += publish.applyAsLong(entry);
            }
        }
        if (next < pass.size()) {
            return false;
        }
        pass = List.of();
        return true;
    }
}
