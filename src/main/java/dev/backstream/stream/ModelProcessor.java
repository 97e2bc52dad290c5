package dev.backstream.stream;

import dev.backstream.drift.Detection;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.EventLabel;
import dev.backstream.features.FeatureException;
import dev.backstream.features.FeatureSpec;
import dev.backstream.json.Json;
import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.ModelIds;
import dev.backstream.message.ModelMetrics;
import dev.backstream.message.Prediction;
import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.DriftSpec;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import dev.backstream.stream.ModelStore.LiveModel;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The learner: owns the models of its task. For a labeled sample it predicts, learns (one SGD step), publishes the
 * prediction made before the update and marks the model changed in the {@link ModelStore}, which persists it at the
 * next commit; for a score request it only predicts. Each model's {@link PrequentialMetrics} record every prediction
 * scored against its label, score requests, divergent updates and the learner's dead letters; every
 * {@code metrics.interval.ms} of wall-clock time the metrics of each changed model go to the metrics topic, to
 * {@link PublishedMetrics} and to the model's Kafka Streams metrics ({@link ModelSensors}) if it holds one of the
 * instance's {@link ModelSeriesSlots} ({@code metrics.model.series.max}).
 *
 * <p>A model's challengers learn every labeled sample the model learns, test-then-train, right after it; their
 * predictions follow the model's on the predictions topic (with {@code "role": "challenger"} and the champion's id),
 * their metrics go to the metrics topic under their own ids. Score requests are answered by the champion only. An event
 * kept for its label is scored by the challengers on arrival too (their predictions published then and kept with the
 * event), and when the label comes their metrics score those predictions, as the model's do: the windows that a
 * promotion compares hold predictions made at the same time.
 *
 * <p>A raw event is encoded by its model's feature spec with the model's preprocessing state (kept and persisted with
 * the model by the {@link ModelStore}). With its label it takes the samples' path above, and its raw values are then
 * learned by the preprocessing state; without it, it is scored at once and kept in the {@link PendingEvents} store
 * until its label record joins it (within {@code labels.ttl.ms} of the event's timestamp: one step on the kept
 * features, scored in the metrics by the arrival prediction), it expires (a stream-time punctuation) or it is evicted
 * ({@code labels.max.pending}). A label record processed before its event (the events and labels topics are interleaved
 * by fetch timing) waits for it in the same store: the event is then scored on arrival and learned at once with it, as
 * an event with an inline label; a label whose event does not come within the TTL is a dead letter
 * ({@code UNKNOWN_EVENT_ID}). Challengers learn a model's events on the features the model's own state encoded. A
 * reset (by command or drift action), a rollback or a promotion retires the model's pending events (their labels are
 * {@code LABEL_EXPIRED} dead letters: they were encoded and scored for the model before), and a kept event whose
 * encoding no longer fits the model's feature spec (the definition changed between runs) is an {@code INVALID_FIELD}
 * dead letter when its label comes.
 */
final class ModelProcessor implements Processor<byte[], RoutedSample, byte[], Output> {
    /** The catalog lookup, made once: a lambda built inside process() would be a new object per record. */
    private final Function<String, ModelDefinition> definitions;
    private final String storeName;
    private final long snapshotIntervalMs;
    private final DeadLetterWriter deadLetters;
    private final Activity activity;
    private final long metricsIntervalMs;
    private final PublishedMetrics publishedMetrics;
    /** The models whose metrics this processor published: removed from {@link #publishedMetrics} at close. */
    private final Set<String> published = new HashSet<>();
    /** Those of them holding a series slot, with their Kafka Streams metrics: removed, and the slots freed, at close. */
    private final Map<String, ModelSensors> sensors = new HashMap<>();
    private final ModelSeriesSlots series;
    private ProcessorContext<byte[], Output> context;
    private ModelStore models;
    private Cancellable punctuator;
    private Cancellable metricsPunctuator;
    private Cancellable committedPunctuator;
    private Cancellable evictionPunctuator;
    private TaskGauges gauges;
    /** The threads' commit pacing (shared by the application's learners), and this thread's while the task runs. */
    private final CommitPacing.PerThread pacings;
    private CommitPacing pacing;
    /** The passes of the metrics and snapshot punctuations over the models, each bounded per run; new at each init. */
    private PublicationSweep metricsSweep;
    private PublicationSweep snapshotSweep;
    private static final Duration COMMITTED_STATE_INTERVAL = Duration.ofMillis(100);
    private final ModelManagement management;
    private CommandApplier commands;
    private final String pendingStoreName;
    private final EventSettings eventSettings;
    /** The events waiting for delayed labels. */
    private PendingEvents pending;
    private Cancellable expiryPunctuator;

    ModelProcessor(ModelCatalog catalog, String storeName, long snapshotIntervalMs, DeadLetterWriter deadLetters, Activity activity,
                   long metricsIntervalMs, PublishedMetrics publishedMetrics, ModelSeriesSlots series, ModelManagement management,
                   String pendingStoreName, EventSettings eventSettings, CommitPacing.PerThread pacings) {
        this.pacings = pacings;
        this.series = series;
        this.pendingStoreName = pendingStoreName;
        this.eventSettings = eventSettings;
        this.management = management;
        this.deadLetters = deadLetters;
        this.activity = activity;
        this.metricsIntervalMs = metricsIntervalMs;
        this.publishedMetrics = publishedMetrics;
        this.definitions = id -> catalog.find(id).orElse(null);
        this.storeName = storeName;
        this.snapshotIntervalMs = snapshotIntervalMs;
    }

