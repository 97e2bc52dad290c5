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
 * its budget is spent; the next run goes on from there, and only a finished pass starts a new one, from the models in
 * memory then. So every model is visited once per pass, in the order of the pass's start, and with few models a pass
 * is one run, as before. In the application the budget is {@link #BUDGET_BYTES} per transaction, shared by the
 * publishing punctuations of a stream thread ({@link CommitPacing#publications}), which ask for a commit when they
 * spent it.
 */
final class PublicationSweep {
    /** The bytes (records produced, models written again) the publications of a stream thread may add to a transaction. */
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

    /** What runs may still add to the open transaction; the learner shares one among the sweeps of a stream thread. */
    interface Budget {
        boolean exhausted();

        void spend(long bytes);
    }

    /**
     * One run with a budget of its own ({@code budgetBytes}): gives {@code publish} the models of the pass under way (or
     * of a new pass over {@code models}' models in memory, if none is) that are still in memory, one by one, until the
     * bytes it returns (0 for a model it published nothing of) reach the budget or the pass ends.
     *
     * @return whether the pass ended with this run
     */
    boolean run(ModelStore models, ToLongFunction<LiveModel> publish) {
        long[] spent = {0};
        return run(models, publish, new Budget() {
            @Override
            public boolean exhausted() {
                return spent[0] >= budgetBytes;
            }

            @Override
            public void spend(long bytes) {
                spent[0] += bytes;
            }
        });
    }

    /** One run as {@link #run(ModelStore, ToLongFunction)}, spending from {@code budget}. */
    boolean run(ModelStore models, ToLongFunction<LiveModel> publish, Budget budget) {
        if (pass.isEmpty()) {
            pass = new ArrayList<>(models.liveModels());
            next = 0;
        }
        while (next < pass.size() && !budget.exhausted()) {
            LiveModel entry = pass.get(next++);
            if (models.isLive(entry)) { // not evicted, deleted or reloaded since the pass began
                budget.spend(publish.applyAsLong(entry));
            }
        }
        if (next < pass.size()) {
            return false;
        }
        pass = List.of();
        return true;
    }
}
