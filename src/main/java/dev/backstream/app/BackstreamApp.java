package dev.backstream.app;

import dev.backstream.stream.BackstreamTopology;
import dev.backstream.stream.Activity;
import dev.backstream.stream.StreamsSettings;
import dev.backstream.stream.UnpublishedDeadLetters;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The running application: the topology of {@link BackstreamTopology} in a {@link KafkaStreams} instance, with
 * logging of what it serves and a clean shutdown. Used by {@code backstream run} and the integration tests.
 */
public final class BackstreamApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackstreamApp.class);

    private final BackstreamConfig config;
    private final ModelCatalog catalog;
    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private final FutureTask<Void> topicCheck;
    private final Activity activity;
    private ScheduledExecutorService summaries;

    public BackstreamApp(BackstreamConfig config, ModelCatalog catalog) {
        this(config, catalog, new Properties());
    }

    /** @param overrides Kafka Streams properties applied last (tests use them for fast settings) */
    public BackstreamApp(BackstreamConfig config, ModelCatalog catalog, Properties overrides) {
        this.config = config;
        this.catalog = catalog;
        // The check needs its own admin client and a round trip (~0.5 s at start-up): run it while Kafka Streams builds
        // its clients, and wait for it in start(). A restart after a crash waits for this too.
        this.topicCheck = new FutureTask<>(() -> {
            TopicSetup.requireTopics(config.bootstrapServers(), config.topics());
            return null;
        });
        Thread check = new Thread(topicCheck, "backstream-topic-check");
        check.setDaemon(true);
        check.start();
        Properties properties = StreamsSettings.properties(config, catalog);
        properties.putAll(overrides);
        // shared by the production exception handler (which learns of a refused dead letter) and the topology
        UnpublishedDeadLetters unpublished = new UnpublishedDeadLetters();
        properties.put(UnpublishedDeadLetters.CONFIG, unpublished);
        this.activity = new Activity();
        this.streams = new KafkaStreams(BackstreamTopology.build(config, catalog, new BackstreamTopology.Shared(unpublished, activity)), properties);
        streams.setUncaughtExceptionHandler(exception -> {
            if (unpublished.takeExpectedThreadFailure()) {
                LOG.warn("replacing a stream thread whose transaction held a refused dead letter; its tasks resume from their last commit");
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            failure = exception;
            LOG.error("stream thread failed; shutting the application down", exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((newState, oldState) -> {
            LOG.info("state {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.NOT_RUNNING || newState == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        LOG.info("connecting to {} as application {} ({}); serving {} model(s): {}", config.bootstrapServers(),
                config.applicationId(), config.processingGuarantee(), catalog.all().size(),
                catalog.all().stream().map(d -> d.id() + " " + d.initial().architecture().describe() + " " + d.initial().optimizer().type())
                        .sorted().collect(Collectors.joining("; ")));
    }

    /**
     * Checks that the broker answers, that every topic exists and that the inputs are co-partitioned
     * ({@link TopicSetup#requireTopics}), then starts processing.
     *
     * @throws IllegalStateException naming the unreachable broker, the missing topics or the inputs' partition counts
     */
    public void start() {
        try {
            topicCheck.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("cannot check the topics", e.getCause());
        }
        streams.start();
        summaries = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "backstream-summary");
            thread.setDaemon(true);
            return thread;
        });
        summaries.scheduleAtFixedRate(() -> LOG.info("last minute: {}", activity.takeSummary()), 1, 1, TimeUnit.MINUTES);
        // while Kafka Streams joins the group and restores (mostly waiting on the broker), compile the record path
        JitWarmUp.startInBackground(catalog);
    }

    public KafkaStreams streams() {
        return streams;
    }

    public BackstreamConfig config() {
        return config;
    }

    /** Blocks until the application stops; returns whether it stopped because of a failure. */
    public boolean awaitStop() throws InterruptedException {
        stopped.await();
        return failure != null || streams.state() == KafkaStreams.State.ERROR;
    }

    /** Counts of what the application did since the last summary line. */
    public Activity activity() {
        return activity;
    }

    @Override
    public void close() {
        if (summaries != null) {
            summaries.shutdownNow();
        }
        streams.close(Duration.ofSeconds(30));
    }
}
