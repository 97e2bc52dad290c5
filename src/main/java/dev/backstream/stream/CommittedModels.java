package dev.backstream.stream;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed state of every model this instance's active tasks own: written by the stream threads once a commit
 * that changed a model has completed (and for every stored model when a task starts), read by the HTTP API. A model
 * whose task moved away is removed when its task closes or becomes a standby. Thread-safe; values are immutable.
 */
public final class CommittedModels {
    private final Map<String, CommittedModel> models = new ConcurrentHashMap<>();

    /** The committed state of {@code id}, if an active task of this instance owns it and it has learned or been stored. */
    public Optional<CommittedModel> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    /** Every model held here, in no particular order. */
    public Collection<CommittedModel> all() {
        return List.copyOf(models.values());
    }

    void put(CommittedModel model) {
        models.put(model.id(), model);
    }

    /** Forgets every model of {@code partition}: its task closed here or became a standby. */
    void removePartition(int partition) {
        models.values().removeIf(model -> model.partition() == partition);
    }
}
