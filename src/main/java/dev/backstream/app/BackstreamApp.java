package dev.backstream.app;

import dev.backstream.stream.BackstreamTopology;
import dev.backstream.stream.StreamsSettings;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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
    private final FutureTask<Void> copartitionCheck;

    public BackstreamApp(BackstreamConfig config, ModelCatalog catalog) {
        this(config, catalog, new Properties());
    }

    /** @param overrides Kafka Streams properties applied last (tests use them for fast settings) */
    public BackstreamApp(BackstreamConfig config, ModelCatalog catalog, Properties overrides) {
        this.config = config;
        this.catalog = catalog;
        // The check needs its own admin client and a round trip (~0.5 s at start-up): run it while Kafka Streams builds
        // its clients, and wait for it in start(). A restart after a crash waits for this too.
        this.copartitionCheck = new FutureTask<>(() -> {
            TopicSetup.requireCopartitionedInputs(config.bootstrapServers(), config.topics());
            return null;
        });
        Thread check = new Thread(copartitionCheck, "backstream-topic-check");
        check.setDaemon(true);
        check.start();
        Properties properties = StreamsSettings.properties(config, catalog);
        properties.putAll(overrides);
        this.streams = new KafkaStreams(BackstreamTopology.build(config, catalog), properties);
        streams.setUncaughtExceptionHandler(exception -> {
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
     * Checks that the input topics are co-partitioned, then starts processing.
     *
     * @throws IllegalStateException if the input topics are missing or have different partition counts
     */
    public void start() {
        try {
            copartitionCheck.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the input topics", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("cannot check the input topics", e.getCause());
        }
        streams.start();
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

    /**
     * Stops processing, commits, and leaves the consumer group, waiting at most 30 s. Leaving matters with static
     * membership ({@code group.instance.id}): a static member that merely closes stays in the group until its session
     * expires ({@code session.timeout.ms}, 45 s by default), and its tasks wait unprocessed until then. A planned stop
     * should hand its tasks over at once; a crash (no close) keeps the member, so that a quick restart gets its own
     * tasks back without a rebalance.
     */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
