package dev.backstream.stream;

/**
 * The limits of managing models with control commands.
 *
 * @param snapshotHistory             snapshots retained per model for rollbacks by update count ({@code snapshot.history})
 * @param maxModels                   the most models one task holds ({@code max.models})
 * @param maxRecordBytes              the largest record the application was sized for (its changelog's and snapshots'
 *                                    {@code max.message.bytes}): a created model must fit, stored and as a snapshot
 * @param defaultSnapshotEveryUpdates the snapshot cadence of a created model whose definition names none
 * @param evictIdleMs                 a model unused for this long, with nothing to publish or commit, leaves memory
 *                                    ({@code models.evict.idle.ms}); 0: never
 */
public record ModelManagement(int snapshotHistory, int maxModels, int maxRecordBytes, long defaultSnapshotEveryUpdates, long evictIdleMs) {
    public ModelManagement {
        if (snapshotHistory < 0 || maxModels < 1 || maxRecordBytes < 1 || defaultSnapshotEveryUpdates < 1 || evictIdleMs < 0) {
            throw new IllegalArgumentException("snapshotHistory, evictIdleMs >= 0, maxModels, maxRecordBytes and defaultSnapshotEveryUpdates >= 1; found "
                    + snapshotHistory + ", " + evictIdleMs + ", " + maxModels + ", " + maxRecordBytes + ", " + defaultSnapshotEveryUpdates);
        }
    }

    /** These limits with {@code evictIdleMs} instead. */
    public ModelManagement withEvictIdleMs(long evictIdleMs) {
        return new ModelManagement(snapshotHistory, maxModels, maxRecordBytes, defaultSnapshotEveryUpdates, evictIdleMs);
    }

    /**
     * The most parameters a model created at run time may have: its stored state (parameters and up to two optimizer
     * vectors of 8-byte doubles), twice over, must fit {@link #maxRecordBytes}.
     */
    public long maxParameters() {
        return maxRecordBytes / 48L;
    }

    /** Defaults for a topology used on its own (tests, benchmarks). */
    public static final ModelManagement DEFAULT = new ModelManagement(10, 10_000, 16 * 1024 * 1024, 1000, 0);
}
