package dev.backstream.stream;

/**
 * How the learner manages its models: the limits of control commands, and when models leave memory and are committed.
 *
 * @param snapshotHistory             snapshots retained per model for rollbacks by update count ({@code snapshot.history})
 * @param maxModels                   the most models one task holds ({@code max.models})
 * @param maxRecordBytes              the largest record the application was sized for (its changelog's and snapshots'
 *                                    {@code max.message.bytes}): a created model must fit, stored and as a snapshot
 * @param defaultSnapshotEveryUpdates the snapshot cadence of a created model whose definition names none
 * @param evictIdleMs                 a model unused for this long, with nothing to publish or commit, leaves memory
 *                                    ({@code models.evict.idle.ms}); 0: never
 * @param commitEagerIntervalMs       the learner asks for a commit this often while commits are cheap
 *                                    ({@code commit.eager.interval.ms}); 0: never, commits follow {@code commit.interval.ms}
 * @param commitRecordsPerModelWrite  a commit is cheap while it writes at most one model per this many records processed
 *                                    since the last one ({@code commit.eager.records.per.model})
 */
public record ModelManagement(int snapshotHistory, int maxModels, int maxRecordBytes, long defaultSnapshotEveryUpdates, long evictIdleMs,
                              long commitEagerIntervalMs, int commitRecordsPerModelWrite) {
    public ModelManagement {
        if (snapshotHistory < 0 || maxModels < 1 || maxRecordBytes < 1 || defaultSnapshotEveryUpdates < 1 || evictIdleMs < 0
                || commitEagerIntervalMs < 0 || commitRecordsPerModelWrite < 1) {
            throw new IllegalArgumentException("snapshotHistory, evictIdleMs, commitEagerIntervalMs >= 0, maxModels, maxRecordBytes, "
                    + "defaultSnapshotEveryUpdates and commitRecordsPerModelWrite >= 1; found " + snapshotHistory + ", " + evictIdleMs + ", "
                    + commitEagerIntervalMs + ", " + maxModels + ", " + maxRecordBytes + ", " + defaultSnapshotEveryUpdates + ", "
                    + commitRecordsPerModelWrite);
        }
    }

    /** These settings with {@code evictIdleMs} instead. */
    public ModelManagement withEvictIdleMs(long evictIdleMs) {
        return new ModelManagement(snapshotHistory, maxModels, maxRecordBytes, defaultSnapshotEveryUpdates, evictIdleMs,
                commitEagerIntervalMs, commitRecordsPerModelWrite);
    }

    /**
     * The most parameters a model created at run time may have: its stored state (parameters and up to two optimizer
     * vectors of 8-byte doubles), twice over, must fit {@link #maxRecordBytes}.
     */
    public long maxParameters() {
        return maxRecordBytes / 48L;
    }

    /** Defaults for a topology used on its own (tests, benchmarks). */
    public static final ModelManagement DEFAULT = new ModelManagement(10, 10_000, 16 * 1024 * 1024, 1000, 0, 0, 256);
}
