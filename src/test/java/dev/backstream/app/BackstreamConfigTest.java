package dev.backstream.app;

import dev.backstream.model.ModelDefinition;
import dev.backstream.model.ModelCatalog;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Configuration")
class BackstreamConfigTest {

    @TempDir
    Path dir;

    @Test
    void theReadmeConfigurationTableIsTheOneGeneratedFromTheConfigDef() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String start = "<!-- config-table:start -->\n";
        String end = "<!-- config-table:end -->";
        String table = readme.substring(readme.indexOf(start) + start.length(), readme.indexOf(end));
        String expected = ConfigTable.markdownTable();
        if (!expected.equals(table)) {
            Files.writeString(Path.of("target", "config-table.md"), expected);
        }
        assertEquals(expected, table, "the README's table is not the one generated from the ConfigDef: paste target/config-table.md");
    }

    @Test
    void stateLivesUnderTheUsersHomeByDefaultNotInTheTemporaryDirectory() {
        // Kafka Streams warns about a state directory under /tmp, which a reboot or a cleaner may empty under a running store
        String stateDir = new BackstreamConfig(Map.of(), null).stateDir();
        assertEquals(Path.of(System.getProperty("user.home"), ".backstream", "state"), Path.of(stateDir));
        assertTrue(!Path.of(stateDir).startsWith(Path.of(System.getProperty("java.io.tmpdir"))), stateDir);
    }

    @Test
    void theShippedConfigurationLoadsWithItsModels() throws IOException {
        BackstreamConfig config = BackstreamConfig.load(Path.of("config/backstream.properties"), Map.of());
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, config.processingGuarantee());
        assertEquals(Path.of("config/models").toAbsolutePath().normalize(), config.modelsDir());
        ModelCatalog catalog = ModelCatalog.load(config.modelsDir(), config.snapshotEveryUpdates());
        assertTrue(catalog.find("xor").isPresent() && catalog.find("digits").isPresent(), catalog.all().toString());
        assertEquals("100", config.passThrough().get("commit.interval.ms"));
    }

    @Test
    void environmentVariablesOverrideTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("app.properties"), "bootstrap.servers=file:9092\ncommit.interval.ms=100\n");
        BackstreamConfig config = BackstreamConfig.load(file, Map.of(
                "BACKSTREAM_BOOTSTRAP_SERVERS", "env:9092", "BACKSTREAM_COMMIT_INTERVAL_MS", "250", "PATH", "/usr/bin"));
        assertEquals("env:9092", config.bootstrapServers());
        assertEquals("250", config.passThrough().get("commit.interval.ms"));
        assertEquals("BACKSTREAM_TOPIC_SCORE_REQUESTS", BackstreamConfig.environmentVariable("topic.score.requests"));
        assertEquals("topic.score.requests", BackstreamConfig.propertyName("BACKSTREAM_TOPIC_SCORE_REQUESTS"));
    }

    @Test
    void theLaunchersJvmOptionsAreNotSettings() throws IOException {
        Path file = Files.writeString(dir.resolve("app.properties"), "bootstrap.servers=file:9092\n");
        BackstreamConfig config = BackstreamConfig.load(file, Map.of(
                "BACKSTREAM_OPTS", "-Dbackstream.vector=false", "BACKSTREAM_HEAP_OPTS", "-Xmx2g", "BACKSTREAM_COMMIT_INTERVAL_MS", "250"));
        assertEquals(Map.of("commit.interval.ms", "250"), BackstreamConfig.fromEnvironment(Map.of(
                "BACKSTREAM_OPTS", "-Dbackstream.vector=false", "BACKSTREAM_HEAP_OPTS", "-Xmx2g", "BACKSTREAM_COMMIT_INTERVAL_MS", "250")));
        assertTrue(!config.passThrough().containsKey("opts") && !config.passThrough().containsKey("heap.opts"), config.passThrough().toString());
    }

    @Test
    void invalidValuesAreRejectedNamingTheSetting() {
        ConfigException guarantee = assertThrows(ConfigException.class,
                () -> new BackstreamConfig(Map.of("processing.guarantee", "exactly_once"), null));
        assertTrue(guarantee.getMessage().contains("processing.guarantee"), guarantee.getMessage());
        ConfigException every = assertThrows(ConfigException.class,
                () -> new BackstreamConfig(Map.of("snapshot.every.updates", "0"), null));
        assertTrue(every.getMessage().contains("snapshot.every.updates"), every.getMessage());
    }

    @Test
    void streamsSettingsAreSizedFromTheLargestModelAndPassThroughTheRest() {
        BackstreamConfig config = new BackstreamConfig(Map.of("num.stream.threads", "2", "bootstrap.servers", "b:1"), null);
        ModelCatalog catalog = new ModelCatalog(java.util.List.of(new ModelDefinition("big",
                dev.backstream.nn.Mlp.initialize(dev.backstream.nn.Architecture.of(784, dev.backstream.nn.Loss.CATEGORICAL_CROSS_ENTROPY,
                        new dev.backstream.nn.LayerSpec(256, dev.backstream.nn.Activation.RELU),
                        new dev.backstream.nn.LayerSpec(10, dev.backstream.nn.Activation.SOFTMAX)),
                        dev.backstream.nn.OptimizerSpec.Adam.withDefaults(0.001), 1), 1000, "test")));
        Properties properties = StreamsSettings.properties(config, catalog);
        int encoded = catalog.largestEncodedModelBytes();
        assertTrue(encoded > 4_000_000, "an Adam 784-256-10 model is about 4.8 MB, found " + encoded);
        assertTrue(Integer.parseInt(properties.getProperty("max.request.size")) >= 2 * encoded);
        assertTrue(Integer.parseInt(properties.getProperty("restore.consumer.max.partition.fetch.bytes")) >= 8 * encoded,
                "a restore fetch carries several stored models, not one per round trip");
        assertEquals("2", properties.getProperty("num.stream.threads"));
        assertEquals("b:1", properties.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, properties.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }
}
