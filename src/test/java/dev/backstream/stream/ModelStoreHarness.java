package dev.backstream.stream;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A model store over an in-memory store, registered with a mock processor context: {@link #restart()} starts a new task
 * on the same underlying store, what a task restart, migration or revival looks like to the learner.
 */
final class ModelStoreHarness {
    final MockProcessorContext<byte[], Output> context = new MockProcessorContext<>();
    final KeyValueStore<String, byte[]> underlying = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(BackstreamTopology.STORE), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled().withCachingDisabled().build();
    /** The store of events waiting for delayed labels: in memory, it keeps everything across a restart. */
    final KeyValueStore<String, byte[]> pending = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(BackstreamTopology.PENDING_STORE), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled().withCachingDisabled().build();
    final MetricsSettings metricsSettings;
    /** What the HTTP layer reads: one for the process, shared by every task's store as in the application. */
    final CommittedModels committed = new CommittedModels();
    EventSettings eventSettings = EventSettings.defaults();
    /** The stream threads' commit pacing: one for the harness, as one per topology in the application. */
    CommitPacing.PerThread pacings = new CommitPacing.PerThread();
    ModelStore store;

    ModelStoreHarness() {
        this(MetricsSettings.DEFAULT);
    }

    ModelStoreHarness(MetricsSettings metricsSettings) {
        this.metricsSettings = metricsSettings;
        pending.init(context.getStateStoreContext(), pending);
        context.addStateStore(pending);
        restart();
    }

    /** A new task on the same underlying store: what was persisted survives, the live models do not. */
    void restart() {
        store = new ModelStore(underlying, metricsSettings, committed);
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        context.resetForwards();
    }

    ModelProcessor processor(dev.backstream.model.ModelCatalog catalog) {
        return processor(catalog, 0);
    }

    ModelProcessor processor(dev.backstream.model.ModelCatalog catalog, long metricsIntervalMs) {
        return processor(catalog, metricsIntervalMs, 0, ModelManagement.DEFAULT);
    }

    /** A processor publishing metrics and snapshots every so often (0: never), with these management limits. */
    ModelProcessor processor(dev.backstream.model.ModelCatalog catalog, long metricsIntervalMs, long snapshotIntervalMs,
                             ModelManagement management) {
        ModelProcessor processor = new ModelProcessor(catalog, BackstreamTopology.STORE, snapshotIntervalMs,
                new DeadLetterWriter(65_536, new UnpublishedDeadLetters(), new Activity()), new Activity(), metricsIntervalMs,
                new PublishedMetrics(), new ModelSeriesSlots(ModelSeriesSlots.DEFAULT_MAX), management, BackstreamTopology.PENDING_STORE,
                eventSettings, pacings);
        processor.init(context);
        return processor;
    }

    /**
     * Runs the punctuations scheduled every {@code intervalMs}, at wall-clock time {@code now}; not those a closed
     * processor cancelled (the context keeps them).
     */
    void punctuate(long intervalMs, long now) {
        context.setCurrentSystemTimeMs(now);
        for (var punctuator : context.scheduledPunctuators()) {
            if (punctuator.getInterval().toMillis() == intervalMs && !punctuator.cancelled()) {
                punctuator.getPunctuator().punctuate(now);
            }
        }
    }
}
