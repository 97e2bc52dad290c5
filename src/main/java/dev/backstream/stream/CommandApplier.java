package dev.backstream.stream;

import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.RejectReason;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.DriftSpec;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import dev.backstream.stream.ModelStore.LiveModel;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Applies control commands to the models of one task, in the learner, between two samples: each command changes the
 * model exactly as its Javadoc says, or nothing at all, and yields the model event that says which. The changes go to
 * the {@link ModelStore} like an update does, so a command is committed in the same transaction as its input offset
 * and its event: applied exactly once.
 */
final class CommandApplier {
    private final ModelStore models;
    private final Function<String, ModelDefinition> declared;
    private final ModelManagement limits;

    /** What the learner must do after a command: publish a snapshot of the model's new state, or nothing more. */
    record Applied(ModelEvent event, LiveModel snapshotOf) {
    }

    CommandApplier(ModelStore models, Function<String, ModelDefinition> declared, ModelManagement limits) {
        this.models = models;
        this.declared = declared;
        this.limits = limits;
    }

    Applied apply(ModelCommand command, SourceRecord source) {
        try {
            if (command instanceof ModelCommand.Create create) {
                return create(create, source);
            }
            LiveModel entry = models.get(command.model(), declared);
            if (entry == null) {
                throw new Rejection(RejectReason.UNKNOWN_MODEL, "model '" + command.model() + "' does not exist", null);
            }
            long before = entry.model().updates();
            if (command instanceof ModelCommand.Update update) {
                // everything is checked, and the new definition built, before anything changes: a rejection changes nothing
                ModelDefinition definition = entry.definition();
                if (update.drift() != null) {
                    definition = definition.withDrift(driftSpec(update.drift(), entry));
                }
                Mlp relearning = null;
                if (update.learningRate() != null) {
                    try {
                        definition = definition.withLearningRate(update.learningRate());
                        relearning = entry.model().withOptimizer(entry.model().optimizer().withLearningRate(update.learningRate()));
                    } catch (IllegalArgumentException e) { // a rate the model's number type cannot hold (float32)
                        throw new Rejection(RejectReason.INVALID_FIELD, e.getMessage(), before);
                    }
                }
                if (update.snapshotEveryUpdates() != null) {
                    definition = definition.withSnapshotEveryUpdates(update.snapshotEveryUpdates());
                }
                entry.control().definition = definition;
                if (relearning != null) {
                    models.replaceModel(entry, relearning);
                }
                if (update.drift() != null) {
                    models.restartDrift(entry);
                }
                models.controlChanged(entry);
                return new Applied(ModelEvent.applied(command, ModelEvent.UPDATED, before, before, source), null);
            }
            if (command instanceof ModelCommand.Reset reset) {
                Mlp fresh;
                try {
                    fresh = reset.seed() == null ? entry.definition().newModel()
                            : Mlp.initialize(entry.definition().architecture(), entry.model().optimizer(), reset.seed());
                } catch (IllegalArgumentException e) { // the running model's optimizer settings, which a float32 definition cannot hold
                    throw new Rejection(RejectReason.INVALID_FIELD, "seed: a new " + entry.definition().architecture().describe()
                            + " model cannot take the running model's optimizer settings: " + e.getMessage(), before);
                }
                models.replaceModel(entry, fresh);
                models.restartDrift(entry); // a new model: what the detector saw of the old one says nothing about it
                // and its feature statistics start again: from the definition's, or from none for a model from a new seed
                models.restartPreprocessing(entry, reset.seed() != null);
                return new Applied(ModelEvent.applied(command, ModelEvent.RESET, before, fresh.updates(), source), entry);
            }
            if (command instanceof ModelCommand.Rollback rollback) {
                Snapshot inline = rollback.toUpdates() != null ? null : inline(entry, rollback.snapshot());
                Mlp restored = inline == null ? retained(entry, rollback.toUpdates()) : inline.model();
                // the feature statistics the restored model was learning with: retained with it, or in a v2 snapshot;
                // kept as they are if there are none (retained before the model had a spec, a v1 snapshot)
                Preprocessing state = inline == null ? models.retainedPreprocessing(entry, rollback.toUpdates(), limits.snapshotHistory())
                        : inline.features() == null ? null : inline.preprocessing();
                models.replaceModel(entry, restored);
                models.restartDrift(entry);
                if (state != null) {
                    models.restorePreprocessing(entry, state);
                }
                return new Applied(ModelEvent.applied(command, ModelEvent.ROLLED_BACK, before, restored.updates(), source), entry);
            }
            if (command instanceof ModelCommand.Promote promote) {
                if (entry.challenger(promote.challenger()) == null) {
                    throw new Rejection(RejectReason.UNKNOWN_CHALLENGER, "model '" + entry.id() + "' has no challenger '" + promote.challenger()
                            + "'; its challengers: " + entry.definition().challengers().keySet(), before);
                }
                Map<String, Object> details = promote(models, entry, promote.challenger());
                return new Applied(ModelEvent.applied(command, ModelEvent.PROMOTED, before, entry.model().updates(), details, source), entry);
            }
            if (command instanceof ModelCommand.Pause || command instanceof ModelCommand.Resume) {
                boolean pause = command instanceof ModelCommand.Pause;
                entry.control().paused = pause;
                models.controlChanged(entry);
                return new Applied(ModelEvent.applied(command, pause ? ModelEvent.PAUSED : ModelEvent.RESUMED, before, before, source), null);
            }
            models.delete(entry, declared.apply(command.model()) != null);
            return new Applied(ModelEvent.applied(command, ModelEvent.DELETED, before, null, source), null);
        } catch (Rejection rejection) {
            return new Applied(ModelEvent.rejected(command, null, null, rejection.reason, rejection.getMessage(), rejection.version, source), null);
        }
    }

