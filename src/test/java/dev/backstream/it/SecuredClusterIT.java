package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.broker.TopicCreator;
import dev.backstream.broker.EmbeddedKafka;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import dev.backstream.cli.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application on a cluster secured as production clusters are: a broker reachable only through SASL_SSL, and an
 * authorizer that denies whatever no ACL allows. The application logs in with SCRAM-SHA-512 as {@value #APP_USER},
 * holding exactly the ACLs the README lists ({@link ReadmeAcls}); samples come from another user.
 */
@DisplayName("A secured cluster (SASL_SSL only, ACLs enforced)")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SecuredClusterIT {
    private static final String APP_USER = "backstream";
    private static final String PRODUCER_USER = "sample-producer";
    private static final String PASSWORD_SUFFIX = "-pw-" + Long.toHexString(System.nanoTime());

    private static Path certificates;
    private static EmbeddedKafka.Security security;
    private static EmbeddedKafka kafka;

    @TempDir
    Path work;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        certificates = Files.createTempDirectory("backstream-certificates");
        security = TestCertificates.generate(certificates, "store" + PASSWORD_SUFFIX);
        kafka = EmbeddedKafka.startSecured(security);
        try (Admin admin = kafka.admin()) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion(APP_USER, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password(APP_USER)),
                    new UserScramCredentialUpsertion(PRODUCER_USER, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password(PRODUCER_USER))))
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        Utils.delete(certificates.toFile());
    }

    private static String password(String user) {
        return user + PASSWORD_SUFFIX;
    }

    /** Client settings (bootstrap servers, SASL_SSL, SCRAM-SHA-512 login) of {@code user}. */
    private static Map<String, Object> clientOf(String user) {
        Map<String, Object> client = new HashMap<>(security.scramClient(user, password(user)));
        client.put("bootstrap.servers", kafka.bootstrapServers());
        return client;
    }

    /** A configuration with unique topics and application id, logging in as {@value #APP_USER}. */
    private BackstreamConfig applicationConfig(String name) {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, name, work.resolve("state"));
        security.scramClient(APP_USER, password(APP_USER)).forEach((key, value) -> settings.put(key, value.toString()));
        return new BackstreamConfig(settings, null);
    }

    private static void grant(List<AclBinding> acls) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static ModelCatalog xorCatalog() {
        Architecture architecture = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(4, Activation.SIGMOID),
                new LayerSpec(1, Activation.SIGMOID));
        return new ModelCatalog(List.of(new ModelDefinition("xor", Mlp.initialize(architecture, OptimizerSpec.sgd(0.5), 7), 50, "test")));
    }

    private static List<String[]> xorSamples(int count) {
        return dev.backstream.message.XorSamples.records(count, String::valueOf);
    }

    /** Creates the application's topics as the super user and lets {@value #PRODUCER_USER} write samples. */
    private static void createTopicsAndProducerAcls(BackstreamConfig config) throws Exception {
        kafka.createTopics(TopicCreator.topics(config.topics(), 2));
        grant(ReadmeAcls.forSampleProducer(PRODUCER_USER, config));
    }

    @Test
    void withExactlyTheReadmeAclsTheApplicationLearnsAndPredicts() throws Exception {
        BackstreamConfig config = applicationConfig("secured");
        createTopicsAndProducerAcls(config);
        grant(ReadmeAcls.forApplication(APP_USER, config));
        int samples = 200;
        // Half the samples keyed by something else than the model id, so that they pass the repartition topic, which
        // Kafka Streams purges (DeleteRecords) once they are committed; the default purge interval is 30 s.
        List<String[]> records = xorSamples(samples);
        for (int i = 0; i < samples; i += 2) {
            records.set(i, new String[] {"key-" + i, records.get(i)[1]});
        }
        Properties fastPurge = new Properties();
        fastPurge.put("repartition.purge.interval.ms", "100");
        try (BackstreamApp app = new BackstreamApp(config, xorCatalog(), fastPurge)) {
            app.start();
            KafkaTestSupport.produce(clientOf(PRODUCER_USER), config.topics().samples(), records);
            KafkaTestSupport.produce(clientOf(PRODUCER_USER), config.topics().scoreRequests(),
                    List.<String[]>of(new String[] {"xor", "{\"model\":\"xor\",\"id\":\"score-1\",\"features\":[1,0]}"}));

            List<JsonNode> predictions = KafkaTestSupport.readUntil(kafka.adminProperties(), config.topics().predictions(), Duration.ofSeconds(60),
                    read -> read.size() >= samples + 1).stream().map(record -> json(record.value())).toList();
            assertEquals(samples + 1, predictions.size(), "one prediction per sample and per score request, published exactly once");
            assertTrue(predictions.stream().anyMatch(p -> p.path("id").asText().equals("score-1")), "the score request was answered");
            KafkaTestSupport.readUntil(kafka.adminProperties(), config.topics().snapshots(), Duration.ofSeconds(60), read -> !read.isEmpty());
            awaitRepartitionTopicPurged(config);
            assertTrue(app.failure().isEmpty(), () -> "no stream thread failed: " + app.failure().orElseThrow());
        }
    }

    /** Waits until Kafka Streams has deleted consumed records from the repartition topic (which needs DELETE on it). */
    private static void awaitRepartitionTopicPurged(BackstreamConfig config) throws Exception {
        try (Admin admin = kafka.admin()) {
            List<String> repartition = admin.listTopics().names().get(60, TimeUnit.SECONDS).stream()
                    .filter(name -> name.startsWith(config.applicationId() + "-") && name.endsWith("-repartition")).toList();
            assertEquals(1, repartition.size(), "one repartition topic: " + repartition);
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (var partition : admin.describeTopics(repartition).allTopicNames().get(60, TimeUnit.SECONDS).get(repartition.get(0)).partitions()) {
                earliest.put(new TopicPartition(repartition.get(0), partition.partition()), OffsetSpec.earliest());
            }
            // polling offsets: there is no purge callback
            KafkaTestSupport.waitUntil("a record of " + repartition + " was purged", Duration.ofSeconds(30),
                    () -> admin.listOffsets(earliest).all().get(60, TimeUnit.SECONDS).values().stream().anyMatch(offset -> offset.offset() > 0));
        }
    }

    @Test
    void withoutWriteOnTheDeadLetterTopicTheApplicationRefusesToStartNamingTheMissingAcl() throws Exception {
        BackstreamConfig config = applicationConfig("no-dead-letter-write");
        createTopicsAndProducerAcls(config);
        List<AclBinding> acls = new ArrayList<>(ReadmeAcls.forApplication(APP_USER, config));
        // Kafka Streams alone would run until the first bad record, then fail: the start-up check fails at once.
        assertTrue(acls.removeIf(acl -> acl.pattern().name().equals(config.topics().deadLetters())));
        grant(acls);
        try (BackstreamApp app = new BackstreamApp(config, xorCatalog())) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, app::start);
            assertTrue(refused.getMessage().contains("WRITE on topic " + config.topics().deadLetters()), refused.getMessage());
            assertThrows(IllegalStateException.class, app::streams, "nothing was started");
        }
    }

    @Test
    void withoutTheTransactionalIdAclTheApplicationStopsSoonNamingTheMissingAcl() throws Exception {
        BackstreamConfig config = applicationConfig("no-transactional-id");
        createTopicsAndProducerAcls(config);
        List<AclBinding> acls = new ArrayList<>(ReadmeAcls.forApplication(APP_USER, config));
        assertTrue(acls.removeIf(acl -> acl.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID));
        grant(acls);
        try (BackstreamApp app = new BackstreamApp(config, xorCatalog())) {
            app.start();
            // Kafka's own error is "Transactional Id authorization failed.", naming no id: the application names it.
            assertTrue(app.awaitStop(Duration.ofSeconds(60)), "the application stopped because of a failure");
            String reason = app.failure().orElseThrow().getMessage();
            assertTrue(reason.contains("WRITE on transactional ids prefixed " + config.applicationId() + "-"), reason);
        }
    }

    /** A {@code --command-config} file with the SASL_SSL settings of {@code login} (bootstrap servers left to the command line). */
    private Path commandConfig(Map<String, Object> login) throws Exception {
        Properties properties = new Properties();
        login.forEach((name, value) -> properties.setProperty(name, value.toString()));
        Path file = work.resolve("client.properties");
        try (Writer writer = Files.newBufferedWriter(file)) {
            properties.store(writer, null);
        }
        return file;
    }

    private static int backstream(StringWriter out, String... arguments) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return cli.execute(arguments);
    }

    @Test
    void produceWithACommandConfigWritesAsTheUserItNames() throws Exception {
        BackstreamConfig config = applicationConfig("produce-command");
        createTopicsAndProducerAcls(config);
        Path samples = Files.writeString(work.resolve("samples.jsonl"), "{\"model\":\"xor\",\"features\":[0,1],\"label\":1}\n".repeat(5));
        StringWriter out = new StringWriter();
        int exit = backstream(out, "produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", config.topics().samples(),
                "--file", samples.toString(), "--command-config", commandConfig(security.scramClient(PRODUCER_USER, password(PRODUCER_USER))).toString());
        assertEquals(0, exit, out.toString());
        KafkaTestSupport.readUntil(kafka.adminProperties(), config.topics().samples(), Duration.ofSeconds(30), read -> read.size() == 5);
    }

    @Test
    void theDemoRunsOnTheSecuredClusterWithACommandConfig() throws Exception {
        StringWriter out = new StringWriter();
        int exit = backstream(out, "demo", "--bootstrap-servers", kafka.bootstrapServers(), "--passes", "1", "--holdout", "20",
                "--timeout", "PT50S", "--command-config", commandConfig(security.superUserClient()).toString());
        assertEquals(0, exit, out.toString());
        assertTrue(out.toString().contains("holdout accuracy: "), out.toString());
    }
}
