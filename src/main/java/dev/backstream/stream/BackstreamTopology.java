package dev.backstream.stream;

import dev.backstream.model.ModelCatalog;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

import java.util.Map;
import java.util.Set;

/**
 * Builds the application's topology: a pure function of the configuration and the declared models, shared by
 * {@code backstream run} and the tests.
 *
 * <pre>
 *  samples ──────► route-samples ─────┐                  ┌─► dead letters (model events for unreadable commands)
 *  score-requests ► route-score-requests ┤─► valid? ──no──┘
 *  control ───────► route-commands ──────┤
 *  events ────────► route-events ────────┤
 *  labels ────────► route-labels ────────┘
 *                                            │ keyed by model id? ─yes──────────────┐
 *                                            └─no─► repartition "samples-by-model" ─┴─► models (store "models")
 *                                                                                        ├─► predictions
 *                                                                                        ├─► model snapshots
 *                                                                                        ├─► metrics
 *                                                                                        ├─► model events
 *                                                                                        └─► dead letters
 * </pre>
 * Every record of a model reaches the one task that owns the model: records keyed by the model id (with the default
 * partitioner) are already in the right partition; all others are re-keyed and go through the internal repartition
 * topic. The samples, score-requests, control, events and labels topics and the repartition topic must therefore have the
 * same number of partitions.
 */
public final class BackstreamTopology {
    /** The name of the model store (and of its changelog topic, {@code <application.id>-models-changelog}). */
    public static final String STORE = "models";
    /**
     * The name of the store of events waiting for delayed labels (and of its changelog topic,
     * {@code <application.id>-pending-events-changelog}).
     */
    public static final String PENDING_STORE = "pending-events";
    /** The name of the internal repartition topic ({@code <application.id>-samples-by-model-repartition}). */
    public static final String REPARTITION = "samples-by-model";

    private BackstreamTopology() {
    }

    /**
     * What the topology's processors share with the rest of the application.
     *
     * @param unpublishedDeadLetters the registry the application's {@link OutputFailureHandler} fills, so that a record
     *                               whose dead letter was refused gets a reduced one when it is processed again
     * @param activity               counts of records learned, predictions and dead letters, for the summary log line
     * @param metrics                the latest published metrics of each model owned here, for the HTTP layer
     * @param models                 the committed state of each model owned here, for the HTTP layer
     * @param series                 which models have per-model metric series, one count for the whole instance
     *                               ({@code metrics.model.series.max}), read by the HTTP layer's Prometheus endpoint too
     */
    public record Shared(UnpublishedDeadLetters unpublishedDeadLetters, Activity activity, PublishedMetrics metrics,
                         CommittedModels models, ModelSeriesSlots series) {
        /** Fresh ones, for a topology used on its own (tests, benchmarks), with the default series cap. */
        public static Shared fresh() {
            return fresh(ModelSeriesSlots.DEFAULT_MAX);
        }

        /** Fresh ones, at most {@code seriesMax} models with per-model metric series. */
        public static Shared fresh(int seriesMax) {
            return new Shared(new UnpublishedDeadLetters(), new Activity(), new PublishedMetrics(), new CommittedModels(),
                    new ModelSeriesSlots(seriesMax));
        }
    }

    /** The topology with shared parts of its own (tests and benchmarks; the application passes its own). */
    public static Topology build(TopologySettings settings, ModelCatalog catalog) {
        return build(settings, catalog, Shared.fresh());
    }

