package dev.backstream.stream;

import org.apache.kafka.streams.processor.api.ProcessorContext;

import java.util.ArrayList;
import java.util.List;

/**
 * When a stream thread asks Kafka Streams for an early commit ({@code commit.eager.interval.ms}).
 *
 * <p>A commit writes every model changed since the last one, once: the same records cost one model write each when they
 * spread over thousands of models, and one write in all when they go to one model. So the learner asks for a commit
 * every {@code commit.eager.interval.ms} only while it is cheap, and otherwise lets it wait for Kafka Streams'
 * {@code commit.interval.ms}, each model then written once for many records. Cheap: the models it writes take at most
 * {@link #EAGER_COMMIT_BYTES}, or, beyond the first model, there is one per {@code commit.eager.records.per.model}
 * records processed since the last commit. A commit that writes no model but carries outputs (dead letters, records
 * re-keyed for another task) is cheap too.
 *
 * <p><b>Why per thread.</b> A stream thread commits all its tasks together (one transaction under exactly-once v2), so
 * a commit's cost is what all of them changed, and one task asking for a commit commits its neighbours too. The
 * learners of a thread register their stores here and the decision sums them. Only the owning thread uses an instance.
 */
final class CommitPacing {
    /**
     * A commit writing at most this many bytes of models is cheap whatever the records behind it: ~10 MB/s at the
     * 100 ms cadence, which a broker takes beside the predictions, so that many models learning slowly keep the latency.
     */
    static final long EAGER_COMMIT_BYTES = 1024 * 1024;

    /**
     * The pacing of each stream thread of one application instance (or topology under test). Thread-local, so that a
     * stream thread replaced after a failure ({@code REPLACE_THREAD}) takes its pacing with it: a map keyed by thread
     * kept every dead thread, its producer's buffers included, reachable.
     */
    static final class PerThread {
        private final ThreadLocal<CommitPacing> pacings = ThreadLocal.withInitial(CommitPacing::new);

        /** The calling stream thread's pacing. */
        CommitPacing current() {
            return pacings.get();
        }
    }

    private final List<ModelStore> stores = new ArrayList<>();
    /** Records processed by the thread's tasks (routers and learners) since the last commit. */
    private long records;
    private long lastCommitAt;
    /** A commit was prepared since the last decision: its time is the time of the next one. */
    private boolean committed = true;
    /** What the thread's publishing punctuations added to the open transaction. */
    private long published;
    private final PublicationSweep.Budget publications = new PublicationSweep.Budget() {
        @Override
        public boolean exhausted() {
            return published >= PublicationSweep.BUDGET_BYTES;
        }

        @Override
        public void spend(long bytes) {
            published += bytes;
        }
    };

    /** The learner of a task on this thread starts: its changed models count in every decision. */
    void register(ModelStore store) {
        stores.add(store);
        store.onCommit(this::committed);
    }

    /** The learner of a task on this thread closes. */
    void unregister(ModelStore store) {
        stores.remove(store);
        store.onCommit(null);
    }

    /** Kafka Streams prepares a commit of this thread's tasks (a store's commit hook). */
    private void committed() {
        committed = true;
        published = 0;
    }

    /**
     * What the thread's publishing punctuations may still add to the open transaction: {@link PublicationSweep#BUDGET_BYTES}
     * per transaction, whatever the number of tasks and punctuations that run before the commit.
     */
    PublicationSweep.Budget publications() {
        return publications;
    }

    /** One record processed by a task of this thread: its outputs are in the open transaction. */
    void recordProcessed() {
        records++;
    }

    /**
     * Asks Kafka Streams for a commit through {@code context} if {@code intervalMs} passed since the last commit and a
     * commit is cheap (see the class comment); {@code now} is the wall-clock time. A commit seen here for the first
     * time counts from {@code now}, which is at most one record or punctuation late.
     */
    void maybeCommit(ProcessorContext<?, ?> context, long now, long intervalMs, int recordsPerModelWrite) {
        if (intervalMs <= 0) {
            return;
        }
        if (committed) {
            committed = false;
            records = 0;
            lastCommitAt = now;
            return;
        }
        if (now - lastCommitAt < intervalMs) {
            return;
        }
        int dirty = 0;
        long bytes = 0;
        for (ModelStore store : stores) {
            dirty += store.dirtyCount();
            bytes += store.dirtyBytes();
        }
        if ((dirty > 0 || records > 0) && (bytes <= EAGER_COMMIT_BYTES || (long) (dirty - 1) * recordsPerModelWrite <= records)) {
            context.commit();
            // counted from the request: Kafka Streams commits right after the records of this loop
            records = 0;
            lastCommitAt = now;
        }
    }
}