    /**
     * Promotes challenger {@code name} of {@code entry} ({@link ModelStore#promote}) and returns the promoted event's
     * details: the challenger's name and the window loss of the champion and of the challenger before the swap (the
     * log-loss for classifiers, the RMSE otherwise; null if a window is empty).
     */
    static Map<String, Object> promote(ModelStore models, LiveModel entry, String name) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("challenger", name);
        details.put("championLoss", finiteOrNull(entry.metrics().windowLoss()));
        details.put("challengerLoss", finiteOrNull(entry.challenger(name).metrics().windowLoss()));
        models.promote(entry, name);
        return details;
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private Applied create(ModelCommand.Create create, SourceRecord source) {
        String id = create.model();
        if (models.exists(id, declared)) {
            throw new Rejection(RejectReason.MODEL_EXISTS, "model '" + id + "' exists; delete it first, or send an update", null);
        }
        ModelDefinition definition;
        try {
            definition = ModelCatalog.loadDefinition(create.definition(), null, "create command" + (create.id() != null ? " " + create.id() : ""),
                    limits.defaultSnapshotEveryUpdates(), limits.maxParameters());
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new Rejection(RejectReason.INVALID_DEFINITION, e.getMessage(), null);
        }
        if (!definition.id().equals(id)) {
            throw new Rejection(RejectReason.INVALID_DEFINITION, "the definition's modelId is '" + definition.id()
                    + "', the command's model '" + id + "'; they must be the same", null);
        }
        long stored = 2L * (definition.encodedBytes() + 64L + MetricsSettings.MAX_STORED_BYTES);
        if (stored > limits.maxRecordBytes() || definition.snapshotBytesBound() > limits.maxRecordBytes() - 64L * 1024) {
            throw new Rejection(RejectReason.INVALID_DEFINITION, "model '" + id + "' (" + definition.architecture().parameterCount()
                    + " parameters) is larger than the application's records allow (" + limits.maxRecordBytes()
                    + " bytes, sized from the largest declared model at start-up); declare a model this large in models.dir", null);
        }
        if (models.countModels() >= limits.maxModels()) {
            throw new Rejection(RejectReason.TOO_MANY_MODELS, "this task holds " + limits.maxModels() + " models (max.models)", null);
        }
        LiveModel entry = models.create(definition);
        return new Applied(ModelEvent.applied(create, ModelEvent.CREATED, null, entry.model().updates(), source), entry);
    }

