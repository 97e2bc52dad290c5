package dev.backstream.app;

import dev.backstream.model.ModelDefinition;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Secrets in the configuration")
class SecretsTest {
    private static final List<String> SECRETS = List.of("jaas-secret-1", "keystore-secret-2", "truststore-secret-3",
            "key-secret-4", "custom-secret-5", "producer-jaas-secret-6", "env-truststore-secret-7");

    @TempDir
    Path dir;

    /** A secured configuration whose every secret value is one of {@link #SECRETS}. */
    private BackstreamConfig securedConfig() throws IOException {
        Path file = Files.writeString(dir.resolve("secured.properties"), String.join("\n",
                "bootstrap.servers=broker-1:9093",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"backstream\" password=\"jaas-secret-1\";",
                "ssl.keystore.location=/etc/backstream/keystore.p12",
                "ssl.keystore.password=keystore-secret-2",
                "ssl.truststore.location=/etc/backstream/truststore.p12",
                "ssl.truststore.password=truststore-secret-3",
                "ssl.key.password=key-secret-4",
                "sasl.client.password=custom-secret-5",
                "producer.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required password=\"producer-jaas-secret-6\";",
                "commit.interval.ms=100", ""));
        return BackstreamConfig.load(file, Map.of("BACKSTREAM_SSL_TRUSTSTORE_PASSWORD", "env-truststore-secret-7"));
    }

    private static ModelCatalog oneModel() {
        Architecture architecture = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(1, Activation.SIGMOID));
        return new ModelCatalog(List.of(new ModelDefinition("xor", Mlp.initialize(architecture, OptimizerSpec.sgd(0.5), 1), 1000, "test")));
    }

    private static void assertNoSecretIn(String printed) {
        for (String secret : SECRETS) {
            assertFalse(printed.contains(secret), "printed " + secret + ": " + printed);
        }
    }

    @Nested
    @DisplayName("a secured properties file")
    class ASecuredPropertiesFile {

        @Test
        void reachesKafkaStreamsAndTheAdminClientsUnmasked() throws IOException {
            BackstreamConfig config = securedConfig();
            assertEquals("SASL_SSL", config.passThrough().get("security.protocol"));
            assertTrue(config.passThrough().get("sasl.jaas.config").contains("jaas-secret-1"));
            Map<String, Object> admin = config.adminProperties();
            assertEquals("broker-1:9093", admin.get("bootstrap.servers"));
            assertEquals("SCRAM-SHA-512", admin.get("sasl.mechanism"));
            assertEquals("env-truststore-secret-7", admin.get("ssl.truststore.password"), "the environment overrides the file");
            assertFalse(admin.containsKey("commit.interval.ms"), "a Kafka Streams setting is not an admin setting");
        }

        @Test
        void reachTheHttpCommandsProducerAndConsumerWithoutKafkaStreamsOwnIdentities() throws IOException {
            BackstreamConfig config = securedConfig();
            for (Map<String, Object> client : List.of(config.producerProperties(), config.consumerProperties())) {
                assertEquals("broker-1:9093", client.get("bootstrap.servers"));
                assertEquals("SASL_SSL", client.get("security.protocol"));
                assertEquals("env-truststore-secret-7", client.get("ssl.truststore.password"));
                assertFalse(client.containsKey("commit.interval.ms"));
            }
            Map<String, String> values = new java.util.HashMap<>(Map.of("group.instance.id", "backstream-1", "transactional.id", "t",
                    "producer.linger.ms", "7", "consumer.max.poll.records", "5", "linger.ms", "1"));
            BackstreamConfig prefixed = new BackstreamConfig(values, null);
            assertEquals("7", prefixed.producerProperties().get("linger.ms"), "a producer.-prefixed setting wins");
            assertEquals("5", prefixed.consumerProperties().get("max.poll.records"));
            assertFalse(prefixed.producerProperties().containsKey("transactional.id"), "Kafka Streams' producers own transactional ids");
            assertFalse(prefixed.consumerProperties().containsKey("group.instance.id"), "the events consumer has no group");
        }

        @Test
        void theHttpTokenIsNeverPrinted() {
            BackstreamConfig config = new BackstreamConfig(Map.of(BackstreamConfig.HTTP_TOKEN, "tok-secret-9"), null);
            assertEquals("tok-secret-9", config.password(BackstreamConfig.HTTP_TOKEN));
            assertFalse(config.effectiveSettings().contains("tok-secret-9"), config.effectiveSettings());
            assertTrue(config.effectiveSettings().contains("http.token=[hidden]"), config.effectiveSettings());
            assertTrue(Secrets.isSecret("http.token"));
        }

        @Test
        void theStartupLogLineShowsTheSettingsButNoSecret() throws IOException {
            String line = BackstreamApp.startupMessage(securedConfig(), oneModel());
            assertTrue(line.contains("security.protocol=SASL_SSL") && line.contains("sasl.mechanism=SCRAM-SHA-512")
                    && line.contains("ssl.truststore.location=/etc/backstream/truststore.p12"), line);
            assertTrue(line.contains("sasl.jaas.config=[hidden]") && line.contains("ssl.truststore.password=[hidden]"), line);
            assertNoSecretIn(line);
        }

        @Test
        void theEffectiveSettingsPrintedByBackstreamConfigShowNoSecret() throws IOException {
            String settings = securedConfig().effectiveSettings();
            assertTrue(settings.contains("bootstrap.servers=broker-1:9093\n") && settings.contains("ssl.key.password=[hidden]\n"), settings);
            assertNoSecretIn(settings);
        }
    }

    @Test
    void kafkaPasswordSettingsAreSecretsAlsoBehindAClientPrefix() {
        for (String name : List.of("sasl.jaas.config", "ssl.keystore.password", "ssl.truststore.password", "ssl.key.password",
                "ssl.keystore.key", "main.consumer.sasl.jaas.config", "admin.ssl.truststore.password", "SASL_PASSWORD")) {
            assertTrue(Secrets.isSecret(name), name);
        }
        for (String name : List.of("sasl.mechanism", "security.protocol", "ssl.truststore.location", "bootstrap.servers")) {
            assertFalse(Secrets.isSecret(name), name);
        }
    }
}