    @Override
    public void init(ProcessorContext<byte[], Output> context) {
        this.context = context;
        this.models = context.getStateStore(storeName);
        // The task (re)starts processing: after a move or a standby's restore, the store may hold a newer model than
        // any copy in memory. Kafka Streams calls init whenever a task becomes active, whatever the path.
        models.forgetLiveModels();
        // ...and loads those that owe a metrics record or a snapshot the previous owner did not publish before it
        // stopped, since no sample may ever come to bring them into memory; the others wait for their next record.
        tick();
        models.loadAll(definitions, this::owesPublication);
        pacing = pacings.current();
        // Kafka Streams re-initializes the same processor when it revives a task: a pass of the old one must not go on
        metricsSweep = new PublicationSweep(PublicationSweep.BUDGET_BYTES);
        snapshotSweep = new PublicationSweep(PublicationSweep.BUDGET_BYTES);
        ModelStore store = models;
        gauges = new TaskGauges(context.metrics(), Thread.currentThread().getName(), context.taskId().toString(), store::liveCount);
        pacing.register(models); // after everything that may throw: a task whose init failed is never closed
        commands = new CommandApplier(models, definitions, management);
        pending = new PendingEvents(context.getStateStore(pendingStoreName), eventSettings);
        // expiry follows stream time (record timestamps), as the join does: the same input expires the same events
        long expiryInterval = Math.max(1, Math.min(eventSettings.labelsTtlMs() / 4, 60_000));
        expiryPunctuator = context.schedule(Duration.ofMillis(expiryInterval), PunctuationType.STREAM_TIME, this::expirePending);
        if (snapshotIntervalMs > 0) {
            punctuator = context.schedule(Duration.ofMillis(snapshotIntervalMs), PunctuationType.WALL_CLOCK_TIME, this::snapshotChangedModels);
        }
        // Readers see a commit's models at this task's next step (see ModelStore.publishCommitted); when no record
        // comes, this punctuation is that step, so the API lags a commit by at most this interval.
        committedPunctuator = context.schedule(COMMITTED_STATE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
            models.publishCommitted();
            maybeCommitEarly(now);
        });
        if (metricsIntervalMs > 0) {
            metricsPunctuator = context.schedule(Duration.ofMillis(metricsIntervalMs), PunctuationType.WALL_CLOCK_TIME, this::publishChangedMetrics);
        }
        long idleMs = management.evictIdleMs();
        if (idleMs > 0) {
            evictionPunctuator = context.schedule(Duration.ofMillis(Math.max(1, Math.min(idleMs / 4, 60_000))), PunctuationType.WALL_CLOCK_TIME,
                    now -> {
                        models.clock(now);
                        models.evictIdle(idleMs, this::owesPublication);
                    });
        }
    }

    /** Asks Kafka Streams for a commit if it is due and cheap for this thread ({@link CommitPacing}). */
    private void maybeCommitEarly(long now) {
        pacing.maybeCommit(context, now, management.commitEagerIntervalMs(), management.commitRecordsPerModelWrite());
    }

    /** Tells the store the time of what the task processes now, if it evicts idle models (else it needs no clock). */
    private void tick() {
        if (management.evictIdleMs() > 0) {
            models.clock(context.currentSystemTimeMs());
        }
    }

    /** Whether the metrics punctuation would publish {@code entry}'s metrics or a challenger's. */
    private boolean owesMetrics(LiveModel entry) {
        if (metricsIntervalMs <= 0) {
            return false;
        }
        if (entry.metrics().changedSincePublished()) {
            return true;
        }
        for (ModelStore.Challenger challenger : entry.challengers()) {
            if (challenger.metrics().changedSincePublished()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the snapshot punctuation would publish a snapshot of {@code entry}. */
    private boolean owesSnapshot(LiveModel entry) {
        return snapshotIntervalMs > 0 && entry.model().updates() != entry.lastSnapshotUpdates() && entry.lastSource() != null;
    }

    /** Whether a punctuation would publish something of {@code entry}: it must stay in memory until then. */
    private boolean owesPublication(LiveModel entry) {
        return owesMetrics(entry) || owesSnapshot(entry);
    }

    /**
     * {@link #owesPublication(LiveModel)} for a stored model, read from its summary: the same conditions. A model with
     * challengers is loaded anyway (their metrics are stored apart).
     */
    private boolean owesPublication(ModelDefinition definition, StoredModel.Summary stored) {
        return !definition.challengers().isEmpty()
                || (metricsIntervalMs > 0 && stored.metricsChanged())
                || (snapshotIntervalMs > 0 && stored.learned() && stored.updates() != stored.lastSnapshotUpdates());
    }

    @Override
    public void process(Record<byte[], RoutedSample> record) {
        models.publishCommitted();
        tick();
        if (management.commitEagerIntervalMs() > 0) {
            pacing.recordProcessed();
            maybeCommitEarly(context.currentSystemTimeMs());
        }
        RoutedSample routed = record.value();
        if (routed.command() != null) {
            apply(record);
            return;
        }
        String modelId = routed.model();
        LiveModel entry = models.get(modelId, definitions);
        if (entry == null) {
            deadLetter(record, RejectReason.UNKNOWN_MODEL, "model '" + modelId + "' does not exist (neither declared in models.dir nor created)");
            return;
        }
        if (routed.event() != null) {
            event(record, entry);
            return;
        }
        handle(record, entry, routed.sample(), routed.learn(), null, null);
    }

    /** What {@link #handle} did with a sample. */
    private enum Handled {
        /** Learned: the update was applied. */
        LEARNED,
        /** The update would have made a parameter non-finite: not applied, a dead letter. */
        DIVERGED,
        /** The model refused the sample (its shape, its label): a dead letter. */
        REJECTED,
        /** Scored only (a score request, an event waiting for its label, a sample while the model is paused). */
        SCORED,
        /** A delayed label while the model is paused: neither learned nor scored; its event stays pending. */
        PAUSED
    }

    /**
     * The one path of a sample, whether it came as one or from an event with its label: scored ({@code learn} false),
     * or predicted, learned, published and counted (test-then-train), then its challengers, snapshot and drift. For an
     * event learned, {@code observed} are its raw values: the model's preprocessing state learns them right after the
     * model, before a snapshot or a drift reset. For a delayed label, {@code kept} is its event as scored on arrival:
     * that prediction was published then, so none is now, and it is the one the metrics and the drift detector score.
     */
    private Handled handle(Record<byte[], RoutedSample> record, LiveModel entry, Sample sample, boolean learn, double[] observed,
                           PendingEvent kept) {
        String modelId = entry.id();
        if (learn && entry.paused()) {
            if (kept != null) {
                entry.control().droppedWhilePaused++;
                models.controlChanged(entry);
                return Handled.PAUSED;
            }
            scoreWhilePaused(record, entry, sample);
            return Handled.SCORED;
        }
        Outcome outcome;
        try {
            if (entry.hasChallengers()) { // per record: no iteration for the usual model without challengers
                for (ModelStore.Challenger challenger : entry.challengers()) {
                    if (challenger.model().architecture().dtype() != entry.model().architecture().dtype()) {
                        // a float32 challenger refuses features beyond the float range that a float64 champion takes: the
                        // record is refused whole, before any model learns it, so that every model sees the same samples
                        sample.validateFor(challenger.model().architecture());
                    }
                }
            }
            outcome = learn ? sample.learnOn(entry.model()) : sample.scoreOn(entry.model());
        } catch (InvalidMessageException e) {
            deadLetter(record, e.reason(), e.getMessage());
            entry.metrics().deadLetter(e.reason());
            models.metricsChanged(entry);
            return Handled.REJECTED;
        }
        SourceRecord source = record.value().source();
        if (kept == null) {
            Prediction prediction = Prediction.of(sample, outcome, source);
            context.forward(new Record<>(record.key(), new Output(Output.Kind.PREDICTION, prediction.toJson()), record.timestamp()));
            activity.predicted(modelId);
        }
        if (learn && entry.hasChallengers()) {
            learnByChallengers(record, entry, sample, kept);
        }
        if (!learn) {
            entry.metrics().scored();
            models.metricsChanged(entry);
            return Handled.SCORED;
        }
        if (!outcome.updateApplied()) {
            deadLetter(record, RejectReason.DIVERGED_UPDATE, "the update for this sample would make a parameter of model '"
                    + modelId + "' non-finite (loss " + outcome.loss() + "); it was not applied and the model is unchanged");
            entry.metrics().diverged();
            entry.metrics().deadLetter(RejectReason.DIVERGED_UPDATE);
            models.metricsChanged(entry);
            return Handled.DIVERGED;
        }
        if (kept == null) {
            entry.metrics().learned(sample, outcome);
        } else {
            entry.metrics().learnedLate(sample, kept);
        }
        models.updated(entry, source);
        if (observed != null) {
            entry.preprocessing().learn(observed);
            models.preprocessingChanged(entry);
        }
        activity.learned(modelId);
        if (entry.model().updates() % entry.definition().snapshotEveryUpdates() == 0) {
            publishSnapshot(entry, record.timestamp());
        }
        if (entry.drift() != null) {
            watchDrift(record, entry, outcome, sample, kept);
        }
        return Handled.LEARNED;
    }

    /**
     * A raw event: encoded with the model's feature spec and preprocessing state; with its label, learned as the
     * sample it encodes to (the event id as the sample's id), and its raw values learned by the preprocessing state.
     */
    private void event(Record<byte[], RoutedSample> record, LiveModel entry) {
        RoutedEvent event = record.value().event();
        FeatureSpec spec = entry.definition().features();
        if (spec == null) {
            rejectEvent(record, entry, RejectReason.NO_FEATURE_SPEC, "model '" + entry.id() + "' has no \"features\" spec in its definition,"
                    + " so it cannot read raw " + (event.kind() == RoutedEvent.Kind.EVENT ? "events" : "labels") + "; send it samples instead");
            return;
        }
        if (event.kind() == RoutedEvent.Kind.LABEL) {
            delayedLabel(record, entry, spec);
            return;
        }
        EncodedEvent encoded;
        EventLabel label;
        Sample sample;
        try {
            encoded = spec.encode(event.json(), entry.preprocessing());
            label = spec.label(event.json());
            sample = new Sample(entry.id(), encoded.features(), label == null ? null : label.classIndex(),
                    label == null ? null : label.target(), spec.id(event.json()));
            if (sample.id() != null) {
                ModelIds.check(sample.id(), "id"); // part of a UTF-8 store key: an unpaired surrogate would name another event
            }
        } catch (FeatureException e) {
            rejectEvent(record, entry, RejectReason.valueOf(e.kind().name()), featureMessage(e));
            return;
        } catch (InvalidMessageException e) {
            rejectEvent(record, entry, e.reason(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            // A spec's encoders answer every bad value with a FeatureException; should one still slip through, the event is
            // bad input all the same: a dead letter, never a dead stream thread replaying the same record for ever.
            rejectEvent(record, entry, RejectReason.INVALID_FIELD, "the event could not be encoded: " + e);
            return;
        }
        KeptLabel waiting = sample.id() == null ? null : pending.label(entry.id(), sample.id());
        if (waiting != null && label == null) {
            Sample labeled = labelArrived(record, entry, sample, waiting);
            if (labeled != null) {
                Handled handled = handle(record, entry, labeled, true, encoded.observed(), null);
                if (handled == Handled.LEARNED || handled == Handled.DIVERGED) {
                    pending.removeLabel(waiting);
                    pending.joinedOnArrival(entry.id(), sample.id(), record.timestamp());
                    entry.metrics().labelsChanged();
                } else if (handled != Handled.REJECTED) {
                    pending.removeLabel(waiting); // a paused model scored the event and dropped the label, as an inline one
                }
                // REJECTED: the event is a dead letter; its label waits on, for a corrected event or its expiry
                return;
            }
        }
        if (label != null) {
            Handled handled = handle(record, entry, sample, true, encoded.observed(), null);
            if (waiting != null) {
                pending.removeLabel(waiting);
                rejectKept(entry, waiting, RejectReason.DUPLICATE_LABEL, "event '" + waiting.id() + "' of model '" + entry.id()
                        + "' came with its own label, " + (handled == Handled.LEARNED || handled == Handled.DIVERGED
                        ? "which was learned; a label is learned once" : "and the model is paused: neither is learned"));
            }
        } else {
            awaitLabel(record, entry, sample, encoded);
        }
    }

    /**
     * Event {@code sample} has come, without its label, and {@code waiting} was kept for it: the labeled sample to learn
     * at once, exactly as an event with an inline label; or null, and the kept label is a dead letter, if the two are
     * more than {@code labels.ttl.ms} apart (as the join of a label that comes after its event) or it no longer reads as
     * a label of the model's spec.
     */
    private Sample labelArrived(Record<byte[], RoutedSample> record, LiveModel entry, Sample sample, KeptLabel waiting) {
        long ttl = pending.ttlMs();
        if (record.timestamp() - waiting.timestamp() > ttl) {
            pending.removeLabel(waiting);
            rejectKept(entry, waiting, RejectReason.UNKNOWN_EVENT_ID, labelTooEarly(waiting, ttl));
            return null;
        }
        if (waiting.timestamp() - record.timestamp() > ttl) {
            pending.removeLabel(waiting);
            rejectKept(entry, waiting, RejectReason.LABEL_EXPIRED, "the label came " + (waiting.timestamp() - record.timestamp())
                    + " ms after event '" + waiting.id() + "' of model '" + entry.id() + "' (processed before it); labels.ttl.ms = " + ttl);
            return null;
        }
        try {
            EventLabel label = entry.definition().features().parseLabel(EventRouter.parseObject(waiting.value(), "label record").get("label"));
            return new Sample(entry.id(), sample.features(), label.classIndex(), label.target(), sample.id());
        } catch (FeatureException e) {
            pending.removeLabel(waiting);
            rejectKept(entry, waiting, RejectReason.valueOf(e.kind().name()), "label: " + featureMessage(e));
        } catch (InvalidMessageException e) {
            pending.removeLabel(waiting);
            rejectKept(entry, waiting, e.reason(), e.getMessage());
        }
        return null;
    }

    private static String labelTooEarly(KeptLabel label, long ttl) {
        return "no event '" + label.id() + "' of model '" + label.model() + "' came within labels.ttl.ms = " + ttl
                + " ms of this label, which waited for it";
    }

    /** A dead letter for a kept label record, with its original bytes and coordinates, counted in its model's metrics. */
    private void rejectKept(LiveModel entry, KeptLabel label, RejectReason reason, String message) {
        byte[] json = deadLetters.json(reason, message, label.source(), label.key(), label.value());
        context.forward(new Record<>(label.key(), new Output(Output.Kind.DEAD_LETTER, json), label.timestamp()));
        if (entry != null) {
            entry.metrics().deadLetter(reason);
            models.metricsChanged(entry);
        }
    }

    /** Kept labels evicted beyond {@code labels.max.pending} are dead letters; evicted events change the counts. */
    private void evicted(LiveModel entry, PendingEvents.Evictions evictions) {
        if (evictions.events() > 0) {
            entry.metrics().labelsChanged();
            // persisted like every other metrics change: a model not marked changed may leave memory without it
            models.metricsChanged(entry);
        }
        for (KeptLabel label : evictions.labels()) {
            rejectKept(entry, label, RejectReason.UNKNOWN_EVENT_ID, "this label waited for event '" + label.id() + "' of model '"
                    + label.model() + "', which had not come, and was evicted: the model kept labels.max.pending = "
                    + eventSettings.maxPending() + " newer events and labels");
        }
    }

    /**
     * An event without its label: scored at once (its prediction published with the event id and the model version),
     * then kept with its encoding and that prediction until its label comes, it expires or it is evicted. An event
     * without an id cannot be named by a label: it is only scored.
     */
    private void awaitLabel(Record<byte[], RoutedSample> record, LiveModel entry, Sample sample, EncodedEvent encoded) {
        if (sample.id() == null) {
            handle(record, entry, sample, false, null, null);
            return;
        }
        Outcome outcome;
        try {
            outcome = sample.scoreOn(entry.model());
        } catch (InvalidMessageException e) {
            rejectEvent(record, entry, e.reason(), e.getMessage());
            return;
        }
        double[] output = outcome.copyOutput();
        int predictedClass = outcome.predictedClass();
        long version = outcome.modelVersion();
        Prediction prediction = Prediction.of(sample, outcome, record.value().source());
        context.forward(new Record<>(record.key(), new Output(Output.Kind.PREDICTION, prediction.toJson()), record.timestamp()));
        activity.predicted(entry.id());
        entry.metrics().scored();
        models.metricsChanged(entry);
        List<PendingEvent.ChallengerScore> challengers = entry.hasChallengers() ? scoreByChallengers(record, entry, sample) : List.of();
        evicted(entry, pending.keep(entry.id(), sample.id(), record.timestamp(), version, sample.features(), encoded.observed(), output,
                predictedClass, PendingEvent.classLosses(entry.model(), sample.features(), output), challengers));
    }

    /**
     * Each challenger of {@code entry} scores an event kept for its label, as the model did: its prediction is published
     * beside the model's (as for an event learned on arrival) and kept with the event, and it is the one the challenger's
     * metrics score when the label comes, so that the model and its challengers are compared on predictions made at the
     * same time.
     */
    private List<PendingEvent.ChallengerScore> scoreByChallengers(Record<byte[], RoutedSample> record, LiveModel entry, Sample sample) {
        RoutedSample routed = record.value();
        List<PendingEvent.ChallengerScore> scores = new ArrayList<>(entry.challengers().size());
        for (ModelStore.Challenger challenger : entry.challengers()) {
            Outcome outcome = sample.scoreOn(challenger.model());
            Prediction prediction = Prediction.of(sample, outcome, routed.source()).asChallenger(challenger.id(), entry.id());
            context.forward(new Record<>(record.key(), new Output(Output.Kind.PREDICTION, prediction.toJson()), record.timestamp()));
            double[] output = outcome.copyOutput();
            scores.add(new PendingEvent.ChallengerScore(challenger.name(), output, outcome.predictedClass(),
                    PendingEvent.classLosses(challenger.model(), sample.features(), output)));
        }
        return scores;
    }

    /**
     * A label record: joined to its pending event within {@code labels.ttl.ms} of the event's timestamp and learned (one
     * step on the kept features, then the kept raw values learned by the preprocessing state), at most once. A label for
     * an event neither pending nor remembered by a marker is kept until the event comes (see {@link #labelArrived}).
     */
    private void delayedLabel(Record<byte[], RoutedSample> record, LiveModel entry, FeatureSpec spec) {
        JsonNode json = record.value().event().json();
        String model = entry.id();
        String id = json.get("id").asText();
        EventLabel label;
        try {
            label = spec.parseLabel(json.get("label"));
        } catch (FeatureException e) {
            rejectEvent(record, entry, RejectReason.valueOf(e.kind().name()), "label: " + featureMessage(e));
            return;
        }
        PendingEvent kept = pending.get(model, id);
        long ttl = pending.ttlMs();
        if (kept == null) {
            PendingEvents.Marker marker = pending.marker(model, id);
            if (marker == PendingEvents.Marker.LEARNED) {
                rejectEvent(record, entry, RejectReason.DUPLICATE_LABEL, "event '" + id + "' of model '" + model
                        + "' was already learned from a label; a label is learned once");
            } else if (marker == PendingEvents.Marker.EXPIRED) {
                rejectEvent(record, entry, RejectReason.LABEL_EXPIRED, "event '" + id + "' of model '" + model
                        + "' expired: no label came within labels.ttl.ms = " + ttl + " ms of it");
            } else if (marker == PendingEvents.Marker.EVICTED) {
                rejectEvent(record, entry, RejectReason.LABEL_EXPIRED, "event '" + id + "' of model '" + model
                        + "' was evicted before its label came: the model kept labels.max.pending = " + eventSettings.maxPending() + " newer events");
            } else if (marker == PendingEvents.Marker.RESET || marker == PendingEvents.Marker.ROLLED_BACK || marker == PendingEvents.Marker.PROMOTED) {
                String what = marker == PendingEvents.Marker.RESET ? "model '" + model + "' was reset (by a command or its drift detection)"
                        : marker == PendingEvents.Marker.ROLLED_BACK ? "model '" + model + "' was rolled back"
                        : "a challenger of model '" + model + "' was promoted in its place";
                rejectEvent(record, entry, RejectReason.LABEL_EXPIRED, "event '" + id + "' was retired before its label came: " + what
                        + " after the event was scored, and the model now learning does not learn the features and score the prediction"
                        + " of the one before it");
            } else if (marker == PendingEvents.Marker.SPEC_CHANGED) {
                rejectEvent(record, entry, RejectReason.INVALID_FIELD, "model '" + model + "': the model's feature spec changed since the"
                        + " event arrived; event '" + id + "' can no longer be learned");
            } else if (pending.label(model, id) != null) {
                rejectEvent(record, entry, RejectReason.DUPLICATE_LABEL, "a label for event '" + id + "' of model '" + model
                        + "' already waits for the event; a label is learned once");
            } else {
                // the event has not come yet (the topics are interleaved by fetch timing): the label waits for it
                RoutedSample routed = record.value();
                evicted(entry, pending.keepLabel(model, id, record.timestamp(), routed.source(), routed.sourceKey(), routed.sourceValue()));
            }
            return;
        }
        if (kept.timestamp() - record.timestamp() > ttl) {
            // a label timestamped more than a TTL before its event: what the label-first order makes of it (labelArrived),
            // so that which labels are learned does not depend on which of the two records was read first
            rejectEvent(record, entry, RejectReason.UNKNOWN_EVENT_ID, "the label is " + (kept.timestamp() - record.timestamp())
                    + " ms older than event '" + id + "' of model '" + model + "': no event of that id came within labels.ttl.ms = "
                    + ttl + " of it");
            return;
        }
        if (record.timestamp() - kept.timestamp() > ttl) {
            pending.finish(model, id, kept, PendingEvents.Marker.EXPIRED);
            entry.metrics().labelsChanged();
            rejectEvent(record, entry, RejectReason.LABEL_EXPIRED, "the label came " + (record.timestamp() - kept.timestamp())
                    + " ms after event '" + id + "' of model '" + model + "'; labels.ttl.ms = " + ttl);
            return;
        }
        if (kept.features().length != spec.width() || kept.observed().length != entry.preprocessing().size()) {
            // the model's definition changed between two runs: the kept encoding is of another spec, its raw values of
            // another preprocessing state; learning them would be wrong, or throw and stop the stream thread
            pending.finish(model, id, kept, PendingEvents.Marker.SPEC_CHANGED);
            entry.metrics().labelsChanged();
            rejectEvent(record, entry, RejectReason.INVALID_FIELD, "model '" + model + "': the model's feature spec changed since the"
                    + " event arrived; event '" + id + "' was encoded to " + kept.features().length + " columns with "
                    + kept.observed().length + " values for its preprocessing state, the spec now makes " + spec.width()
                    + " columns and keeps statistics of " + entry.preprocessing().size() + " values");
            return;
        }
        Sample sample;
        try {
            sample = new Sample(model, kept.features(), label.classIndex(), label.target(), id);
        } catch (InvalidMessageException e) {
            rejectEvent(record, entry, e.reason(), e.getMessage());
            return;
        }
        Handled handled = handle(record, entry, sample, true, kept.observed(), kept);
        if (handled == Handled.LEARNED || handled == Handled.DIVERGED) {
            pending.finish(model, id, kept, PendingEvents.Marker.LEARNED);
        }
    }

    /**
     * Stream-time punctuation: expires the pending events older than the TTL, and the kept labels whose events did not
     * come within it (dead letters: UNKNOWN_EVENT_ID), and forgets old markers.
     */
    private void expirePending(long now) {
        PendingEvents.Expiry expiry = pending.expire(now);
        for (KeptLabel label : expiry.labels()) {
            rejectKept(models.get(label.model(), definitions), label, RejectReason.UNKNOWN_EVENT_ID, labelTooEarly(label, pending.ttlMs()));
        }
        for (String model : expiry.changed()) {
            LiveModel entry = models.get(model, definitions);
            if (entry != null) {
                entry.metrics().labelsChanged();
                models.metricsChanged(entry);
            }
        }
    }

    /** A feature error's message, naming the path of the field at fault. */
    private static String featureMessage(FeatureException e) {
        String message = e.getMessage() == null ? e.kind().name() : e.getMessage();
        return e.path() == null || message.contains(e.path()) ? message : e.path() + ": " + message;
    }

    /** A dead letter for an event or label record of {@code entry}, counted in its metrics. */
    private void rejectEvent(Record<byte[], RoutedSample> record, LiveModel entry, RejectReason reason, String message) {
        deadLetter(record, reason, message);
        entry.metrics().deadLetter(reason);
        models.metricsChanged(entry);
    }

    /**
     * Each challenger of {@code entry} learns the record's sample, test-then-train, and its prediction made before the
     * update is published beside the champion's. For a delayed label ({@code kept} not null) the challenger learns the
     * kept features and its metrics score its prediction made when the event arrived (published then, none now), as
     * the model's do; a challenger that made none (declared since) learns the label and its metrics score nothing. A
     * challenger's divergent update is counted in its metrics, not applied, and makes no dead letter (the record itself
     * was fine for its champion).
     */
    private void learnByChallengers(Record<byte[], RoutedSample> record, LiveModel entry, Sample sample, PendingEvent kept) {
        RoutedSample routed = record.value();
        for (ModelStore.Challenger challenger : entry.challengers()) {
            Outcome outcome = sample.learnOn(challenger.model());
            if (kept == null) {
                Prediction prediction = Prediction.of(sample, outcome, routed.source()).asChallenger(challenger.id(), entry.id());
                context.forward(new Record<>(record.key(), new Output(Output.Kind.PREDICTION, prediction.toJson()), record.timestamp()));
            }
            if (outcome.updateApplied()) {
                if (kept == null) {
                    challenger.metrics().learned(sample, outcome);
                } else {
                    PendingEvent.ChallengerScore arrival = kept.challenger(challenger.name());
                    if (arrival != null) {
                        challenger.metrics().learnedLate(sample, kept.scoredBy(arrival));
                    }
                }
            } else {
                challenger.metrics().diverged();
            }
            models.challengerUpdated(entry, challenger, routed.source());
        }
    }

    /**
     * Feeds the model's drift detector its error (0 or 1) or loss on this sample's prediction; on a detection, takes
     * the declared action and publishes a {@code drift_detected} model event.
     */
    private void watchDrift(Record<byte[], RoutedSample> record, LiveModel entry, Outcome outcome, Sample sample, PendingEvent kept) {
        DriftSpec spec = entry.definition().drift();
        int predicted = kept != null ? kept.predictedClass() : outcome.predictedClass();
        double loss = kept != null ? kept.loss(sample, entry.model().architecture()) : outcome.loss();
        double value = spec.monitor() == DriftSpec.Monitor.ERROR ? (predicted == sample.trueClass() ? 0 : 1) : loss;
        boolean detected = entry.drift().update(value);
        models.driftChanged(entry);
        // Only a rise of the error or loss is drift: ADWIN also cuts its window when the mean falls, which is the model
        // learning (fast at the start of a stream), and resetting then would undo exactly that.
        if (!detected || !entry.drift().lastDetection().map(ModelProcessor::worsened).orElse(false)) {
            return;
        }
        long before = entry.model().updates();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("detector", spec.settings().type());
        details.put("monitor", spec.monitor().name().toLowerCase(java.util.Locale.ROOT));
        details.put("action", spec.action().name().toLowerCase(java.util.Locale.ROOT));
        entry.drift().lastDetection().ifPresent(detection -> details.putAll(Json.MAPPER.convertValue(detection, DETAILS)));
        String taken = "";
        ModelEvent promoted = null;
        // the event being learned now, if a delayed label: it is marked learned by the caller, not retired
        String learning = kept != null ? sample.id() : null;
        if (spec.action() == DriftSpec.Action.RESET) {
            models.replaceModel(entry, entry.definition().newModel());
            models.restartPreprocessing(entry);
            retirePending(entry, PendingEvents.Marker.RESET, learning);
            publishSnapshot(entry, record.timestamp(), false);
            taken = "; the model starts again from its definition";
        } else if (spec.action() == DriftSpec.Action.CHALLENGER) {
            String best = bestChallenger(entry, spec.promotion());
            details.put("promoted", best != null);
            if (best == null) {
                String why = "no challenger's window loss beats the model's (" + entry.metrics().windowLoss() + ") by the margin "
                        + spec.promotion().margin() + " with both windows holding at least " + spec.promotion().samples() + " samples";
                details.put("why", why);
                taken = "; not promoted: " + why;
            } else {
                Map<String, Object> promotion = CommandApplier.promote(models, entry, best);
                retirePending(entry, PendingEvents.Marker.PROMOTED, learning);
                promotion.put("cause", "drift");
                details.put("challenger", best);
                publishSnapshot(entry, record.timestamp(), false);
                taken = "; challenger '" + best + "' was promoted";
                promoted = ModelEvent.promoted(entry.id(), before, entry.model().updates(), "challenger '" + best
                        + "' learns the new concept better: its window loss " + promotion.get("challengerLoss") + " against the model's "
                        + promotion.get("championLoss"), promotion, record.value().source());
            }
        }
        ModelEvent event = ModelEvent.driftDetected(entry.id(), before, entry.model().updates(), "the model's prequential "
                + details.get("monitor") + " changed (" + details.get("detector") + ")" + taken, details, record.value().source());
        context.forward(new Record<>(record.key(), new Output(Output.Kind.MODEL_EVENT, event.toJson()), record.timestamp()));
        if (promoted != null) {
            context.forward(new Record<>(record.key(), new Output(Output.Kind.MODEL_EVENT, promoted.toJson()), record.timestamp()));
        }
    }

    /**
     * The challenger of {@code entry} with the lowest window loss among those that beat the champion's by the
     * promotion's margin, both windows holding enough samples; null if none does.
     */
    private static String bestChallenger(LiveModel entry, DriftSpec.Promotion promotion) {
        double championLoss = entry.metrics().windowLoss();
        String best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (ModelStore.Challenger challenger : entry.challengers()) {
            double loss = challenger.metrics().windowLoss();
            if (promotion.beats(loss, challenger.metrics().count(), championLoss, entry.metrics().count()) && loss < bestLoss) {
                best = challenger.name();
                bestLoss = loss;
            }
        }
        return best;
    }

    /** Whether a detection is a rise of the monitored value. */
    private static boolean worsened(Detection detection) {
        if (detection instanceof Detection.AdwinCut cut) {
            return cut.meanAfter() > cut.meanBefore();
        }
        return ((Detection.PageHinkleyAlarm) detection).increase();
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> DETAILS = new com.fasterxml.jackson.core.type.TypeReference<>() {
    };

    /** A control command: applied (or rejected) between this model's samples, its event published. */
    private void apply(Record<byte[], RoutedSample> record) {
        ModelCommand command = record.value().command();
        CommandApplier.Applied applied = commands.apply(command, record.value().source());
        if (applied.snapshotOf() != null) {
            // the new state on the snapshots topic; not retained: it is a retained one (rollback) or the start (reset, create)
            publishSnapshot(applied.snapshotOf(), record.timestamp(), false);
            PendingEvents.Marker replaced = switch (applied.event().event()) {
                case ModelEvent.RESET -> PendingEvents.Marker.RESET;
                case ModelEvent.ROLLED_BACK -> PendingEvents.Marker.ROLLED_BACK;
                case ModelEvent.PROMOTED -> PendingEvents.Marker.PROMOTED;
                default -> null;
            };
            if (replaced != null) {
                retirePending(applied.snapshotOf(), replaced, null);
            }
        }
        if (ModelEvent.DELETED.equals(applied.event().event())) {
            forgetMetrics(command.model());
            pending.deleteModel(command.model());
            // a tombstone, so that the compacted snapshots topic forgets the deleted model
            context.forward(new Record<>(record.key(), new Output(Output.Kind.SNAPSHOT, null), record.timestamp()));
        }
        context.forward(new Record<>(record.key(), new Output(Output.Kind.MODEL_EVENT, applied.event().toJson()), record.timestamp()));
    }

    /**
     * The model of {@code entry} was replaced (reset, rolled back, a challenger promoted): the events it kept were encoded
     * with the preprocessing state of the model before and scored by it, so they are retired (all but {@code except},
     * being learned now) and their labels become dead letters; labels waiting for their events stay.
     */
    private void retirePending(LiveModel entry, PendingEvents.Marker marker, String except) {
        if (entry.definition().features() != null && pending.retireAll(entry.id(), marker, except) > 0) {
            entry.metrics().labelsChanged();
            models.metricsChanged(entry);
        }
    }

    /** A sample for a paused model: scored and published like a score request, counted, never learned. */
    private void scoreWhilePaused(Record<byte[], RoutedSample> record, LiveModel entry, Sample sample) {
        RoutedSample routed = record.value();
        Outcome outcome;
        try {
            outcome = sample.scoreOn(entry.model());
        } catch (InvalidMessageException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        context.forward(new Record<>(record.key(), new Output(Output.Kind.PREDICTION, Prediction.of(sample, outcome, routed.source()).toJson()),
                record.timestamp()));
        activity.predicted(entry.id());
        entry.control().droppedWhilePaused++;
        models.controlChanged(entry);
    }

    private void forgetMetrics(String model) {
        publishedMetrics.removed(model);
        published.remove(model);
        ModelSensors removed = sensors.remove(model);
        if (removed != null) {
            removed.remove();
            series.release(model);
        }
    }

    /**
     * Publishes a snapshot of each model changed since its last one, within the thread's publication budget for the
     * open transaction ({@link CommitPacing#publications}): with more, the pass over the models goes on at the next
     * run (see {@link PublicationSweep}), and a commit is asked for so that the next run has a new transaction.
     */
    private void snapshotChangedModels(long now) {
        models.publishCommitted();
        snapshotSweep.run(models, entry -> {
            if (!owesSnapshot(entry)) {
                return 0;
            }
            // not retained for rollbacks: which states a wall-clock snapshot catches depends on timing, not on the input,
            // and a rollback's outcome must not
            return publishSnapshot(entry, now, false);
        }, pacing.publications());
        commitIfBudgetSpent();
    }

    /** Publishes the metrics of each model changed since its last ones, bounded as {@link #snapshotChangedModels}. */
    private void publishChangedMetrics(long now) {
        models.publishCommitted();
        metricsSweep.run(models, entry -> {
            long bytes = 0;
            if (entry.metrics().changedSincePublished()) {
                bytes += publishMetrics(entry, now);
            }
            for (ModelStore.Challenger challenger : entry.challengers()) {
                if (challenger.metrics().changedSincePublished()) {
                    bytes += publishChallengerMetrics(entry, challenger, now);
                }
            }
            return bytes;
        }, pacing.publications());
        commitIfBudgetSpent();
    }

    /** The publications spent the transaction's budget: a commit now, rather than more work in the same transaction. */
    private void commitIfBudgetSpent() {
        if (pacing.publications().exhausted()) {
            context.commit();
        }
    }

    /**
     * Forwards a challenger's metrics to the metrics topic, under its id {@code <champion>:<name>}, in the same format
     * as a model's; they are not shown to {@link PublishedMetrics} nor as Kafka Streams metrics.
     */
    private long publishChallengerMetrics(LiveModel entry, ModelStore.Challenger challenger, long now) {
        ModelMetrics metrics = challenger.metrics().toMessage(challenger.id(), challenger.model().updates(), challenger.lastSource(), now);
        byte[] json = metrics.toJson();
        context.forward(new Record<>(challenger.id().getBytes(StandardCharsets.UTF_8), new Output(Output.Kind.METRICS, json), now));
        challenger.metrics().published();
        models.challengerUpdated(entry, challenger, challenger.lastSource());
        return json.length + BinaryModelFormat.encodedSize(challenger.model());
    }

    /**
     * Forwards {@code entry}'s metrics to the metrics topic and marks them published in the model's state, which is
     * committed in the same transaction as the record: read_committed consumers see one record per model and interval.
     * {@link PublishedMetrics} and the Kafka Streams metrics see the value at once (before the commit).
     */
    private long publishMetrics(LiveModel entry, long now) {
        ModelMetrics metrics = entry.metrics().toMessage(entry.id(), entry.model().updates(), entry.lastSource(), now);
        if (entry.definition().features() != null) {
            PendingEvents.Counts counts = pending.counts(entry.id());
            metrics = metrics.withLabels(new ModelMetrics.Labels(counts.pending(), counts.joined(), counts.expired(), counts.evicted()));
        }
        byte[] json = metrics.toJson();
        context.forward(new Record<>(entry.id().getBytes(StandardCharsets.UTF_8), new Output(Output.Kind.METRICS, json), now));
        entry.metrics().published();
        models.metricsChanged(entry);
        publishedMetrics.published(metrics);
        published.add(entry.id());
        ModelSensors modelSensors = sensors.get(entry.id());
        // a model beyond the cap asks again at each publication: a slot freed meanwhile goes to the next one to publish
        if (modelSensors == null && series.acquire(entry.id())) {
            modelSensors = new ModelSensors(context.metrics(), Thread.currentThread().getName(), context.taskId().toString(), entry.id());
            sensors.put(entry.id(), modelSensors);
        }
        if (modelSensors != null) {
            modelSensors.update(metrics);
        }
        // the record, and the model written again at the commit (its metrics are marked published)
        return json.length + BinaryModelFormat.encodedSize(entry.model());
    }

    private void publishSnapshot(LiveModel entry, long timestamp) {
        publishSnapshot(entry, timestamp, true);
    }

    /**
     * Publishes a snapshot of {@code entry}; {@code retain}: also keep it for rollbacks ({@code snapshot.history}).
     *
     * @return the bytes it produces: the snapshot, and the model written again at the commit
     */
    private long publishSnapshot(LiveModel entry, long timestamp, boolean retain) {
        // a model with a feature spec publishes backstream.mlp/v2: the spec and the preprocessing state score a raw event
        byte[] json = SnapshotJson.toBytes(new Snapshot(entry.id(), entry.model(), CommittedModel.snapshotExtras(entry.lastSource()),
                entry.definition().features(), entry.preprocessing()));
        models.snapshotPublished(entry);
        if (retain) {
            models.retainSnapshot(entry, management.snapshotHistory());
        }
        context.forward(new Record<>(entry.id().getBytes(StandardCharsets.UTF_8), new Output(Output.Kind.SNAPSHOT, json), timestamp));
        return json.length + BinaryModelFormat.encodedSize(entry.model());
    }

    /** A dead letter with the record's original bytes (re-written only for records repartitioned without them). */
    private void deadLetter(Record<byte[], RoutedSample> record, RejectReason reason, String message) {
        RoutedSample routed = record.value();
        byte[] value = routed.sourceValue() != null || routed.sample() == null ? routed.sourceValue() : routed.sample().toJson();
        byte[] json = deadLetters.json(reason, message, routed.source(), routed.sourceKey(), value);
        context.forward(new Record<>(routed.sourceKey(), new Output(Output.Kind.DEAD_LETTER, json), record.timestamp()));
    }

    @Override
    public void close() {
        if (punctuator != null) {
            punctuator.cancel();
        }
        if (metricsPunctuator != null) {
            metricsPunctuator.cancel();
        }
        if (committedPunctuator != null) {
            committedPunctuator.cancel();
        }
        if (expiryPunctuator != null) {
            expiryPunctuator.cancel();
        }
        if (evictionPunctuator != null) {
            evictionPunctuator.cancel();
        }
        if (gauges != null) {
            gauges.remove();
            gauges = null;
        }
        if (pacing != null) {
            pacing.unregister(models);
            pacing = null;
        }
        for (String model : published) {
            publishedMetrics.removed(model);
        }
        published.clear();
        for (Map.Entry<String, ModelSensors> model : sensors.entrySet()) {
            model.getValue().remove();
            series.release(model.getKey());
        }
        sensors.clear();
    }
}