    public static Topology build(TopologySettings settings, ModelCatalog catalog, Shared shared) {
        DeadLetterWriter deadLetters = new DeadLetterWriter(settings.deadLetterFieldBytes(), shared.unpublishedDeadLetters(), shared.activity());
        // each stream thread's commit pacing: the learners decide early commits with it, and records that leave a task
        // without reaching its learner (dead letters, records re-keyed for another task) count in it too
        CommitPacing.PerThread pacings = new CommitPacing.PerThread();
        Topics topics = settings.topics();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(modelStore(settings, shared.models()));
        builder.addStateStore(PendingEvents.builder(PENDING_STORE, settings.changelogConfig()));

        KStream<byte[], Routed> samples = builder
                .stream(topics.samples(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("samples"))
                .process(router(catalog, true, settings, deadLetters), Named.as("route-samples"));
        KStream<byte[], Routed> scoreRequests = builder
                .stream(topics.scoreRequests(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("score-requests"))
                .process(router(catalog, false, settings, deadLetters), Named.as("route-score-requests"));

        int maxCommandBytes = settings.maxRecordBytes();
        KStream<byte[], Routed> commands = builder
                .stream(topics.control(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("control"))
                .process(() -> new CommandRouter(maxCommandBytes), Named.as("route-commands"));

        KStream<byte[], Routed> events = builder
                .stream(topics.events(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("events"))
                .process(eventRouter(RoutedEvent.Kind.EVENT, settings, deadLetters), Named.as("route-events"));
        KStream<byte[], Routed> labels = builder
                .stream(topics.labels(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("labels"))
                .process(eventRouter(RoutedEvent.Kind.LABEL, settings, deadLetters), Named.as("route-labels"));

        Map<String, KStream<byte[], Routed>> routed = samples.merge(scoreRequests, Named.as("routed"))
                .merge(commands, Named.as("routed-with-commands"))
                .merge(events, Named.as("routed-with-events"))
                .merge(labels, Named.as("routed-with-labels"))
                .split(Named.as("routed-"))
                .branch((key, value) -> value instanceof Routed.Rejected, Branched.as("rejected"))
                .branch((key, value) -> value instanceof Routed.RejectedCommand, Branched.as("rejected-command"))
                .branch((key, value) -> ((Routed.Accepted) value).keyedByModel(), Branched.as("keyed-by-model"))
                .defaultBranch(Branched.as("rekeyed"));

        routed.get("routed-rejected")
                .peek((key, value) -> pacings.current().recordProcessed(), Named.as("rejected-counted"))
                .mapValues(value -> ((Routed.Rejected) value).json(), Named.as("rejected-json"))
                .to(topics.deadLetters(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("router-dead-letters"));

        routed.get("routed-rejected-command")
                .peek((key, value) -> pacings.current().recordProcessed(), Named.as("rejected-command-counted"))
                .mapValues(value -> ((Routed.RejectedCommand) value).json(), Named.as("rejected-command-json"))
                .to(topics.modelEvents(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("router-model-events"));

        KStream<byte[], RoutedSample> direct = routed.get("routed-keyed-by-model")
                .mapValues(value -> ((Routed.Accepted) value).sample(), Named.as("keyed-sample"));
        KStream<byte[], RoutedSample> repartitioned = routed.get("routed-rekeyed")
                .peek((key, value) -> pacings.current().recordProcessed(), Named.as("rekeyed-counted"))
                .mapValues(value -> ((Routed.Accepted) value).sample(), Named.as("rekeyed-sample"))
                .repartition(Repartitioned.with(Serdes.ByteArray(), new RoutedSampleSerde()).withName(REPARTITION));

        Map<String, KStream<byte[], Output>> outputs = direct.merge(repartitioned, Named.as("by-model"))
                .process(learner(catalog, settings, deadLetters, shared, pacings), Named.as("models"), STORE, PENDING_STORE)
                .split(Named.as("output-"))
                .branch((key, value) -> value.kind() == Output.Kind.PREDICTION, Branched.as("predictions"))
                .branch((key, value) -> value.kind() == Output.Kind.SNAPSHOT, Branched.as("snapshots"))
                .branch((key, value) -> value.kind() == Output.Kind.METRICS, Branched.as("metrics"))
                .branch((key, value) -> value.kind() == Output.Kind.MODEL_EVENT, Branched.as("model-events"))
                .defaultBranch(Branched.as("dead-letters"));
        outputs.get("output-predictions").mapValues(Output::json, Named.as("prediction-json"))
                .to(topics.predictions(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("predictions"));
        outputs.get("output-snapshots").mapValues(Output::json, Named.as("snapshot-json"))
                .to(topics.snapshots(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("model-snapshots"));
        outputs.get("output-metrics").mapValues(Output::json, Named.as("metrics-json"))
                .to(topics.metrics(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("model-metrics"));
        outputs.get("output-model-events").mapValues(Output::json, Named.as("model-event-json"))
                .to(topics.modelEvents(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("model-events"));
        outputs.get("output-dead-letters").mapValues(Output::json, Named.as("learner-dead-letter-json"))
                .to(topics.deadLetters(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("learner-dead-letters"));
        return builder.build();
    }

    private static ProcessorSupplier<byte[], byte[], byte[], Routed> router(ModelCatalog catalog, boolean learn, TopologySettings settings,
                                                                            DeadLetterWriter deadLetters) {
        int maxBytes = settings.maxRecordBytes();
        int maxFeatures = settings.maxFeatures();
        return () -> new SampleRouter(learn, maxBytes, maxFeatures, deadLetters);
    }

    private static ProcessorSupplier<byte[], byte[], byte[], Routed> eventRouter(RoutedEvent.Kind kind, TopologySettings settings,
                                                                                 DeadLetterWriter deadLetters) {
        int maxBytes = settings.maxRecordBytes();
        String defaultModel = settings.events().defaultModel();
        return () -> new EventRouter(kind, maxBytes, defaultModel, deadLetters);
    }

    private static ProcessorSupplier<byte[], RoutedSample, byte[], Output> learner(ModelCatalog catalog, TopologySettings settings,
                                                                                   DeadLetterWriter deadLetters, Shared shared,
                                                                                   CommitPacing.PerThread pacings) {
        long interval = settings.snapshotIntervalMs();
        long metricsInterval = settings.metrics().intervalMs();
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], RoutedSample, byte[], Output> get() {
                return new ModelProcessor(catalog, STORE, interval, deadLetters, shared.activity(), metricsInterval, shared.metrics(),
                        shared.series(), settings.management(), PENDING_STORE, settings.events(), pacings);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return null; // the store is added to the builder once and named in process()
            }
        };
    }

    /**
     * The model store: live models persisted once per commit to RocksDB and a changelog sized from the largest declared
     * model ({@code max.message.bytes} at least twice the stored model, 32 MiB segments and eager compaction so that
     * restoring stays fast even for models updated thousands of times per second).
     */
    static StoreBuilder<ModelStore> modelStore(TopologySettings settings, CommittedModels models) {
        return ModelStore.builder(STORE, settings.changelogConfig(), settings.metrics(), models);
    }
}
