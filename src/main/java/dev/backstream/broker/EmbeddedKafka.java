package dev.backstream.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 *
 * <p>By default the broker listens on {@code PLAINTEXT} and anyone may do anything. {@link #startSecured} starts it
 * as a production cluster is secured instead: clients reach it only through {@code SASL_SSL} (PLAIN and
 * SCRAM-SHA-512), and {@code StandardAuthorizer} denies whatever no ACL allows, except to one super user.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final Path directory;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private final KafkaRaftServer server;
    private final Map<String, Object> adminProperties;
    private boolean closed;

    private EmbeddedKafka(Path directory, boolean deleteOnClose, String bootstrapServers, KafkaRaftServer server,
                          Map<String, Object> adminProperties) {
        this.directory = directory;
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = bootstrapServers;
        this.server = server;
        this.adminProperties = Map.copyOf(adminProperties);
    }

    /**
     * How a secured broker identifies itself and its super user.
     *
     * @param keyStore      PKCS12 key store with the broker's key and a certificate valid for 127.0.0.1
     * @param trustStore    PKCS12 trust store that trusts that certificate (the broker talks to itself over TLS too)
     * @param storePassword password of both stores and of the key
     * @param superUser     user name of the super user, who authenticates with SASL PLAIN; the broker uses it as well
     * @param superPassword that user's password
     */
    public record Security(Path keyStore, Path trustStore, String storePassword, String superUser, String superPassword) {
        /** Client settings (SASL_SSL, PLAIN) of a client that authenticates as the super user. */
        public Map<String, Object> superUserClient() {
            return clientSettings("PLAIN", plainLogin(superUser, superPassword));
        }

        /** Client settings (SASL_SSL, SCRAM-SHA-512) of a client that authenticates as {@code user}. */
        public Map<String, Object> scramClient(String user, String password) {
            return clientSettings("SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                    + user + "\" password=\"" + password + "\";");
        }

        private Map<String, Object> clientSettings(String mechanism, String jaas) {
            return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", mechanism, "sasl.jaas.config", jaas,
                    "ssl.truststore.location", trustStore.toString(), "ssl.truststore.type", "PKCS12",
                    "ssl.truststore.password", storePassword);
        }

        private static String plainLogin(String user, String password) {
            return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
        }
    }

    /** Starts a broker with its data in a new temporary directory, deleted on close. */
    public static EmbeddedKafka start() throws IOException {
        return start(Files.createTempDirectory("backstream-kafka"), true);
    }

    /** Starts a broker with its data in {@code directory}. */
    public static EmbeddedKafka start(Path directory, boolean deleteOnClose) throws IOException {
        return start(directory, deleteOnClose, null);
    }

    /**
     * Starts a secured broker with its data in a new temporary directory, deleted on close: its only client listener
     * is {@code SASL_SSL} (mechanisms PLAIN and SCRAM-SHA-512, no client certificates), its controller listener
     * {@code SASL_PLAINTEXT} on loopback; {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}
     * allows nothing without an ACL except to {@link Security#superUser}. SCRAM users are created afterwards with
     * {@link Admin#alterUserScramCredentials} as the super user ({@link #admin()}).
     */
    public static EmbeddedKafka startSecured(Security security) throws IOException {
        return start(Files.createTempDirectory("backstream-kafka"), true, security);
    }

    private static EmbeddedKafka start(Path directory, boolean deleteOnClose, Security security) throws IOException {
        int brokerPort = freePort();
        int controllerPort = freePort();
        String logDir = directory.resolve("log").toString();
        Map<String, Object> config = new HashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", "1");
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("controller.listener.names", "CONTROLLER");
        String listener = security == null ? "PLAINTEXT" : "SASL_SSL";
        config.put("listeners", listener + "://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", listener + "://127.0.0.1:" + brokerPort);
        config.put("inter.broker.listener.name", listener);
        if (security == null) {
            config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        } else {
            config.putAll(securedListeners(security));
        }
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
        String bootstrap = "127.0.0.1:" + brokerPort;
        Map<String, Object> admin = new HashMap<>(security == null ? Map.of() : security.superUserClient());
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        EmbeddedKafka kafka = new EmbeddedKafka(directory, deleteOnClose, bootstrap, server, admin);
        kafka.awaitReady();
        return kafka;
    }

    /**
     * Broker settings of the secured listeners. The broker is a client of itself (transaction markers go to partition
     * leaders over the inter-broker listener, the broker registers with the controller): it logs in as the super user
     * with PLAIN, whose server side is the same JAAS entry's {@code user_<name>} password.
     */
    private static Map<String, Object> securedListeners(Security security) {
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + security.superUser()
                + "\" password=\"" + security.superPassword() + "\" user_" + security.superUser() + "=\"" + security.superPassword() + "\";";
        Map<String, Object> config = new HashMap<>();
        config.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT");
        config.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        config.put("sasl.mechanism.controller.protocol", "PLAIN");
        config.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        config.put("listener.name.controller.plain.sasl.jaas.config", plain);
        config.put("listener.name.sasl_ssl.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        config.put("listener.name.sasl_ssl.plain.sasl.jaas.config", plain);
        config.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        config.put("ssl.keystore.type", "PKCS12");
        config.put("ssl.keystore.location", security.keyStore().toString());
        config.put("ssl.keystore.password", security.storePassword());
        config.put("ssl.key.password", security.storePassword());
        config.put("ssl.truststore.type", "PKCS12");
        config.put("ssl.truststore.location", security.trustStore().toString());
        config.put("ssl.truststore.password", security.storePassword());
        config.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        config.put("allow.everyone.if.no.acl.found", "false");
        config.put("super.users", "User:" + security.superUser());
        return config;
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

    /** An admin client for this broker (on a secured broker, logged in as the super user); close it after use. */
    public Admin admin() {
        return Admin.create(adminProperties);
    }

    /** Settings of the clients {@link #admin()} creates: bootstrap servers and, if secured, the super user's login. */
    public Map<String, Object> adminProperties() {
        return adminProperties;
    }

    /** Creates topics (existing ones are kept) and waits until every partition has a leader. */
    public void createTopics(Collection<NewTopic> topics) {
        TopicCreator.create(adminProperties, List.copyOf(topics));
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
