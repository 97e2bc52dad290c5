package dev.backstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.stream.Activity;
import dev.backstream.stream.CommittedModels;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.PublishedMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code GET /models} on an instance that owns none of the declared models: each is listed from its definition, with
 * the fields that say what it is. The listing with owners and metrics is {@code HttpApiIT}'s.
 */
@DisplayName("The model listing over HTTP")
class ModelListingTest {
    private static final Architecture XOR = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY,
            new LayerSpec(4, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Map<String, JsonNode> listing(ModelCatalog catalog) throws Exception {
        ModelDirectory directory = new ModelDirectory() {
            public String self() {
                return "127.0.0.1:1";
            }

            public Optional<Placement> placement(String id) {
                return Optional.empty();
            }

            public List<String> instances() {
                return List.of();
            }

            public Readiness readiness() {
                return new Readiness(false, "TEST", "test");
            }

            public Optional<byte[]> standbyValue(String id, int partition) {
                return Optional.empty();
            }
        };
        ModelsApi api = new ModelsApi(catalog, new CommittedModels(), new PublishedMetrics(), directory, new Peers(null),
                10, 1 << 20, 1000, null);
        PrometheusMetrics metrics = new PrometheusMetrics(new PublishedMetrics(), new Activity().totals(),
                new ModelSeriesSlots(ModelSeriesSlots.DEFAULT_MAX));
        server = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, null), metrics, api);
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.url("/models"))).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode model : Json.MAPPER.readTree(response.body()).get("models")) {
            byId.put(model.get("id").asText(), model);
        }
        return byId;
    }

    @Test
    @DisplayName("says each model's dtype, in its own field and at the end of the architecture for float32")
    void saysEachModelsDtype() throws Exception {
        Map<String, JsonNode> models = listing(new ModelCatalog(List.of(
                new ModelDefinition("xor", Mlp.initialize(XOR, OptimizerSpec.sgd(0.5), 7), 1000, "test"),
                new ModelDefinition("xor32", Mlp.initialize(XOR.withDtype(Dtype.FLOAT32), OptimizerSpec.sgd(0.5), 7), 1000, "test"))));

        JsonNode float64 = models.get("xor");
        assertEquals("2-4(sigmoid)-1(sigmoid) binary_cross_entropy", float64.get("architecture").asText());
        assertEquals("float64", float64.get("dtype").asText());
        JsonNode float32 = models.get("xor32");
        assertEquals("2-4(sigmoid)-1(sigmoid) binary_cross_entropy float32", float32.get("architecture").asText());
        assertEquals("float32", float32.get("dtype").asText());
        assertEquals(2, float32.get("inputs").asInt());
        assertEquals("binary_cross_entropy", float32.get("loss").asText());
    }
}
