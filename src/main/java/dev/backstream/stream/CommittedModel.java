package dev.backstream.stream;

import dev.backstream.features.Preprocessing;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.FrozenMlp;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model's committed state, for readers outside the stream thread (the HTTP API): immutable, and decoded only when
 * first asked for. It holds the bytes the store persisted at a commit, never the learner's live model, so a reader can
 * neither see a state that was not committed nor slow the learner down.
 */
public final class CommittedModel {
    private final ModelDefinition definition;
    private final int partition;
    private final long version;
    /** The stored value ({@link StoredModel}), or null for a model that has not learned yet (its initial state). */
    private final byte[] stored;
    /** {@link #header()}'s cache. */
    private BinaryModelFormat.Header header;
    /** The preprocessing state ({@link Preprocessing#toBytes}) of a model with a feature spec, or null: the starting one. */
    private final byte[] preprocessing;
    private volatile Decoded decoded;

    private record Decoded(Mlp model, SourceRecord source, FrozenMlp scorer) {
    }

    CommittedModel(ModelDefinition definition, int partition, long version, byte[] stored) {
        this(definition, partition, version, stored, null);
    }

    CommittedModel(ModelDefinition definition, int partition, long version, byte[] stored, byte[] preprocessing) {
        this.definition = definition;
        this.partition = partition;
        this.version = version;
        this.stored = stored;
        this.preprocessing = preprocessing;
    }

    /**
     * The committed state read from a replica's store (a standby's, for instance): {@code stored} is the value of the
     * model's key there.
     */
    public static CommittedModel fromStore(ModelDefinition definition, int partition, byte[] stored) {
        return fromStore(definition, partition, stored, null);
    }

    /** As {@link #fromStore(ModelDefinition, int, byte[])}, with the preprocessing state stored beside the model, or null. */
    static CommittedModel fromStore(ModelDefinition definition, int partition, byte[] stored, byte[] preprocessing) {
        Mlp model = StoredModel.decodeModel(stored).model();
        return new CommittedModel(definition, partition, model.updates(), stored, preprocessing);
    }

    /**
     * Model {@code id} as a replica's store holds it (a standby's, for instance), or empty if that store says there is
     * no such model: never declared nor created, or deleted. {@code read} gives the store's value of a key, or null;
     * the model's control record there (which a create or an update wrote) wins over {@code declared}, its definition
     * in the configuration (or null if undeclared).
     */
    public static java.util.Optional<CommittedModel> fromReplica(String id, int partition, ModelDefinition declared,
                                                                 java.util.function.Function<String, byte[]> read) {
        byte[] controlValue = read.apply(ModelStore.controlKey(id));
        ModelDefinition definition = declared;
        if (controlValue != null) {
            ModelControl control = ModelControl.decode(controlValue);
            if (control.deleted) {
                return java.util.Optional.empty();
            }
            definition = control.definition;
        }
        if (definition == null) {
            return java.util.Optional.empty();
        }
        byte[] value = read.apply(id);
        return java.util.Optional.of(value == null ? initial(definition, partition)
                : fromStore(definition, partition, value, definition.features() == null ? null : read.apply(ModelStore.preprocessingKey(id))));
    }

    /** The state of a model that has not learned from any sample yet: its definition's initial one, version 0. */
    public static CommittedModel initial(ModelDefinition definition, int partition) {
        return new CommittedModel(definition, partition, 0, null);
    }

    public String id() {
        return definition.id();
    }

    public ModelDefinition definition() {
        return definition;
    }

    /** The input partition (and task) that owns the model. */
    public int partition() {
        return partition;
    }

    /** The number of updates the committed state has applied: the version every answer from it carries. */
    public long version() {
        return version;
    }

    /**
     * The architecture of this state: the stored model's, read from its header without decoding the parameters, or
     * the definition's for the initial state. They differ when the definition file changed (a layer, the dtype) after
     * the model learned: the stored model goes on as it was until a {@code reset}.
     */
    public Architecture architecture() {
        return stored == null ? definition.architecture() : header().architecture();
    }

    /** The optimizer of this state, the stored model's as {@link #architecture()}. */
    public OptimizerSpec optimizer() {
        return stored == null ? definition.optimizer() : header().optimizer();
    }

    /**
     * The stored model's header, parsed once: a summary asks for both the architecture and the optimizer. Racy but
     * benign: the header is immutable, and two readers at worst parse it twice.
     */
    private BinaryModelFormat.Header header() {
        BinaryModelFormat.Header parsed = header;
        if (parsed == null) {
            parsed = StoredModel.modelHeader(stored);
            header = parsed;
        }
        return parsed;
    }

    /** An immutable scorer of this state; thread-safe. */
    public FrozenMlp scorer() {
        return decoded().scorer();
    }

    /**
     * This state as a snapshot, with the coordinates of the last sample applied, exactly as the snapshots topic would
     * carry it: {@code backstream.mlp/v1}, or v2 with the feature spec and preprocessing state of a model that has one.
     */
    public byte[] snapshotJson() {
        Decoded state = decoded();
        return SnapshotJson.toBytes(new Snapshot(id(), state.model(), snapshotExtras(state.source()), definition.features(),
                preprocessing()));
    }

    /** The committed preprocessing state (a new copy), or null for a model without a feature spec. */
    public Preprocessing preprocessing() {
        if (definition.features() == null) {
            return null;
        }
        if (preprocessing != null) {
            try {
                return Preprocessing.fromBytes(definition.features(), preprocessing);
            } catch (IllegalArgumentException e) {
                // stored under another spec: the learner starts that model's state afresh too
            }
        }
        return definition.newPreprocessing();
    }

    /** The extra snapshot fields that say which sample a snapshot's model applied last (none if it learned nothing). */
    static Map<String, Object> snapshotExtras(SourceRecord source) {
        Map<String, Object> extras = new LinkedHashMap<>();
        if (source != null && source.offset() >= 0) {
            if (source.topic() != null) {
                extras.put("sourceTopic", source.topic());
            }
            extras.put("sourcePartition", source.partition());
            extras.put("sourceOffset", source.offset());
        }
        return extras;
    }

    private Decoded decoded() {
        Decoded state = decoded;
        if (state == null) {
            // Two threads may decode at once; both get equal states and either may be kept.
            Mlp model;
            SourceRecord source = null;
            if (stored == null) {
                model = definition.newModel();
            } else {
                StoredModel.ModelAndSource read = StoredModel.decodeModel(stored);
                model = read.model();
                source = read.source();
            }
            state = new Decoded(model, source, model.freeze());
            decoded = state;
        }
        return state;
    }
}
