package dev.backstream.stream.hook;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The one place Backstream relies on Kafka Streams internals: a state store that is told when Kafka Streams prepares a
 * commit and when it recycles the store between an active and a standby task.
 *
 * <p>Kafka Streams 4.3 calls {@code CachedStateStore.flushCache()} on every registered store that implements it when a
 * task prepares a commit ({@code StreamTask.prepareCommit} → {@code ProcessorStateManager.flushCache}), before it
 * flushes the producer and commits offsets and the transaction, and before a clean close. Its own record caches use
 * this hook to write their dirty entries; a subclass uses {@link #beforeCommit()} the same way, so what it writes goes
 * into the transaction of the records it reflects.
 *
 * <p>When a task switches between active and standby, Kafka Streams keeps the task's stores open instead of closing
 * and re-initialising them ({@code ProcessorStateManager.recycle}), and calls {@code clearCache()} on each store that
 * implements this interface, because a standby's restored records bypass any cache (KAFKA-14172). A subclass that
 * keeps state in memory above its store must drop it in {@link #discardInMemoryState()}: the store underneath may
 * have been changed by the restore since.
 *
 * <p>Both behaviours are internal to Kafka Streams and may change with an upgrade. {@code CommitHookStoreTest} fails,
 * naming the Kafka version, if {@code flushCache} is no longer called at each commit. No test can make the test driver
 * recycle a task, so a missed {@code clearCache} is not caught by a test of this class: the model store does not depend
 * on it alone, because it also forgets its in-memory models in {@code init} and the learner in its processor's
 * {@code init}, which Kafka Streams runs whenever a task becomes active again (the real-broker {@code StandbyRecycleIT}
 * checks the outcome).
 */
public abstract class CommitHookStore<K, V> implements StateStore, CachedStateStore<K, V> {

    /** Called when Kafka Streams prepares a commit or a clean close: write everything held in memory to the store. */
    protected abstract void beforeCommit();

    /** Called when Kafka Streams recycles the store between an active and a standby task: forget what is in memory. */
    protected abstract void discardInMemoryState();

    @Override
    public final void flushCache() {
        beforeCommit();
    }

    @Override
    public final void clearCache() {
        discardInMemoryState();
    }

    /** No listener: this store forwards nothing downstream when it writes. */
    @Override
    public final boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
        return false;
    }
}
