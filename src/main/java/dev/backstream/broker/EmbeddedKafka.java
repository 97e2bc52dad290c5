package dev.backstream.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import dev.backstream.app.TopicSetup;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real single-node Kafka cluster (KRaft, broker and controller in one node) running in this JVM, on free
 * loopback ports, for the demo and the integration tests. Not a mock: it is Kafka's own {@code KafkaRaftServer}.
 *
 * <p>Settings for one node: replication factor 1 for the offsets and transaction-state topics (exactly-once needs
 * the latter), no initial rebalance delay, the latest production metadata version (formatting without it makes
 * start-up wait about a minute for features to settle), and 16 MiB messages so that large model snapshots fit.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final Path directory;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(Path directory, boolean deleteOnClose, String bootstrapServers, KafkaRaftServer server) {
        this.directory = directory;
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = bootstrapServers;
        this.server = server;
    }

    /** Starts a broker with its data in a new temporary directory, deleted on close. */
    public static EmbeddedKafka start() throws IOException {
        return start(Files.createTempDirectory("backstream-kafka"), true);
    }

    /** Starts a broker with its data in {@code directory}. */
    public static EmbeddedKafka start(Path directory, boolean deleteOnClose) throws IOException {
        int brokerPort = freePort();
        int controllerPort = freePort();
        String logDir = directory.resolve("log").toString();
        Map<String, Object> config = new HashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", "1");
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("log.dirs", logDir);
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "2");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "2");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("auto.create.topics.enable", "false");
        config.put("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        config.put("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        config.put("num.partitions", "1");
        config.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        // The cleaner sleeps this long whenever it finds nothing to compact (15 s by default). A model changelog gains a
        // segment of stored models every few commits, and a restart replays whatever is not compacted yet: check every
        // second so that the tail stays short (README: "Fast restarts", the same setting for a production broker).
        config.put("log.cleaner.backoff.ms", "1000");
        KafkaConfig kafkaConfig = new KafkaConfig(config, false);
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .setDirectories(List.of(logDir))
                    .setMetadataLogDirectory(logDir)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setUnstableFeatureVersionsEnabled(false)
                    .setControllerListenerName("CONTROLLER")
                    .run();
        } catch (Exception e) {
            throw new IOException("could not format the embedded Kafka storage in " + logDir, e);
        }
        KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
        server.startup();
        EmbeddedKafka kafka = new EmbeddedKafka(directory, deleteOnClose, "127.0.0.1:" + brokerPort, server);
        kafka.awaitReady();
        return kafka;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private void awaitReady() {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the embedded broker did not come up on " + bootstrapServers, e);
        }
    }

    /** {@code host:port} of the broker's listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** An admin client for this broker; close it after use. */
    public Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(properties);
    }

    /** Creates topics (existing ones are kept) and waits until every partition has a leader. */
    public void createTopics(Collection<NewTopic> topics) {
        TopicSetup.create(bootstrapServers, List.copyOf(topics));
    }

    /** Stops the broker (idempotent) and deletes its data if it was temporary. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            try {
                Utils.delete(directory.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