    /** The drift settings of an update, checked against the model; a rejection (changing nothing) if invalid. */
    private static DriftSpec driftSpec(byte[] json, LiveModel entry) {
        try {
            DriftSpec spec = DriftSpec.parse(Json.MAPPER.readTree(json), entry.model().architecture().classes() > 0);
            entry.definition().withDrift(spec); // refuses what the model cannot do, before anything changes
            return spec;
        } catch (IOException | IllegalArgumentException e) {
            throw new Rejection(RejectReason.INVALID_DEFINITION, e.getMessage(), entry.model().updates());
        }
    }

    private Mlp retained(LiveModel entry, long updates) {
        Optional<Mlp> snapshot = models.retained(entry, updates, limits.snapshotHistory());
        Mlp model = snapshot.orElseThrow(() -> new Rejection(RejectReason.SNAPSHOT_NOT_RETAINED, "model '" + entry.id()
                + "' retains no snapshot at " + updates + " updates; retained: " + models.retainedUpdates(entry, limits.snapshotHistory())
                + " (snapshot.history = " + limits.snapshotHistory() + ")", entry.model().updates()));
        return sameShape(entry, model, "the snapshot retained at " + updates + " updates (before a promotion?)");
    }

    /** {@code model}, if it has {@code entry}'s architecture and optimizer type; else a rejection naming {@code what}. */
    private static Mlp sameShape(LiveModel entry, Mlp model, String what) {
        if (!model.architecture().equals(entry.model().architecture())) {
            throw new Rejection(RejectReason.ARCHITECTURE_MISMATCH, what + " is a " + model.architecture().describe() + " model; '"
                    + entry.id() + "' is " + entry.model().architecture().describe(), entry.model().updates());
        }
        if (!model.optimizer().type().equals(entry.model().optimizer().type())) {
            throw new Rejection(RejectReason.ARCHITECTURE_MISMATCH, what + " learns with " + model.optimizer().type() + "; '"
                    + entry.id() + "' with " + entry.model().optimizer().type(), entry.model().updates());
        }
        return model;
    }

    private static Snapshot inline(LiveModel entry, byte[] snapshot) {
        Snapshot read;
        try {
            // the shape first, from the text: a snapshot that declares gigabytes of parameters is refused before it is allocated
            long declared = ModelCatalog.declaredParameters(Json.MAPPER.readTree(snapshot));
            if (declared != entry.model().architecture().parameterCount()) {
                throw new Rejection(RejectReason.ARCHITECTURE_MISMATCH, "the snapshot declares " + declared + " parameters; '" + entry.id()
                        + "' has " + entry.model().architecture().parameterCount(), entry.model().updates());
            }
            read = SnapshotJson.read(snapshot);
        } catch (Rejection e) {
            throw e;
        } catch (IOException e) {
            throw new Rejection(RejectReason.INVALID_DEFINITION, "the snapshot is not valid JSON: " + e.getMessage(), entry.model().updates());
        } catch (RuntimeException e) {
            throw new Rejection(RejectReason.INVALID_DEFINITION, "the snapshot is not a valid backstream.mlp/v1 or v2 model: " + e.getMessage(),
                    entry.model().updates());
        }
        sameShape(entry, read.model(), "the snapshot");
        if (read.features() != null && !read.features().equals(entry.definition().features())) {
            throw new Rejection(RejectReason.ARCHITECTURE_MISMATCH, "the snapshot's feature spec differs from the one of '" + entry.id()
                    + "'" + (entry.definition().features() == null ? ", which has none" : "") + "; its preprocessing state would not apply",
                    entry.model().updates());
        }
        return read;
    }

    /** A command that changes nothing, with its reason. */
    private static final class Rejection extends RuntimeException {
        private final RejectReason reason;
        private final Long version;

        Rejection(RejectReason reason, String message, Long version) {
            super(message, null, false, false);
            this.reason = reason;
            this.version = version;
        }
    }
}
