package dev.backstream.stream;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed state of every model this instance's active tasks own: written by the stream threads once a commit
 * that changed a model has completed (and for every stored model when a task starts), read by the HTTP API. A model
 * whose task moved away is removed when its task closes or becomes a standby. It also knows which declared models of
 * those tasks were deleted (their tombstones), so that a reader can tell a declared model that has not learned yet
 * from one that no longer exists. Thread-safe; values are immutable.
 */
public final class CommittedModels {
    private final Map<String, CommittedModel> models = new ConcurrentHashMap<>();
    private final Set<Integer> serving = ConcurrentHashMap.newKeySet();
    /** The declared models deleted by a completed commit (or found deleted when their task started): id -> partition. */
    private final Map<String, Integer> deleted = new ConcurrentHashMap<>();

    /**
     * Whether an active task of this instance owns {@code partition} and has started processing it (its store is
     * restored and its models are shown here); a model of that partition not {@linkplain #find found} has not learned.
     */
    public boolean serves(int partition) {
        return serving.contains(partition);
    }

    /** The partitions {@link #serves} is true for. */
    public Set<Integer> servedPartitions() {
        return Set.copyOf(serving);
    }

    /** The committed state of {@code id}, if an active task of this instance owns it and it has learned or been stored. */
    public Optional<CommittedModel> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    /** Every model held here, in no particular order. */
    public Collection<CommittedModel> all() {
        return List.copyOf(models.values());
    }

    /**
     * Whether {@code id} is a declared model that a delete command removed, as of the last completed commit of its task;
     * known only for the partitions this instance {@link #serves}. A create command for the id clears it.
     */
    public boolean isDeleted(String id) {
        return deleted.containsKey(id);
    }

    /** Shows a committed state; a model that exists again (created after a delete) is no longer deleted. */
    void put(CommittedModel model) {
        deleted.remove(model.id());
        models.put(model.id(), model);
    }

    /** The declared model {@code id} of {@code partition} was deleted and left a tombstone. */
    void tombstone(String id, int partition) {
        models.remove(id);
        deleted.put(id, partition);
    }

    /** Forgets model {@code id}: it was deleted, by a commit that has completed. */
    void remove(String id) {
        models.remove(id);
    }

    /** The task of {@code partition} started processing here: its stored models were {@linkplain #put put} already. */
    void serving(int partition) {
        serving.add(partition);
    }

    /** Forgets every model of {@code partition}: its task closed here or became a standby. */
    void removePartition(int partition) {
        serving.remove(partition);
        models.values().removeIf(model -> model.partition() == partition);
        deleted.values().removeIf(owner -> owner == partition);
    }
}
