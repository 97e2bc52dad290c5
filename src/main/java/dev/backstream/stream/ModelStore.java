package dev.backstream.stream;

import dev.backstream.message.SourceRecord;
import dev.backstream.drift.DriftDetector;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;
import dev.backstream.stream.hook.CommitHookStore;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The models of one task: live {@link Mlp} instances in memory, persisted to a change-logged RocksDB store once per
 * commit instead of once per record.
 *
 * <p><b>Why a store of its own.</b> The state a task commits must be the model after its last processed record. A
 * plain cached key-value store achieves that only if the processor puts (and so encodes) the whole model after every
 * record: ~0.1 µs for a 2-8-1 model, but ~120 µs for a 100k-parameter one, more than the learning step itself. This
 * store instead marks a model dirty when it changes and encodes each dirty model once, when Kafka Streams prepares a
 * commit: {@link #flushCache()} is the hook Kafka Streams calls on every registered cached store right before it
 * flushes the producer and commits the transaction (the same hook its own record caches use), so the encoded models go
 * to the changelog in the same transaction as the outputs and input offsets of the records they reflect. Exactly-once
 * and the crash test's bit-identical restart are unchanged; the per-record cost is gone.
 *
 * <p>The hooks relied on are internal to Kafka Streams and confined to {@link CommitHookStore}: {@link #beforeCommit()}
 * persists the changed models; {@link #discardInMemoryState()} drops the live models when Kafka Streams recycles the
 * store between an active and a standby task, since a standby's restore writes the underlying store directly and the
 * live copies would otherwise be stale when the task becomes active again. {@link #forgetLiveModels()} does the same
 * when the learner (re)starts a task, which Kafka Streams' public API guarantees, so a stale copy cannot survive even
 * if an upgrade stops recycling through {@code clearCache()}.
 *
 * <p><b>Keys.</b> Each model's value is stored under its id. A metrics window larger than {@link PrequentialMetrics#CHUNK}
 * entries is sealed into chunks, each written once, when it fills, under {@link #chunkKey}: the model id, a NUL
 * character (which {@link ModelDefinition} rejects in ids, so no chunk key is a model id) and
 * {@code metrics-chunk-<slot>}, with {@code slot} the chunk's number modulo the window's chunk count: a model has at most
 * {@code ceil(window / 64)} chunk keys, and the compacted changelog stays bounded. A model's challengers are stored
 * beside it, each under {@link #challengerKey} ({@code <id>\0challenger-<name>}) in the same {@link StoredModel}
 * format, their metrics chunks under that key's {@link #chunkKey}s; a model with a feature spec keeps its preprocessing
 * state under {@link #preprocessingKey} ({@code <id>\0features}), like its drift detector's under {@link #driftKey}
 * ({@code <id>\0drift}); all keys of a model start with its id and a NUL. Chunks are put right before the value
 * that refers to them, in the same commit, and restore with the task like every other key. {@link #get} reads only
 * declared ids, so a chunk key is never decoded as a model.
 *
 * <p>Only the task's stream thread touches an instance. A (re)initialized store starts with no live models: the learner
 * {@linkplain #loadAll loads} the stored ones when it (re)starts the task, and a new one is created on first use, so a
 * restored or revived task resumes from what was committed.
 */
public final class ModelStore extends CommitHookStore<String, byte[]> {
    private final KeyValueStore<String, byte[]> stored;
    private final MetricsSettings metricsSettings;
    private final Map<String, LiveModel> live = new HashMap<>();
    private final List<LiveModel> dirty = new ArrayList<>();
    private final CommittedModels committed;
    /** The states persisted by the last commit, shown to {@link #committed} once that commit has completed. */
    private final List<CommittedModel> staged = new ArrayList<>();
    /** The models deleted since the last commit, removed from {@link #committed} once that commit has completed. */
    private final List<String> stagedRemovals = new ArrayList<>();
    /** The declared models deleted since the last commit (they left a tombstone), shown to {@link #committed} with it. */
    private final List<String> stagedTombstones = new ArrayList<>();
    /** The task's partition; -1 until {@link #init}. */
    private int partition = -1;
    /** The wall-clock time of the record or punctuation being processed ({@link #clock}), for idleness. */
    private long now;
    /** Told of each commit prepared ({@link CommitPacing}), or null. */
    private Runnable onCommit;
    /** The encoded size of the models changed since the last commit (their parameters and optimizer state). */
    private long dirtyBytes;

    /** A model store over {@code stored}; production code gets one from {@link #builder}. */
    ModelStore(KeyValueStore<String, byte[]> stored, MetricsSettings metricsSettings, CommittedModels committed) {
        this.stored = stored;
        this.metricsSettings = metricsSettings;
        this.committed = committed;
    }

    /**
     * A model in memory, with what the store records about it: the source record of the last update applied, the
     * update count of the last published snapshot and the model's prequential metrics.
     */
    public static final class LiveModel {
        private final String id;
        private final ModelControl control;
        private Mlp model;
        private PrequentialMetrics metrics;
        private SourceRecord lastSource;
        private long lastSnapshotUpdates;
        private boolean dirty;
        private boolean controlDirty;
        /** The drift detector of a model whose definition declares one, else null. */
        private DriftDetector drift;
        private boolean driftDirty;
        /** The challengers its definition declares, by name, in declaration order. */
        private final Map<String, Challenger> challengers = new LinkedHashMap<>();
        /** The preprocessing state of a model whose definition has a feature spec, else null. */
        private Preprocessing preprocessing;
        private boolean preprocessingDirty;
        /** When a record or command last asked for the model ({@link ModelStore#clock}'s time). */
        private long lastUsed;

        private LiveModel(String id, ModelControl control, Mlp model, PrequentialMetrics metrics, SourceRecord lastSource,
                          long lastSnapshotUpdates) {
            this.id = id;
            this.control = control;
            this.model = model;
            this.metrics = metrics;
            this.lastSource = lastSource;
            this.lastSnapshotUpdates = lastSnapshotUpdates;
        }

        public String id() {
            return id;
        }

        /** The model's definition: the declared one, or the one control commands created or changed. */
        public ModelDefinition definition() {
            return control.definition;
        }

        /** Whether a pause command stopped the model's learning. */
        public boolean paused() {
            return control.paused;
        }

        /** Samples dropped (scored, not learned) while the model was paused, since it was created. */
        public long droppedWhilePaused() {
            return control.droppedWhilePaused;
        }

        ModelControl control() {
            return control;
        }

        /** The model's drift detector (its state persisted with the model), or null if its definition declares none. */
        DriftDetector drift() {
            return drift;
        }

        /**
         * The model's preprocessing state (running means and variances of its feature spec; persisted with the model), or
         * null if its definition has no feature spec; callers that change it must call {@link ModelStore#preprocessingChanged}.
         */
        Preprocessing preprocessing() {
            return preprocessing;
        }

        /** The live model; callers that change it must call {@link ModelStore#updated}. */
        public Mlp model() {
            return model;
        }

        /** The source record of the last update applied, or null if none since the model was created. */
        public SourceRecord lastSource() {
            return lastSource;
        }

        public long lastSnapshotUpdates() {
            return lastSnapshotUpdates;
        }

        /** The model's metrics; callers that record into them must call {@link ModelStore#metricsChanged}. */
        PrequentialMetrics metrics() {
            return metrics;
        }

        /** The model's challengers, in declaration order (empty if it has none). */
        Collection<Challenger> challengers() {
            return challengers.values();
        }

        /** Whether the model has challengers (checked per record without iterating). */
        boolean hasChallengers() {
            return !challengers.isEmpty();
        }

        /** Challenger {@code name}, or null. */
        Challenger challenger(String name) {
            return challengers.get(name);
        }

        /** What the store keeps of the model: its state, the last source record and its metrics. */
        private StoredModel stored() {
            SourceRecord source = lastSource == null ? new SourceRecord(null, -1, -1, -1) : lastSource;
            return new StoredModel(model, source, lastSnapshotUpdates, metrics);
        }
    }

    /**
     * A challenger of a live model: another model learning from the same samples, with its own metrics, persisted with
     * its champion (key {@link #challengerKey}) at the commits after it changed.
     */
    static final class Challenger {
        private final String name;
        private final String id;
        private Mlp model;
        private PrequentialMetrics metrics;
        private SourceRecord lastSource;
        private boolean dirty;

        private Challenger(String name, String id, Mlp model, PrequentialMetrics metrics, SourceRecord lastSource) {
            this.name = name;
            this.id = id;
            this.model = model;
            this.metrics = metrics;
            this.lastSource = lastSource;
        }

        /** Its name in the champion's definition. */
        String name() {
            return name;
        }

        /** Its model id, {@code <champion>:<name>}, as its predictions and metrics name it. */
        String id() {
            return id;
        }

        /** The live model; callers that change it must call {@link ModelStore#challengerUpdated}. */
        Mlp model() {
            return model;
        }

        /** Its metrics; callers that record into them must call {@link ModelStore#challengerUpdated}. */
        PrequentialMetrics metrics() {
            return metrics;
        }

        SourceRecord lastSource() {
            return lastSource;
        }

        private byte[] encode() {
            SourceRecord source = lastSource == null ? new SourceRecord(null, -1, -1, -1) : lastSource;
            StoredModel stored = new StoredModel(model, source, -1, metrics);
            return stored.encodeInto(new byte[stored.encodedSize()]);
        }
    }

    /**
     * The live model {@code id}: from memory, else decoded from the store, else new from its definition. The
     * definition comes from {@code definitions}, which returns null for an undeclared id: then this returns null and
     * keeps nothing.
     */
    public LiveModel get(String id, Function<String, ModelDefinition> definitions) {
        LiveModel entry = live.get(id);
        if (entry != null) {
            entry.lastUsed = now;
            return entry;
        }
        ModelControl control = control(id, definitions);
        if (control == null) {
            return null;
        }
        return load(id, control, stored.get(id));
    }

    /**
     * What control commands decided about model {@code id}, or for a model they never touched the declared
     * definition ({@code definitions}); null if there is no such model (never declared nor created, or deleted).
     */
    private ModelControl control(String id, Function<String, ModelDefinition> definitions) {
        byte[] value = stored.get(controlKey(id));
        if (value != null) {
            ModelControl control = ModelControl.decode(value);
            return control.deleted ? null : control;
        }
        ModelDefinition declared = definitions.apply(id);
        return declared == null ? null : new ModelControl(declared);
    }

    /** Puts model {@code id} in memory: decoded from its stored {@code value}, or new from its definition if null. */
    private LiveModel load(String id, ModelControl control, byte[] value) {
        LiveModel entry;
        if (value != null) {
            StoredModel model = decode(id, value);
            // A model stored before its first update has no source record (encoded as partition and offset -1): null
            // again, as it was in memory, or it would owe a snapshot of an untrained model once decoded (after an
            // eviction or a restart) that the model kept in memory never owed.
            SourceRecord source = model.source().topic() == null && model.source().offset() < 0 ? null : model.source();
            entry = new LiveModel(id, control, model.model(), model.metrics(), source, model.lastSnapshotUpdates());
        } else {
            Mlp model = control.definition.newModel();
            entry = new LiveModel(id, control, model, new PrequentialMetrics(model.architecture(), metricsSettings), null, -1);
        }
        entry.drift = loadDrift(id, control.definition);
        entry.preprocessing = loadPreprocessing(id, control.definition);
        loadChallengers(entry);
        entry.lastUsed = now;
        live.put(id, entry);
        return entry;
    }

    /**
     * Puts the challengers of {@code entry}'s definition in memory: each decoded from its stored value if it has one of
     * the declared architecture, else new from its definition.
     */
    private void loadChallengers(LiveModel entry) {
        entry.challengers.clear();
        for (Map.Entry<String, ModelDefinition> declared : entry.control.definition.challengers().entrySet()) {
            String name = declared.getKey();
            ModelDefinition definition = declared.getValue();
            String key = challengerKey(entry.id, name);
            byte[] value = stored.get(key);
            Challenger challenger = null;
            if (value != null) {
                StoredModel model = decode(key, value);
                if (model.model().architecture().equals(definition.architecture())) {
                    challenger = new Challenger(name, definition.id(), model.model(), model.metrics(), model.source());
                }
            }
            if (challenger == null) {
                Mlp model = definition.newModel();
                challenger = new Challenger(name, definition.id(), model, new PrequentialMetrics(model.architecture(), metricsSettings), null);
            }
            entry.challengers.put(name, challenger);
        }
    }

    /** Records that {@code challenger} of {@code entry} learned from {@code source}; persisted at the next commit. */
    void challengerUpdated(LiveModel entry, Challenger challenger, SourceRecord source) {
        challenger.lastSource = source;
        challenger.dirty = true;
        markDirty(entry);
    }

    /**
     * Promotes challenger {@code name} of {@code entry}: the two swap their models, metrics and last sources, and the
     * definition swaps their starting models ({@link ModelDefinition#promote}); the drift detector, if any, starts
     * afresh on the new champion. Persisted at the next commit.
     *
     * @throws IllegalArgumentException if {@code entry} has no such challenger
     */
    void promote(LiveModel entry, String name) {
        Challenger challenger = entry.challengers.get(name);
        if (challenger == null) {
            throw new IllegalArgumentException("model '" + entry.id + "' has no challenger '" + name + "'; its challengers: "
                    + entry.challengers.keySet());
        }
        entry.control.definition = entry.control.definition.promote(name);
        Mlp model = entry.model;
        entry.model = challenger.model;
        challenger.model = model;
        PrequentialMetrics metrics = entry.metrics;
        entry.metrics = challenger.metrics;
        challenger.metrics = metrics;
        SourceRecord source = entry.lastSource;
        entry.lastSource = challenger.lastSource;
        challenger.lastSource = source;
        // the metrics now belong under the other's keys: their chunks are written there again at the next commit
        entry.metrics.sealAgain();
        challenger.metrics.sealAgain();
        challenger.dirty = true;
        if (entry.control.definition.drift() != null) {
            entry.drift = entry.control.definition.drift().settings().newDetector();
            entry.driftDirty = true;
        }
        controlChanged(entry);
    }

    /** The model's detector: its stored state if it has one of the declared kind, else a fresh one; null if none declared. */
    private DriftDetector loadDrift(String id, ModelDefinition definition) {
        if (definition.drift() == null) {
            return null;
        }
        byte[] state = stored.get(driftKey(id));
        if (state != null) {
            DriftDetector detector = DriftDetector.decode(ByteBuffer.wrap(state));
            if (detector.settings().equals(definition.drift().settings())) {
                return detector;
            }
        }
        return definition.drift().settings().newDetector();
    }

    /**
     * The model's preprocessing state: the stored one if it fits the definition's feature spec, else the definition's
     * starting state; null if the definition has no spec.
     */
    private Preprocessing loadPreprocessing(String id, ModelDefinition definition) {
        FeatureSpec spec = definition.features();
        if (spec == null) {
            return null;
        }
        byte[] state = stored.get(preprocessingKey(id));
        if (state != null) {
            try {
                return Preprocessing.fromBytes(spec, state);
            } catch (IllegalArgumentException e) {
                // the spec changed since the state was stored (a new model file): its statistics do not apply
            }
        }
        return definition.newPreprocessing();
    }

    /**
     * Gives {@code entry} its definition's starting preprocessing state (a reset: a fresh one, or a warm start's); none
     * if its definition has no feature spec. Persisted at the next commit.
     */
    void restartPreprocessing(LiveModel entry) {
        restartPreprocessing(entry, false);
    }

    /**
     * Starts {@code entry}'s feature statistics again: from the definition's starting state (a warm start's), or, for a
     * model initialized afresh from a seed ({@code fromNothing}), from no statistics at all, which is what such a model
     * has learned.
     */
    void restartPreprocessing(LiveModel entry, boolean fromNothing) {
        dev.backstream.features.FeatureSpec spec = entry.control.definition.features();
        entry.preprocessing = fromNothing && spec != null ? spec.newState() : entry.control.definition.newPreprocessing();
        if (entry.preprocessing == null) {
            stored.delete(preprocessingKey(entry.id));
            entry.preprocessingDirty = false;
        } else {
            preprocessingChanged(entry);
        }
    }

    /** Records that {@code entry}'s preprocessing state learned an event; it is persisted at the next commit. */
    void preprocessingChanged(LiveModel entry) {
        entry.preprocessingDirty = true;
        markDirty(entry);
    }

    /** The preprocessing state as last persisted, for tests; null if none. */
    Preprocessing persistedPreprocessing(String id, FeatureSpec spec) {
        byte[] state = stored.get(preprocessingKey(id));
        return state == null ? null : Preprocessing.fromBytes(spec, state);
    }

    /** Gives {@code entry} a fresh detector of its definition's drift settings (none if it has none). */
    void restartDrift(LiveModel entry) {
        entry.drift = entry.control.definition.drift() == null ? null : entry.control.definition.drift().settings().newDetector();
        if (entry.drift == null) {
            stored.delete(driftKey(entry.id));
            entry.driftDirty = false;
        } else {
            driftChanged(entry);
        }
    }

    /** Records that {@code entry}'s drift detector took a value; its state is persisted at the next commit. */
    void driftChanged(LiveModel entry) {
        entry.driftDirty = true;
        markDirty(entry);
    }

    /** Whether model {@code id} exists: in memory, stored, or declared and not deleted. */
    public boolean exists(String id, Function<String, ModelDefinition> definitions) {
        return live.containsKey(id) || control(id, definitions) != null;
    }

    /**
     * Creates model {@code id} from {@code definition} (a create command): it exists from now on, persisted with the
     * next commit together with its definition, which replaces a tombstone the id may have left (and readers learn of
     * that when the commit shows the new model). The caller checked that it did not exist.
     */
    public LiveModel create(ModelDefinition definition) {
        LiveModel entry = load(definition.id(), new ModelControl(definition), null);
        stagedTombstones.remove(definition.id());
        controlChanged(entry);
        return entry;
    }

    /**
     * Deletes model {@code id} and everything stored about it (its metrics chunks, retained snapshots, definition); a
     * declared model ({@code declared}) leaves a tombstone so that its declaration does not bring it back.
     */
    public void delete(LiveModel entry, boolean declared) {
        String id = entry.id;
        live.remove(id);
        if (entry.dirty) {
            dirty.remove(entry);
            entry.dirty = false;
        }
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> extra = stored.prefixScan(id + ModelDefinition.RESERVED_ID_CHARACTER, new StringSerializer())) {
            extra.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(stored::delete);
        stored.delete(id);
        staged.removeIf(model -> model.id().equals(id));
        if (declared) {
            stored.put(controlKey(id), ModelControl.tombstone().encode());
            stagedTombstones.add(id);
        } else {
            stagedRemovals.add(id);
        }
    }

    /** Replaces {@code entry}'s model (a reset or a rollback); persisted at the next commit. */
    public void replaceModel(LiveModel entry, Mlp model) {
        entry.model = model;
        markDirty(entry);
    }

    /** Records that a command changed {@code entry}'s control state (definition, pause); persisted at the next commit. */
    void controlChanged(LiveModel entry) {
        entry.controlDirty = true;
        markDirty(entry);
    }

    /**
     * Keeps {@code entry}'s current state as one of its last {@code history} snapshots (slot {@code n mod history}),
     * for a rollback by update count.
     */
    void retainSnapshot(LiveModel entry, int history) {
        if (history <= 0) {
            return;
        }
        byte[] model = BinaryModelFormat.encode(entry.model);
        ByteBuffer value = ByteBuffer.allocate(8 + model.length).order(ByteOrder.LITTLE_ENDIAN);
        value.putLong(entry.model.updates()).put(model);
        String key = historyKey(entry.id, (int) (entry.control.snapshotsRetained % history));
        stored.put(key, value.array());
        if (entry.preprocessing != null) {
            stored.put(key + PREPROCESSING_SUFFIX, entry.preprocessing.toBytes());
        } else {
            stored.delete(key + PREPROCESSING_SUFFIX);
        }
        entry.control.snapshotsRetained++;
        controlChanged(entry);
    }

    /** The most recently retained snapshot of {@code entry} at {@code updates}, if one of its last {@code history} is. */
    Optional<Mlp> retained(LiveModel entry, long updates, int history) {
        // newest first: after a reset or a rollback, an update count can be retained twice, and the latest state is meant
        for (long k = 1; k <= Math.min(history, entry.control.snapshotsRetained); k++) {
            int slot = (int) ((entry.control.snapshotsRetained - k) % history);
            byte[] value = stored.get(historyKey(entry.id, slot));
            if (value != null) {
                ByteBuffer in = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
                if (in.getLong() == updates) {
                    return Optional.of(BinaryModelFormat.decode(in));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The preprocessing state retained with {@code entry}'s most recent snapshot at {@code updates} (as {@link #retained}
     * finds it), or null if there is none (no feature spec, or retained before the model had one).
     */
    Preprocessing retainedPreprocessing(LiveModel entry, long updates, int history) {
        FeatureSpec spec = entry.control.definition.features();
        if (spec == null) {
            return null;
        }
        for (long k = 1; k <= Math.min(history, entry.control.snapshotsRetained); k++) {
            String key = historyKey(entry.id, (int) ((entry.control.snapshotsRetained - k) % history));
            byte[] value = stored.get(key);
            if (value != null && ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong() == updates) {
                byte[] state = stored.get(key + PREPROCESSING_SUFFIX);
                try {
                    return state == null ? null : Preprocessing.fromBytes(spec, state);
                } catch (IllegalArgumentException e) {
                    return null; // retained under another spec
                }
            }
        }
        return null;
    }

    /** Gives {@code entry} the preprocessing state {@code state} (a rollback); persisted at the next commit. */
    void restorePreprocessing(LiveModel entry, Preprocessing state) {
        entry.preprocessing = state;
        preprocessingChanged(entry);
    }

    /** The update counts of {@code entry}'s retained snapshots, for messages. */
    List<Long> retainedUpdates(LiveModel entry, int history) {
        List<Long> counts = new ArrayList<>();
        for (int slot = 0; slot < Math.min(history, entry.control.snapshotsRetained); slot++) {
            byte[] value = stored.get(historyKey(entry.id, slot));
            if (value != null) {
                counts.add(ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong());
            }
        }
        counts.sort(null);
        return counts;
    }

    /** The number of models this task holds (in memory or stored). */
    int countModels() {
        java.util.Set<String> ids = new java.util.HashSet<>(live.keySet());
        try (KeyValueIterator<String, byte[]> all = stored.all()) {
            while (all.hasNext()) {
                String key = all.next().key;
                if (key.indexOf(ModelDefinition.RESERVED_ID_CHARACTER) < 0) {
                    ids.add(key);
                }
            }
        }
        return ids.size();
    }

    static String controlKey(String id) {
        return id + ModelDefinition.RESERVED_ID_CHARACTER + "control";
    }

    static String driftKey(String id) {
        return id + ModelDefinition.RESERVED_ID_CHARACTER + "drift";
    }

    /** The key of the preprocessing state of model {@code id} ({@link Preprocessing#toBytes}). */
    static String preprocessingKey(String id) {
        return id + ModelDefinition.RESERVED_ID_CHARACTER + "features";
    }

    /** The key of challenger {@code name} of model {@code id}. */
    static String challengerKey(String id, String name) {
        return id + ModelDefinition.RESERVED_ID_CHARACTER + "challenger-" + name;
    }

    /** Appended to a {@link #historyKey}: the preprocessing state retained with that snapshot. */
    private static final String PREPROCESSING_SUFFIX = "-features";

    static String historyKey(String id, int slot) {
        return id + ModelDefinition.RESERVED_ID_CHARACTER + "snapshot-" + slot;
    }

    /**
     * Shows every stored model to readers ({@link CommittedModels}), which from now on may ask this task for them, with
     * the tombstones of deleted declared models, and loads into memory those that {@code owes} says owe a publication
     * (metrics or a snapshot the previous owner did not publish before it stopped: a crash, a move), so that the
     * punctuators publish them even if no sample for them arrives again. The others are decoded on their next record:
     * a task's start reads each stored model's header ({@link StoredModel#summarize}), not its parameters or metrics
     * chunks, so it grows little with the number of models. Called when the learner (re)starts the task, after the
     * store was restored.
     */
    public void loadAll(Function<String, ModelDefinition> definitions, Owes owes) {
        List<KeyValue<String, byte[]>> models = new ArrayList<>();
        String controlSuffix = controlKey("");
        try (KeyValueIterator<String, byte[]> all = stored.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> next = all.next();
                if (next.key.indexOf(ModelDefinition.RESERVED_ID_CHARACTER) < 0) { // not a chunk, snapshot or control key
                    models.add(next);
                } else if (next.key.endsWith(controlSuffix) && ModelControl.decode(next.value).deleted) {
                    committed.tombstone(next.key.substring(0, next.key.length() - controlSuffix.length()), partition);
                }
            }
        }
        for (KeyValue<String, byte[]> model : models) {
            ModelControl control = control(model.key, definitions);
            if (control == null || live.containsKey(model.key)) {
                continue;
            }
            StoredModel.Summary summary = StoredModel.summarize(model.value);
            if (owes.test(control.definition, summary)) {
                load(model.key, control, model.value);
            }
            committed.put(new CommittedModel(control.definition, partition, summary.updates(), StoredModel.withoutMetrics(model.value),
                    control.definition.features() == null ? null : stored.get(preprocessingKey(model.key))));
        }
        committed.serving(partition);
    }

    /** Whether a stored model owes a publication, from its definition and the {@link StoredModel.Summary} of its value. */
    @FunctionalInterface
    public interface Owes {
        boolean test(ModelDefinition definition, StoredModel.Summary summary);
    }

    /**
     * Sets the wall-clock time of what the task processes now (a record, a command, a punctuation): the models asked
     * for from now on were used at this time ({@link #evictIdle}).
     */
    void clock(long wallClockMs) {
        now = wallClockMs;
    }

    /**
     * Drops from memory the models not asked for during the last {@code idleMs} (by {@link #clock}'s time) that have
     * nothing uncommitted and for which {@code keep} is false (they owe a publication). Each stays in the store, and
     * its next record decodes it again: the same bits as the dropped one, since the store holds exactly the committed
     * live state of a model with no change since the last commit.
     *
     * @return how many models were dropped
     */
    int evictIdle(long idleMs, java.util.function.Predicate<LiveModel> keep) {
        int evicted = 0;
        for (java.util.Iterator<LiveModel> models = live.values().iterator(); models.hasNext(); ) {
            LiveModel entry = models.next();
            if (!entry.dirty && now - entry.lastUsed >= idleMs && !keep.test(entry)) {
                models.remove();
                evicted++;
            }
        }
        return evicted;
    }

    /** Whether {@code entry} is the model in memory under its id (not evicted, deleted or forgotten since it was got). */
    boolean isLive(LiveModel entry) {
        return live.get(entry.id) == entry;
    }

    /**
     * Shows the states persisted by the last commit to readers ({@link CommittedModels}). The learner calls it before
     * anything else it does in the task: Kafka Streams prepares, commits and completes a commit in one step of the
     * stream thread, so by then that commit has completed (had it failed, the task would have been closed and the
     * staged states dropped with the store).
     */
    public void publishCommitted() {
        if (!stagedRemovals.isEmpty()) {
            stagedRemovals.forEach(committed::remove);
            stagedRemovals.clear();
        }
        if (!stagedTombstones.isEmpty()) {
            stagedTombstones.forEach(id -> committed.tombstone(id, partition));
            stagedTombstones.clear();
        }
        if (!staged.isEmpty()) {
            staged.forEach(committed::put);
            staged.clear();
        }
    }

    /** Records that {@code entry}'s model was just updated by {@code source}; it is persisted at the next commit. */
    public void updated(LiveModel entry, SourceRecord source) {
        entry.lastSource = source;
        markDirty(entry);
    }

    /** Records that a snapshot of {@code entry} was published at its current update count. */
    public void snapshotPublished(LiveModel entry) {
        entry.lastSnapshotUpdates = entry.model.updates();
        markDirty(entry);
    }

    /** Records that {@code entry}'s metrics changed without an update (a score request, a dead letter, a publication). */
    void metricsChanged(LiveModel entry) {
        markDirty(entry);
    }

    /** The models in memory. */
    public Collection<LiveModel> liveModels() {
        return live.values();
    }

    /** How many models are in memory; any thread may ask (a gauge), and may see a count a moment old. */
    int liveCount() {
        return live.size();
    }

    /** The model as last persisted (committed or about to be), decoded from the underlying store; for tests. */
    Optional<StoredModel> persisted(String id) {
        return Optional.ofNullable(stored.get(id)).map(value -> decode(id, value));
    }

    /** The bytes last persisted (committed or about to be) under model {@code id}, or null; for tests. */
    byte[] persistedValue(String id) {
        return stored.get(id);
    }

    /** Challenger {@code name} of model {@code id} as last persisted; for tests. */
    Optional<StoredModel> persistedChallenger(String id, String name) {
        String key = challengerKey(id, name);
        return Optional.ofNullable(stored.get(key)).map(value -> decode(key, value));
    }

    /** Decodes the value stored under {@code key} (a model id or a challenger's key), its metrics chunks under that key's. */
    private StoredModel decode(String key, byte[] value) {
        return StoredModel.decode(value, metricsSettings, slot -> stored.get(chunkKey(key, slot)));
    }

    /** The key of slot {@code slot} of the sealed metrics chunks of model {@code id} (or of a {@link #challengerKey}). */
    static String chunkKey(String id, int slot) {
        return id + ModelDefinition.RESERVED_ID_CHARACTER + "metrics-chunk-" + slot;
    }

    private void markDirty(LiveModel entry) {
        if (!entry.dirty) {
            entry.dirty = true;
            dirty.add(entry);
            dirtyBytes += BinaryModelFormat.encodedSize(entry.model);
        }
    }

    /**
     * Writes every model changed since the last commit to the underlying store and its changelog: the metrics chunks
     * sealed since, then the model's value.
     */
    private void persistDirtyModels() {
        for (LiveModel entry : dirty) {
            String id = entry.id;
            entry.metrics.sealChunks((slot, chunk) -> stored.put(chunkKey(id, slot), chunk));
            StoredModel model = entry.stored();
            // a new array per commit: RocksDB, the changelog producer and anything else below the store may keep a
            // reference, so a buffer reused across commits could change records already handed over
            byte[] value = model.encodeInto(new byte[model.encodedSize()]);
            stored.put(id, value);
            if (entry.controlDirty) {
                stored.put(controlKey(id), entry.control.encode());
                entry.controlDirty = false;
            }
            if (entry.driftDirty) {
                stored.put(driftKey(id), entry.drift.encode());
                entry.driftDirty = false;
            }
            byte[] preprocessing = null;
            if (entry.preprocessingDirty) {
                preprocessing = entry.preprocessing.toBytes();
                stored.put(preprocessingKey(id), preprocessing);
                entry.preprocessingDirty = false;
            } else if (entry.preprocessing != null) {
                preprocessing = stored.get(preprocessingKey(id));
            }
            for (Challenger challenger : entry.challengers.values()) {
                if (challenger.dirty) {
                    String key = challengerKey(id, challenger.name);
                    challenger.metrics.sealChunks((slot, chunk) -> stored.put(chunkKey(key, slot), chunk));
                    stored.put(key, challenger.encode());
                    challenger.dirty = false;
                }
            }
            // readers need the model, not its metrics: a committed view per model stays, in memory or not
            staged.add(new CommittedModel(entry.control.definition, partition, entry.model.updates(), StoredModel.withoutMetrics(value, model.metricsOffset()),
                    preprocessing));
            entry.dirty = false;
        }
        dirty.clear();
        dirtyBytes = 0;
    }

    // ------------------------------------------------------------------------------------------ Kafka Streams hooks

    /** Kafka Streams prepares a commit (or a clean close): persists the changed models. */
    @Override
    protected void beforeCommit() {
        persistDirtyModels();
        if (onCommit != null) {
            onCommit.run();
        }
    }

    /** {@code listener} is told of each commit Kafka Streams prepares from now on (null: nobody). */
    void onCommit(Runnable listener) {
        onCommit = listener;
    }

    /** How many models changed since the last commit: the models the next commit writes. */
    int dirtyCount() {
        return dirty.size();
    }

    /** About how many bytes the next commit writes for its models: their encoded parameters and optimizer state. */
    long dirtyBytes() {
        return dirtyBytes;
    }

    /** Kafka Streams recycles the store between active and standby: the store underneath may change, so forget. */
    @Override
    protected void discardInMemoryState() {
        forgetLiveModels();
        forgetCommitted();
    }

    /** The task no longer serves its models here (closed, or now a standby): readers must not see them any more. */
    private void forgetCommitted() {
        staged.clear();
        stagedRemovals.clear();
        stagedTombstones.clear();
        if (partition >= 0) {
            committed.removePartition(partition);
        }
    }

    /**
     * Drops every live model, changed or not, so that each is decoded from the store on next use. Called when the task
     * (re)starts processing and when the store is recycled or closed: at those points every committed change is in the
     * store, and anything newer belongs to records whose processing was not committed either.
     */
    public void forgetLiveModels() {
        live.clear();
        dirty.clear();
        dirtyBytes = 0;
    }

    @Override
    public String name() {
        return stored.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        forgetLiveModels();
        partition = context.taskId().partition();
        // registers this store (the root) with the state manager, so that its flushCache() is called at commit
        stored.init(context, root);
    }

    /** Kafka Streams' post-commit step (checkpointing); {@link #flushCache()} already persisted the models. */
    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        stored.commit(changelogOffsets);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
        stored.flush();
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return stored.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return stored.managesOffsets();
    }

    @Override
    public void close() {
        forgetLiveModels();
        forgetCommitted();
        stored.close();
    }

    @Override
    public boolean persistent() {
        return stored.persistent();
    }

    @Override
    public boolean isOpen() {
        return stored.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return stored.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return stored.getPosition();
    }

    /**
     * The builder Kafka Streams uses for each task: a model store over a persistent (RocksDB), change-logged,
     * uncached key-value store named {@code name}, with changelog topic configuration {@code changelogConfig}.
     *
     * <p>Persistent although it holds one value per model: only with a persistent store does Kafka Streams keep its
     * process id in the state directory, and so the producer's transactional id, across restarts. A restarted instance
     * with the same transactional id aborts its crashed predecessor's open transaction at once; with a fresh id (an
     * in-memory store), that transaction blocks every read_committed reader, the restore included, until it times out
     * (measured: 19 s instead of 7 s from restart to the first new prediction).
     */
    static StoreBuilder<ModelStore> builder(String name, Map<String, String> changelogConfig, MetricsSettings metricsSettings,
                                            CommittedModels committed) {
        StoreBuilder<KeyValueStore<String, byte[]>> stored = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                        Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(changelogConfig);
        return new Builder(stored, metricsSettings, committed);
    }

    private static final class Builder implements StoreBuilder<ModelStore> {
        private final StoreBuilder<KeyValueStore<String, byte[]>> stored;
        private final MetricsSettings metricsSettings;
        private final CommittedModels committed;

        Builder(StoreBuilder<KeyValueStore<String, byte[]>> stored, MetricsSettings metricsSettings, CommittedModels committed) {
            this.stored = stored;
            this.metricsSettings = metricsSettings;
            this.committed = committed;
        }

        @Override
        public StoreBuilder<ModelStore> withCachingEnabled() {
            throw new UnsupportedOperationException("the model store persists once per commit by itself; a record cache adds nothing");
        }

        @Override
        public StoreBuilder<ModelStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<ModelStore> withLoggingEnabled(Map<String, String> config) {
            stored.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<ModelStore> withLoggingDisabled() {
            throw new UnsupportedOperationException("the model store must be change-logged: it is what a restarted task resumes from");
        }

        @Override
        public ModelStore build() {
            return new ModelStore(stored.build(), metricsSettings, committed);
        }

        @Override
        public Map<String, String> logConfig() {
            return stored.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return stored.loggingEnabled();
        }

        @Override
        public String name() {
            return stored.name();
        }
    }
}
