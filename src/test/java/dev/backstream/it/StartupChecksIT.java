package dev.backstream.it;

import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.broker.TopicCreator;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up refuses to run against topics it could not use, naming them, before Kafka Streams starts: every topic the
 * application reads or writes must exist, and the broker must be reachable.
 */
@DisplayName("Start-up checks")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StartupChecksIT extends WithEmbeddedBroker {

    /** Generous bound against a hang; the checks answer in well under a second on a reachable broker. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    @TempDir
    Path stateDir;

    private static ModelCatalog shippedModels() throws IOException {
        return ModelCatalog.load(Path.of("config/models"), 1000);
    }

    private BackstreamConfig config(String name, Map<String, String> overrides) {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, name, stateDir);
        settings.putAll(overrides);
        return new BackstreamConfig(settings, null);
    }

    private static IllegalStateException startFails(BackstreamConfig config) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (BackstreamApp app = new BackstreamApp(config, shippedModels())) {
                return assertThrows(IllegalStateException.class, app::start);
            }
        });
    }

    @Test
    void aNormalStartOfTheRealJarLogsWhereItConnectedAndNoWarnings() throws Exception {
        Path jar = Path.of("target/backstream.jar");
        assertTrue(Files.exists(jar), "run `mvn package` first: this test runs the real jar in a child JVM");
        // not under java.io.tmpdir, which Kafka Streams rightly warns about
        Path state = Files.createDirectories(Path.of("target", "it-state", "clean-start-" + System.nanoTime()));
        BackstreamConfig config = config("clean-start", Map.of(BackstreamConfig.STATE_DIR, state.toAbsolutePath().toString()));
        kafka.createTopics(TopicCreator.topics(config.topics(), 1));
        Properties properties = new Properties();
        config.originalsStrings().forEach(properties::setProperty);
        properties.setProperty(BackstreamConfig.MODELS_DIR, Path.of("config/models").toAbsolutePath().toString());
        Path file = stateDir.resolve("backstream.properties");
        try (var writer = Files.newBufferedWriter(file)) {
            properties.store(writer, null);
        }
        Path log = stateDir.resolve("run.log");
        // The child's temporary directory is one of its own, so that a checkout that itself lies under /tmp (as CI's
        // may) does not put the state directory under java.io.tmpdir, which Kafka Streams rightly warns about.
        Path childTmp = Files.createDirectories(Path.of("target", "it-tmp")).toAbsolutePath();
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-Djava.io.tmpdir=" + childTmp, "-jar", jar.toString(),
                "run", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // polling a child's log file: there is no notification to wait on
            KafkaTestSupport.waitUntil("the application reached RUNNING", Duration.ofMinutes(2), () -> {
                String text = Files.readString(log);
                assertTrue(run.isAlive() || text.contains("REBALANCING -> RUNNING"), "the application exited before RUNNING:\n" + text);
                return text.contains("REBALANCING -> RUNNING");
            });
        } finally {
            run.destroy();
            run.waitFor(60, TimeUnit.SECONDS);
        }
        String text = Files.readString(log);
        assertTrue(text.contains("connecting to " + kafka.bootstrapServers()), text);
        Pattern problem = Pattern.compile("\\b(ERROR|WARN)\\b");
        assertTrue(text.lines().noneMatch(line -> problem.matcher(line).find()), "no WARN or ERROR at a normal start:\n" + text);
    }

    @Test
    void aMissingPredictionsTopicIsNamed() {
        BackstreamConfig config = config("no-predictions", Map.of());
        List<NewTopic> allButPredictions = TopicCreator.topics(config.topics(), 1).stream()
                .filter(topic -> !topic.name().equals(config.topics().predictions())).toList();
        kafka.createTopics(allButPredictions);

        IllegalStateException error = startFails(config);

        assertTrue(error.getMessage().contains(config.topics().predictions()), error.getMessage());
        assertTrue(error.getMessage().contains("does not exist") || error.getMessage().contains("do not exist"), error.getMessage());
    }

    @Test
    void everyMissingTopicIsNamedAtOnce() {
        BackstreamConfig config = config("nothing", Map.of());

        IllegalStateException error = startFails(config);

        for (String topic : List.of(config.topics().samples(), config.topics().scoreRequests(), config.topics().predictions(),
                config.topics().snapshots(), config.topics().deadLetters())) {
            assertTrue(error.getMessage().contains(topic), error.getMessage());
        }
    }

    @Test
    void inputsWithDifferentPartitionCountsAreRejected() {
        BackstreamConfig config = config("uneven", Map.of());
        kafka.createTopics(TopicCreator.topics(config.topics(), 1).stream()
                .map(topic -> topic.name().equals(config.topics().scoreRequests()) ? new NewTopic(topic.name(), 2, (short) 1) : topic)
                .toList());

        IllegalStateException error = startFails(config);

        assertTrue(error.getMessage().contains("same number of partitions"), error.getMessage());
    }

    @Test
    void anUnreachableBrokerIsNamedAsSuch() throws IOException {
        String address;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            address = "127.0.0.1:" + socket.getLocalPort();
        }
        BackstreamConfig config = config("unreachable", Map.of(BackstreamConfig.BOOTSTRAP_SERVERS, address));

        IllegalStateException error = startFails(config);

        assertTrue(error.getMessage().contains("cannot reach the Kafka broker at " + address), error.getMessage());
    }
}
