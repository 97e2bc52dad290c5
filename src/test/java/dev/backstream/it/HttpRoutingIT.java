package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.broker.EmbeddedKafka;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three instances with one standby per task, serving HTTPS: any instance answers any request, with the owner's
 * answer, and an instance holding a standby answers from it when the caller allows.
 */
@DisplayName("HTTP requests routed across three instances over HTTPS")
@Tag("integration")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HttpRoutingIT extends WithEmbeddedBroker {
    private static final List<String> MODELS = MultiInstance.ONE_PER_PARTITION_OF_SIX;
    private static final int PARTITIONS = 6;
    private static final int SAMPLES = 1200;
    private static final String PASSWORD = "routing-secret";

    @TempDir
    Path work;

    @Test
    void everyInstanceGivesTheOwnersAnswerToEveryRequest() throws Exception {
        EmbeddedKafka.Security certificates = TestCertificates.generate(work, PASSWORD);
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "routing", work.resolve("a"));
        settings.put("num.standby.replicas", "1");
        settings.put(BackstreamConfig.HTTP_SSL_KEYSTORE_LOCATION, certificates.keyStore().toString());
        settings.put(BackstreamConfig.HTTP_SSL_KEYSTORE_PASSWORD, PASSWORD);
        settings.put(BackstreamConfig.HTTP_SSL_TRUSTSTORE_LOCATION, certificates.trustStore().toString());
        settings.put(BackstreamConfig.HTTP_SSL_TRUSTSTORE_PASSWORD, PASSWORD);
        ModelCatalog catalog = MultiInstance.catalog(MODELS);
        List<BackstreamApp> apps = new ArrayList<>();
        Http https = Http.trusting(certificates.trustStore(), PASSWORD);
        try {
            for (String name : List.of("a", "b", "c")) {
                Map<String, String> own = new HashMap<>(settings);
                own.put(BackstreamConfig.STATE_DIR, work.resolve(name).toString());
                BackstreamConfig config = new BackstreamConfig(own, null);
                if (apps.isEmpty()) {
                    KafkaTestSupport.createTopics(kafka, config.topics(), PARTITIONS);
                }
                BackstreamApp app = new BackstreamApp(config, catalog, MultiInstance.fastRebalances());
                apps.add(app);
                app.start();
            }
            MultiInstance.awaitActiveTasks(apps, PARTITIONS);
            List<String[]> samples = MultiInstance.samples(MODELS, 0, SAMPLES);
            KafkaTestSupport.produce(kafka, apps.get(0).config().topics().samples(), samples);
            KafkaTestSupport.readUntil(kafka, apps.get(0).config().topics().predictions(), Duration.ofMinutes(2), read -> read.size() >= SAMPLES);
            Map<String, Mlp> offline = offlineModels(catalog, samples);
            int perModel = SAMPLES / MODELS.size();
            for (BackstreamApp app : apps) {
                assertTrue(app.httpUrl("/").startsWith("https://"), "served over HTTPS");
                KafkaTestSupport.waitUntil("every instance is ready and every model at version " + perModel + ", with its metrics", Duration.ofSeconds(60),
                        () -> https.fetch(app.httpUrl("/ready")).status() == 200 && allAtVersion(https.fetch(app.httpUrl("/models")).json(), perModel));
            }

            String listing = stripServedBy(https.fetch(apps.get(0).httpUrl("/models")).json());
            for (BackstreamApp app : apps) {
                assertEquals(listing, stripServedBy(https.fetch(app.httpUrl("/models")).json()), "the same listing from every instance");
            }
            for (String model : MODELS) {
                int partition = MultiInstance.partitionOf(model, PARTITIONS);
                BackstreamApp owner = apps.stream().filter(app -> MultiInstance.activePartitions(app).contains(partition)).findFirst().orElseThrow();
                String ownerAddress = owner.httpUrl("").replace("https://", "");
                List<String> described = new ArrayList<>();
                List<String> predicted = new ArrayList<>();
                List<String> snapshots = new ArrayList<>();
                for (BackstreamApp app : apps) {
                    Http.Answer description = https.fetch(app.httpUrl("/models/" + model));
                    assertEquals(200, description.status(), description.body());
                    assertEquals(ownerAddress, description.json().get("servedBy").get("instance").asText(), "answered by the owner");
                    assertEquals("active", description.json().get("servedBy").get("replica").asText());
                    described.add(description.body());
                    Http.Answer prediction = https.postJsonTo(app.httpUrl("/models/" + model + "/predict"), "{\"instances\": [[0, 1], [1, 1]]}");
                    assertEquals(200, prediction.status(), prediction.body());
                    assertEquals(String.valueOf(perModel), prediction.modelVersion(), "the version header is relayed");
                    predicted.add(prediction.body());
                    snapshots.add(https.fetch(app.httpUrl("/models/" + model + "/snapshot")).body());
                }
                assertEquals(1, described.stream().distinct().count(), model + ": identical descriptions " + described);
                assertEquals(1, predicted.stream().distinct().count(), model + ": identical predictions " + predicted);
                assertEquals(1, snapshots.stream().distinct().count(), model + ": identical snapshots");
                JsonNode prediction = Http.parse(predicted.get(0));
                assertEquals(offline.get(model).predict(new double[] {1, 1}).output(0),
                        prediction.get("predictions").get(1).get("output").get(0).asDouble(), 0.0, model + ": the offline learner's prediction");
                assertTrue(SnapshotJson.read(snapshots.get(0).getBytes(StandardCharsets.UTF_8)).model().bitIdentical(offline.get(model)),
                        model + ": the snapshot is the offline learner's model");

                BackstreamApp standby = apps.stream().filter(app -> MultiInstance.standbyPartitions(app).contains(partition)).findFirst().orElseThrow();
                KafkaTestSupport.waitUntil(model + ": the standby caught up", Duration.ofSeconds(30),
                        () -> String.valueOf(perModel).equals(https.fetch(standby.httpUrl("/models/" + model + "/snapshot?allowStandby=true")).modelVersion()));
                Http.Answer fromStandby = https.postJsonTo(standby.httpUrl("/models/" + model + "/predict?allowStandby=true"), "{\"features\": [1, 1]}");
                assertEquals(200, fromStandby.status(), fromStandby.body());
                assertEquals("standby", fromStandby.json().get("servedBy").get("replica").asText(), "the answer says it came from a standby");
                assertEquals(standby.httpUrl("").replace("https://", ""), fromStandby.json().get("servedBy").get("instance").asText());
                assertEquals(prediction.get("predictions").get(1).get("output").get(0).asDouble(),
                        fromStandby.json().get("output").get(0).asDouble(), 0.0, model + ": the caught-up standby predicts as the owner");
            }
        } finally {
            apps.forEach(BackstreamApp::close);
        }
    }

    private static boolean allAtVersion(JsonNode listing, long version) {
        if (listing.get("models").size() != MODELS.size()) {
            return false;
        }
        for (JsonNode model : listing.get("models")) {
            if (model.get("modelVersion").asLong(-1) != version || model.path("metrics").path("updates").asLong(-1) != version) {
                return false;
            }
        }
        return true;
    }

    /** The listing without the parts that name the instance that answered the listing itself. */
    private static String stripServedBy(JsonNode listing) {
        for (JsonNode model : listing.get("models")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) model).remove("servedBy");
        }
        return listing.toString();
    }

    private static Map<String, Mlp> offlineModels(ModelCatalog catalog, List<String[]> samples) {
        Map<String, Mlp> offline = new HashMap<>();
        catalog.all().forEach(definition -> offline.put(definition.id(), definition.newModel()));
        SampleParser parser = new SampleParser();
        for (String[] record : samples) {
            var sample = parser.parse(record[1]);
            sample.learnOn(offline.get(sample.model()));
        }
        return offline;
    }
}
