package dev.backstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.cli.Main;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * There is no Docker engine on the build machines, so this checks what can be checked without one: pinned images,
 * commands that our CLI accepts, environment variables that name real settings, default topic names, and a
 * Kafka listener for every bootstrap address. ({@code .ci/run} also runs {@code docker-compose config -q}.)
 */
@DisplayName("docker-compose.yml and the Dockerfile")
class DockerComposeTest {
    private static JsonNode compose;
    private static String dockerfile;
    private static final String OUR_IMAGE = "backstream:0.1.0";

    @BeforeAll
    static void read() throws IOException {
        compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docker-compose.yml").toFile());
        dockerfile = Files.readString(Path.of("Dockerfile"));
    }

    private static Iterable<Map.Entry<String, JsonNode>> services() {
        List<Map.Entry<String, JsonNode>> services = new ArrayList<>();
        compose.get("services").fields().forEachRemaining(services::add);
        return services;
    }

    private static List<String> list(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node != null) {
            node.forEach(value -> values.add(value.asText()));
        }
        return values;
    }

    @Test
    void everyImageIsPinnedAndKafkaIsTheProjectsVersion() {
        for (Map.Entry<String, JsonNode> service : services()) {
            String image = service.getValue().path("image").asText();
            assertTrue(image.matches("[a-z0-9./-]+:[A-Za-z0-9._-]+") && !image.endsWith(":latest"), service.getKey() + " image " + image);
            if (image.startsWith("apache/kafka:")) {
                assertEquals("apache/kafka:4.3.1", image, service.getKey());
            }
        }
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(dockerfile);
        int stages = 0;
        while (from.find()) {
            stages++;
            assertTrue(from.group(1).contains(":") && !from.group(1).endsWith(":latest"), "Dockerfile FROM " + from.group(1));
        }
        assertTrue(stages >= 2, "a multi-stage build");
        assertTrue(dockerfile.matches("(?s).*\\nUSER (?!root)\\w+.*"), "runs as a non-root user");
        assertTrue(dockerfile.matches("(?s).*tar -xzf target/backstream-\\*\\.tar\\.gz.*"), "unpacks the distribution Maven builds");
    }

    @Test
    void theImageRunsTheDistributionsLauncher() {
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT\\s+\\[(.*)]").matcher(dockerfile);
        assertTrue(entrypoint.find(), "an ENTRYPOINT in exec form");
        assertEquals("\"/app/bin/backstream\"", entrypoint.group(1).trim(), "bin/backstream, which adds the JVM options, no java command of its own");
        assertTrue(!dockerfile.contains("-jar"), "no hand-written java command line");
        Matcher archive = Pattern.compile("(?m)^RUN BACKSTREAM_OPTS=-XX:ArchiveClassesAtExit=(\\S+) /app/bin/backstream ").matcher(dockerfile);
        assertTrue(archive.find(), "records the class-data archive through the launcher");
        assertEquals("/app/lib/backstream.jsa", archive.group(1), "where bin/backstream looks for it");
        assertTrue(dockerfile.contains("ENV BACKSTREAM_HEAP_OPTS="), "a container-aware heap instead of the launcher's -Xmx1g");
    }

    @Test
    void ourServicesRunRealSubcommandsAndOptions() {
        int checked = 0;
        for (Map.Entry<String, JsonNode> service : services()) {
            if (!OUR_IMAGE.equals(service.getValue().path("image").asText())) {
                continue;
            }
            List<String> command = list(service.getValue().get("command"));
            try {
                CommandLine.ParseResult parsed = Main.commandLine().parseArgs(command.toArray(String[]::new));
                assertTrue(parsed.hasSubcommand(), service.getKey() + ": " + command);
            } catch (CommandLine.ParameterException e) {
                fail(service.getKey() + ": `" + String.join(" ", command) + "` is not accepted by the CLI: " + e.getMessage());
            }
            checked++;
        }
        assertEquals(3, checked, "the application, the producer and the flights demo use the image built from the Dockerfile");
        Matcher cmd = Pattern.compile("(?m)^CMD\\s+\\[(.*)]").matcher(dockerfile);
        assertTrue(cmd.find());
        String[] args = cmd.group(1).replace("\"", "").split(",\\s*");
        Main.commandLine().parseArgs(args);
    }

    @Test
    void theFlightsDemoRunsOnlyWithItsProfile() {
        JsonNode flights = compose.at("/services/flights-demo");
        assertEquals(List.of("flights"), list(flights.get("profiles")), "`docker compose up` alone does not run it");
        List<String> command = list(flights.get("command"));
        assertEquals("flights", command.get(command.indexOf("--dataset") + 1));
        for (Map.Entry<String, JsonNode> service : services()) {
            if (!service.getKey().equals("flights-demo")) {
                assertTrue(service.getValue().path("profiles").isMissingNode(), service.getKey() + " runs without a profile");
            }
        }
    }

    @Test
    void everyBackstreamEnvironmentVariableNamesARealSetting() {
        Set<String> settings = BackstreamConfig.CONFIG.names();
        Set<String> streams = StreamsConfig.configDef().names();
        int checked = 0;
        for (Map.Entry<String, JsonNode> service : services()) {
            for (Iterator<String> names = service.getValue().path("environment").fieldNames(); names.hasNext(); ) {
                String variable = names.next();
                if (!variable.startsWith(BackstreamConfig.ENVIRONMENT_PREFIX)) {
                    continue;
                }
                String property = BackstreamConfig.propertyName(variable);
                assertTrue(settings.contains(property) || streams.contains(property), service.getKey() + ": " + variable + " -> " + property);
                checked++;
            }
        }
        Matcher env = Pattern.compile("(?m)^ENV\\s+(BACKSTREAM_\\w+)=").matcher(dockerfile);
        while (env.find()) {
            if (BackstreamConfig.LAUNCHER_VARIABLES.contains(env.group(1))) {
                continue; // bin/backstream's JVM options
            }
            assertTrue(settings.contains(BackstreamConfig.propertyName(env.group(1))), "Dockerfile " + env.group(1));
            checked++;
        }
        assertTrue(checked >= 4, "checked " + checked);
    }

    @Test
    void topicNamesAreTheDefaults() {
        String creation = String.join("\n", list(compose.at("/services/create-topics/command")));
        for (String setting : List.of(BackstreamConfig.SAMPLES_TOPIC, BackstreamConfig.SCORE_REQUESTS_TOPIC,
                BackstreamConfig.PREDICTIONS_TOPIC, BackstreamConfig.SNAPSHOTS_TOPIC, BackstreamConfig.DEAD_LETTERS_TOPIC,
                BackstreamConfig.METRICS_TOPIC, BackstreamConfig.CONTROL_TOPIC, BackstreamConfig.MODEL_EVENTS_TOPIC,
                BackstreamConfig.EVENTS_TOPIC, BackstreamConfig.LABELS_TOPIC)) {
            String topic = (String) BackstreamConfig.CONFIG.defaultValues().get(setting);
            assertTrue(creation.contains(topic), "create-topics creates " + topic);
        }
        assertTrue(creation.contains("backstream.model-snapshots --partitions 1 --replication-factor 1 --config cleanup.policy=compact")
                || creation.matches("(?s).*backstream\\.model-snapshots.*cleanup\\.policy=compact.*"), "the snapshots topic is compacted");
        List<String> produce = list(compose.at("/services/produce/command"));
        assertEquals(BackstreamConfig.CONFIG.defaultValues().get(BackstreamConfig.SAMPLES_TOPIC), produce.get(produce.indexOf("--topic") + 1));
        List<String> consumer = list(compose.at("/services/predictions/command"));
        assertEquals(BackstreamConfig.CONFIG.defaultValues().get(BackstreamConfig.PREDICTIONS_TOPIC), consumer.get(consumer.indexOf("--topic") + 1));
    }

    @Test
    void everyBootstrapAddressIsAnAdvertisedListener() {
        JsonNode kafka = compose.at("/services/kafka/environment");
        Set<String> advertised = Set.of(kafka.get("KAFKA_ADVERTISED_LISTENERS").asText().replaceAll("[A-Z]+://", "").split(","));
        String listeners = kafka.get("KAFKA_LISTENERS").asText();
        for (String address : advertised) {
            assertTrue(listeners.contains(":" + address.substring(address.indexOf(':') + 1)), "listener for " + address);
        }
        Matcher bootstrap = Pattern.compile("(?<![\\w/.])((?:kafka|localhost):\\d{4,5})").matcher(compose.toString());
        int checked = 0;
        while (bootstrap.find()) {
            String address = bootstrap.group(1);
            if (address.startsWith("kafka:9093")) {
                continue; // the controller listener
            }
            assertTrue(advertised.contains(address) || address.startsWith("localhost:9092"), "bootstrap " + address + " is advertised " + advertised);
            checked++;
        }
        assertTrue(checked >= 4, "checked " + checked);
        String published = compose.at("/services/kafka/ports/0").asText();
        assertTrue(advertised.contains("localhost:" + published.split(":")[0]), "the published port is the external listener");
    }

    @Test
    void composeValidatesWhenDockerComposeIsInstalled() throws Exception {
        Path binary = Path.of("/usr/bin/docker-compose");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(binary), "docker-compose not installed; .ci/run installs it");
        Process process = new ProcessBuilder(binary.toString(), "-f", "docker-compose.yml", "config", "-q").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
    }

    @Test
    void prometheusScrapesTheApplicationWhichListensOnEveryInterfaceOfItsContainer() throws IOException {
        JsonNode app = compose.at("/services/backstream/environment");
        assertEquals("0.0.0.0", app.path(BackstreamConfig.environmentVariable(BackstreamConfig.HTTP_BIND)).asText(),
                "the default 127.0.0.1 would answer only inside the application's own container");
        String port = app.path(BackstreamConfig.environmentVariable(BackstreamConfig.HTTP_PORT))
                .asText(String.valueOf(BackstreamConfig.CONFIG.defaultValues().get(BackstreamConfig.HTTP_PORT)));
        JsonNode prometheus = new ObjectMapper(new YAMLFactory()).readTree(Path.of("config/prometheus/prometheus.yml").toFile());
        JsonNode job = prometheus.at("/scrape_configs/0");
        assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
        assertEquals(List.of("backstream:" + port), list(job.at("/static_configs/0/targets")));
    }

    @Test
    void prometheusAndGrafanaMountProvisioningFilesThatExistAndPublishOnlyToThisHost() {
        for (String service : List.of("prometheus", "grafana")) {
            List<String> volumes = list(compose.at("/services/" + service + "/volumes"));
            assertTrue(!volumes.isEmpty(), service);
            for (String volume : volumes) {
                String source = volume.split(":")[0];
                assertTrue(source.startsWith("./config/") && Files.exists(Path.of(source)), service + " mounts " + volume);
            }
            for (String port : list(compose.at("/services/" + service + "/ports"))) {
                assertTrue(port.startsWith("127.0.0.1:"), service + " publishes " + port + " to every interface of the host");
            }
        }
    }

    @Test
    void theDashboardQueriesTheProvisionedDataSource() throws IOException {
        JsonNode datasources = new ObjectMapper(new YAMLFactory()).readTree(Path.of("config/grafana/provisioning/datasources/prometheus.yml").toFile());
        String uid = datasources.at("/datasources/0/uid").asText();
        assertEquals("http://prometheus:9090", datasources.at("/datasources/0/url").asText());
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("config/grafana/dashboards/backstream.json").toFile());
        assertTrue(dashboard.path("panels").size() >= 6, "learning curves, records/s, lag, dead letters, restore progress");
        for (JsonNode panel : dashboard.path("panels")) {
            assertEquals(uid, panel.at("/datasource/uid").asText(), panel.path("title").asText());
            assertTrue(panel.path("targets").size() > 0, panel.path("title").asText());
            panel.path("targets").forEach(target -> assertTrue(!target.path("expr").asText().isBlank(), panel.path("title").asText()));
        }
    }
}
