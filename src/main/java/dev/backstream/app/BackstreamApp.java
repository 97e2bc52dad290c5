package dev.backstream.app;

import dev.backstream.http.HttpServer;
import dev.backstream.http.ModelWrites;
import dev.backstream.http.ModelsApi;
import dev.backstream.http.Peers;
import dev.backstream.http.PrometheusMetrics;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.stream.BackstreamTopology;
import dev.backstream.stream.CommittedModels;
import dev.backstream.stream.Activity;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.PublishedMetrics;
import dev.backstream.stream.UnpublishedDeadLetters;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The running application: the topology of {@link BackstreamTopology} in a {@link KafkaStreams} instance, with
 * logging of what it serves and a clean shutdown. Used by {@code backstream run} and the integration tests.
 */
public final class BackstreamApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackstreamApp.class);

    private final BackstreamConfig config;
    private final ModelCatalog catalog;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private final Properties properties;
    private final UnpublishedDeadLetters unpublished;
    private final Topology topology;
    private final Activity activity;
    private final PublishedMetrics metrics;
    private final CommittedModels models;
    /** Which models have per-model metric series: shared by the stream threads and the Prometheus endpoint. */
    private final ModelSeriesSlots series;
    private volatile KafkaStreams streams;
    private ScheduledExecutorService summaries;
    private PrometheusMetrics prometheus;
    private volatile HttpServer http;
    /** The HTTP API's commands; opened only when writes are enabled ({@code http.token}). */
    private KafkaCommandChannel commands;

    public BackstreamApp(BackstreamConfig config, ModelCatalog catalog) {
        this(config, catalog, new Properties());
    }

    /**
     * The application, not yet started: nothing connects, no thread runs and no Kafka client exists until {@link #start()}.
     *
     * @param overrides Kafka Streams properties applied last (tests use them for fast settings)
     */
    public BackstreamApp(BackstreamConfig config, ModelCatalog catalog, Properties overrides) {
        this.config = config;
        this.catalog = catalog;
        this.properties = StreamsSettings.properties(config, catalog);
        properties.putAll(overrides);
        // shared by the production exception handler (which learns of a refused dead letter) and the topology
        this.unpublished = new UnpublishedDeadLetters();
        properties.put(UnpublishedDeadLetters.CONFIG, unpublished);
        this.activity = new Activity();
        this.metrics = new PublishedMetrics();
        this.models = new CommittedModels();
        this.series = new ModelSeriesSlots(config.metricsModelSeriesMax());
        this.topology = BackstreamTopology.build(StreamsSettings.topology(config, catalog), catalog, new BackstreamTopology.Shared(unpublished, activity, metrics, models, series));
    }

    private KafkaStreams createStreams() {
        KafkaStreams created = new KafkaStreams(topology, properties);
        created.setUncaughtExceptionHandler(exception -> {
            if (unpublished.takeExpectedThreadFailure()) {
                LOG.warn("replacing a stream thread whose transaction held a refused dead letter; its tasks resume from their last commit");
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            failure = explainAuthorizationFailure(exception, config);
            LOG.error("stream thread failed; shutting the application down: {}", failure.getMessage(), exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        created.setStateListener((newState, oldState) -> {
            LOG.info("state {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.NOT_RUNNING || newState == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        return created;
    }

    /** Up to this many models, the start-up log line names each of them; above, it only counts them. */
    static final int STARTUP_IDS_LISTED = 10;

    /**
     * The start-up log line: where the application connects, as what, with which models, and the settings passed
     * through to Kafka Streams, the value of every secret among them hidden ({@link Secrets}).
     */
    static String startupMessage(BackstreamConfig config, ModelCatalog catalog) {
        return "connecting to " + config.bootstrapServers() + " as application " + config.applicationId() + " ("
                + config.processingGuarantee() + "); serving " + describe(catalog)
                + (config.passThrough().isEmpty() ? "" : "; Kafka settings: " + Secrets.describe(config.passThrough()));
    }

    /**
     * The catalog in a few words, whatever its size: the number of models and, for each architecture and optimizer,
     * how many models have it (most common first), e.g. {@code 5000 model(s): 5000 × 8-32(sigmoid)-1(sigmoid)
     * binary_cross_entropy sgd}; the ids of each group in parentheses when the catalog has at most
     * {@value #STARTUP_IDS_LISTED} models.
     */
    static String describe(ModelCatalog catalog) {
        Map<String, List<String>> idsByKind = new TreeMap<>();
        for (ModelDefinition definition : catalog.all()) {
            idsByKind.computeIfAbsent(definition.architecture().describe() + " " + definition.optimizer().type(), kind -> new ArrayList<>())
                    .add(definition.id());
        }
        boolean listIds = catalog.all().size() <= STARTUP_IDS_LISTED;
        return catalog.all().size() + " model(s): " + idsByKind.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, List<String>> e) -> -e.getValue().size()).thenComparing(Map.Entry::getKey))
                .map(e -> e.getValue().size() + " × " + e.getKey() + (listIds ? " (" + e.getValue().stream().sorted().collect(Collectors.joining(", ")) + ")" : ""))
                .collect(Collectors.joining("; "));
    }

    /**
     * If an authorization error is among the causes of {@code failure}, an exception whose message says which
     * permission the application's user lacks, with {@code failure} as its cause; otherwise {@code failure} itself.
     * Kafka's own message does not always name the resource: a transactional-id failure says only "Transactional Id
     * authorization failed.", a failed internal-topic creation "Authorization failed.".
     */
    static Throwable explainAuthorizationFailure(Throwable failure, BackstreamConfig config) {
        String app = config.applicationId();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String missing = null;
            if (cause instanceof TransactionalIdAuthorizationException) {
                missing = "WRITE on transactional ids prefixed " + app + "- (exactly-once producers)";
            } else if (cause instanceof GroupAuthorizationException group) {
                missing = "READ on group " + (group.groupId() != null ? group.groupId() : app);
            } else if (cause instanceof TopicAuthorizationException topic && !topic.unauthorizedTopics().isEmpty()) {
                missing = "access to topic(s) " + topic.unauthorizedTopics() + " (" + describe(topic.unauthorizedTopics(), app) + ")";
            } else if (cause instanceof TopicAuthorizationException) {
                // e.g. "Could not create topic <application.id>-...-repartition.": the topic is in the outer message
                missing = "access to a topic (" + failure.getMessage() + ")";
            } else if (cause instanceof ClusterAuthorizationException) {
                missing = "an operation on the cluster: " + cause.getMessage();
            }
            if (missing != null) {
                return new IllegalStateException("not authorized: the application's user needs " + missing
                        + " (README: \"Secured clusters\" lists every ACL)", failure);
            }
        }
        return failure;
    }

    private static String describe(Set<String> topics, String applicationId) {
        return topics.stream().allMatch(t -> t.startsWith(applicationId + "-"))
                ? "internal topics: CREATE, READ, WRITE and DELETE on topics prefixed " + applicationId + "-"
                : "READ on inputs, WRITE on outputs";
    }

    /**
     * Checks that the broker answers, the topic permissions, that every topic exists and that the inputs are
     * co-partitioned ({@link StartupChecks#checkBeforeStart}), then starts processing.
     *
     * @throws IllegalStateException naming the unreachable broker, the missing permissions, the missing topics or the
     *                               inputs' partition counts
     */
    public synchronized void start() {
        if (streams != null) {
            throw new IllegalStateException("already started");
        }
        LOG.info(startupMessage(config, catalog));
        // The checks need their own admin client and round trips (~0.5 s at start-up): run them while Kafka Streams
        // builds its clients. A restart after a crash waits for this too.
        FutureTask<Void> startupCheck = new FutureTask<>(() -> {
            StartupChecks.checkBeforeStart(config.adminProperties(), config.topics());
            return null;
        });
        Thread check = new Thread(startupCheck, "backstream-startup-check");
        check.setDaemon(true);
        check.start();
        // The HTTP server first: its port is this instance's address in Kafka Streams' metadata (application.server).
        prometheus = new PrometheusMetrics(metrics, activity.totals(), series);
        StreamsDirectory directory = new StreamsDirectory(models);
        HttpSettings httpSettings = new HttpSettings(config);
        String token = config.password(BackstreamConfig.HTTP_TOKEN);
        commands = new KafkaCommandChannel(config);
        ModelWrites writes = new ModelWrites(token, commands, config.httpMaxBodyBytes(), config.maxRecordBytes(),
                config.snapshotEveryUpdates(), ModelWrites.DEFAULT_TIMEOUT);
        ModelsApi api = new ModelsApi(catalog, models, metrics, directory, new Peers(httpSettings.peerTrust()),
                config.httpMaxBatch(), config.httpMaxBodyBytes(), config.maxFeatures(), writes);
        try {
            http = HttpServer.start(httpSettings.server(), prometheus, api);
        } catch (IllegalStateException e) {
            prometheus.close();
            throw e;
        }
        String self = httpSettings.advertised(http.port(), properties);
        properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self);
        KafkaStreams created = createStreams();
        directory.attach(self, created);
        try {
            startupCheck.get();
        } catch (InterruptedException e) {
            created.close(Duration.ZERO);
            closeHttp();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics", e);
        } catch (ExecutionException e) {
            created.close(Duration.ZERO);
            closeHttp();
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("cannot check the topics", e.getCause());
        }
        if (token != null && !token.isEmpty()) {
            try {
                commands.open();
            } catch (RuntimeException e) {
                created.close(Duration.ZERO);
                closeHttp();
                throw new IllegalStateException("cannot open the HTTP API's commands (a producer to " + config.topics().control()
                        + ", a consumer of " + config.topics().modelEvents() + "): " + e.getMessage(), e);
            }
            LOG.info("HTTP writes enabled (http.token is set): commands go to {}, outcomes are read from {}",
                    config.topics().control(), config.topics().modelEvents());
        }
        prometheus.bind(created);
        streams = created;
        streams.start();
        summaries = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "backstream-summary");
            thread.setDaemon(true);
            return thread;
        });
        summaries.scheduleAtFixedRate(() -> LOG.info("last minute: {}", activity.takeSummary()), 1, 1, TimeUnit.MINUTES);
        // while Kafka Streams joins the group and restores (mostly waiting on the broker), compile the record path
        JitWarmUp.startInBackground(catalog, activity.totals()::anyPrediction);
    }

    private void closeHttp() {
        http.close();
        prometheus.close();
        commands.close();
    }

    /**
     * The HTTP server's address with {@code path}, e.g. {@code httpUrl("/metrics")} → {@code http://127.0.0.1:8080/metrics}.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public String httpUrl(String path) {
        HttpServer server = http;
        if (server == null) {
            throw new IllegalStateException("the application is not started");
        }
        return server.url(path);
    }

    /** The running Kafka Streams instance. @throws IllegalStateException before {@link #start()} */
    public KafkaStreams streams() {
        KafkaStreams running = streams;
        if (running == null) {
            throw new IllegalStateException("the application is not started");
        }
        return running;
    }

    public BackstreamConfig config() {
        return config;
    }

    /** What made a stream thread fail, if one did; the application shuts down when that happens. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Blocks until the application stops; returns whether it stopped because of a failure ({@link #failure()}). */
    public boolean awaitStop() throws InterruptedException {
        stopped.await();
        return failure != null || streams().state() == KafkaStreams.State.ERROR;
    }

    /** Which models have per-model metric series on this instance ({@code metrics.model.series.max}). */
    public ModelSeriesSlots modelSeries() {
        return series;
    }

    /** The latest published metrics of each model this instance owns. */
    public PublishedMetrics metrics() {
        return metrics;
    }

    /** Counts of what the application did since the last summary line. */
    public Activity activity() {
        return activity;
    }

    /**
     * {@link #awaitStop()} for at most {@code timeout}.
     *
     * @throws TimeoutException if the application is still running after {@code timeout}
     */
    public boolean awaitStop(Duration timeout) throws InterruptedException, TimeoutException {
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("still " + streams().state() + " after " + timeout);
        }
        return failure != null || streams().state() == KafkaStreams.State.ERROR;
    }

    /**
     * Stops processing, commits, and leaves the consumer group, waiting at most 30 s. Leaving matters with static
     * membership ({@code group.instance.id}): a static member that merely closes stays in the group until its session
     * expires ({@code session.timeout.ms}, 45 s by default), and its tasks wait unprocessed until then. A planned stop
     * should hand its tasks over at once; a crash (no close) keeps the member, so that a quick restart gets its own
     * tasks back without a rebalance.
     */
    @Override
    public synchronized void close() {
        if (summaries != null) {
            summaries.shutdownNow();
        }
        if (streams == null) {
            return; // never started: nothing to close
        }
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        // after Kafka Streams, so that a scrape during the shutdown still answers
        closeHttp();
    }
}
