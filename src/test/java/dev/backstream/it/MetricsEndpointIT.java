package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.json.Json;
import dev.backstream.message.ModelMetrics;
import dev.backstream.message.Sample;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("GET /metrics on an application running on a real broker")
@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MetricsEndpointIT extends WithEmbeddedBroker {
    private static final int XOR_SAMPLES = 400;
    private static final int SCORE_REQUESTS = 2;
    private static final int WRONG_FEATURE_COUNT = 3;

    @TempDir
    Path stateDir;

    /** A metric name in PromQL or in the exposition: one of ours, Kafka's or the JVM's. */
    private static final Pattern NAME = Pattern.compile("\\b((?:backstream|kafka|jvm|process|system)_[a-z0-9_]+)");

    /** Starts the app with the shipped models, streams a known set of records and waits until all were processed. */
    private interface Scraped {
        void check(BackstreamApp app, String exposition) throws Exception;
    }

    private void afterAKnownStream(String name, Scraped check) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(KafkaTestSupport.uniqueSettings(kafka, name, stateDir));
        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "500");
        BackstreamConfig config = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, config.topics(), 1);
        List<String[]> samples = new ArrayList<>(dev.backstream.message.XorSamples.records(XOR_SAMPLES, null));
        for (int i = 0; i < WRONG_FEATURE_COUNT; i++) {
            samples.add(new String[] {"xor", EndToEndIT.sampleText(new Sample("xor", new double[] {1, 0, 1}, 1, null, null))});
        }
        List<String[]> requests = new ArrayList<>();
        for (int i = 0; i < SCORE_REQUESTS; i++) {
            requests.add(new String[] {"xor", EndToEndIT.sampleText(new Sample("xor", new double[] {1, i}, null, null, "score-" + i))});
        }
        try (BackstreamApp app = new BackstreamApp(config, EndToEndIT.shippedModels())) {
            app.start();
            KafkaTestSupport.produce(kafka, config.topics().samples(), samples);
            KafkaTestSupport.produce(kafka, config.topics().scoreRequests(), requests);
            KafkaTestSupport.readUntil(kafka, config.topics().predictions(), Duration.ofSeconds(90),
                    read -> read.size() >= XOR_SAMPLES + SCORE_REQUESTS);
            KafkaTestSupport.readUntil(kafka, config.topics().deadLetters(), Duration.ofSeconds(30), read -> read.size() >= WRONG_FEATURE_COUNT);
            // the model's prequential metrics: a record on the metrics topic once every sample was learned, then its values on /metrics
            lastMetrics = KafkaTestSupport.readUntil(kafka, config.topics().metrics(), Duration.ofSeconds(30),
                            read -> read.stream().map(MetricsEndpointIT::json).anyMatch(MetricsEndpointIT::afterEverySample))
                    .stream().map(MetricsEndpointIT::json).filter(MetricsEndpointIT::afterEverySample).reduce((a, b) -> b).orElseThrow();
            KafkaTestSupport.waitUntil("the metrics record is on /metrics", Duration.ofSeconds(30),
                    () -> scrape(app.httpUrl("/metrics")).contains("backstream_model_version{model=\"xor\"} " + XOR_SAMPLES + ".0"));
            // task and store metrics are bound when the binder next looks for new Kafka metrics (PrometheusMetrics.REFRESH)
            KafkaTestSupport.waitUntil("task metrics are exposed", Duration.ofSeconds(30),
                    () -> scrape(app.httpUrl("/metrics")).contains("kafka_stream_task_"));
            String exposition = scrape(app.httpUrl("/metrics"));
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/metrics-" + name + ".txt"), exposition); // for a reader choosing dashboard queries
            check.check(app, exposition);
        }
    }

    /** The last metrics record of model xor after all its samples and score requests, read from the metrics topic. */
    private JsonNode lastMetrics;

    private static boolean afterEverySample(JsonNode metrics) {
        return metrics.path("model").asText().equals("xor") && metrics.path("modelVersion").asLong() == XOR_SAMPLES
                && metrics.path("scoreRequests").asLong() == SCORE_REQUESTS;
    }

    private static JsonNode json(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        try {
            return Json.MAPPER.readTree(record.value());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String scrape(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static double value(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        throw new AssertionError("no series " + series + " in:\n" + exposition);
    }

    /** Every metric name of the exposition (from its # TYPE lines and samples). */
    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            String sample = line.startsWith("# TYPE ") ? line.substring(7) : line.startsWith("#") ? "" : line;
            Matcher name = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(sample);
            if (name.find()) {
                names.add(name.group(1));
            }
        }
        return names;
    }

    @Test
    void countsTheSamplesLearnedPredictionsAndDeadLettersOfAKnownStream() throws Exception {
        afterAKnownStream("metrics", (app, text) -> {
            assertEquals(XOR_SAMPLES, value(text, "backstream_model_updates_total{model=\"xor\"}"), "one update per sample learned");
            assertEquals(XOR_SAMPLES + SCORE_REQUESTS, value(text, "backstream_model_predictions_total{model=\"xor\"}"));
            assertEquals(WRONG_FEATURE_COUNT, value(text, "backstream_dead_letters_total{reason=\"WRONG_FEATURE_COUNT\"}"));
            assertEquals(0, value(text, "backstream_dead_letters_total{reason=\"MALFORMED_JSON\"}"));
            // the prequential gauges show the model's last metrics record, which the topology published
            assertEquals(XOR_SAMPLES, value(text, "backstream_model_version{model=\"xor\"}"));
            assertEquals(SCORE_REQUESTS, value(text, "backstream_model_score_requests{model=\"xor\"}"));
            assertEquals(lastMetrics.get("windowCount").asDouble(), value(text, "backstream_model_window_count{model=\"xor\",window=\"1000\"}"));
            assertEquals(XOR_SAMPLES, lastMetrics.get("windowCount").asDouble(), "every labeled prediction is in the window of 1000");
            assertEquals(lastMetrics.get("windowAccuracy").asDouble(), value(text, "backstream_model_accuracy{model=\"xor\",window=\"1000\"}"));
            assertEquals(lastMetrics.get("windowLogLoss").asDouble(), value(text, "backstream_model_log_loss{model=\"xor\",window=\"1000\"}"),
                    1e-12 * Math.abs(lastMetrics.get("windowLogLoss").asDouble()));
            assertTrue(text.contains("jvm_memory_used_bytes{"), "JVM metrics");
            Set<String> names = names(text);
            assertTrue(names.stream().anyMatch(n -> n.startsWith("kafka_stream_thread_")), "Kafka Streams thread metrics: " + names);
            assertTrue(names.stream().anyMatch(n -> n.startsWith("kafka_consumer_")), "its consumers' metrics: " + names);
            assertTrue(text.lines().anyMatch(line -> line.startsWith("kafka_backstream_task_models_in_memory{") && line.contains("task_id=\"0_0\"")
                    && line.endsWith(" 1.0")), "xor, decoded in its task's memory: " + names);
        });
    }

    /**
     * Every metric the Grafana dashboard and the Prometheus configuration name is in a real response. The classifier's
     * prequential gauges come from the metrics record the topology published for xor; none of the shipped models is a
     * regressor, so the test publishes one regressor's record itself, as the topology would, so that every gauge has a
     * series.
     */
    @Test
    void exportsEveryMetricTheDashboardAndThePrometheusConfigurationName() throws Exception {
        afterAKnownStream("dashboard", (app, ignored) -> {
            app.modelSeries().acquire("price"); // as the topology does at a model's first publication
            app.metrics().published(new ModelMetrics(ModelMetrics.FORMAT, "price", 5, ModelMetrics.REGRESSION, 1000, 5, 0.999,
                    null, null, null, null, 1.0, 2.0, 1.0, 2.0, null, 5, 0, 0, Map.of(), 1, "t", 0, 1, 2));
            Set<String> exported = names(scrape(app.httpUrl("/metrics")));

            Set<String> named = new TreeSet<>();
            JsonNode dashboard = Json.MAPPER.readTree(Path.of("config/grafana/dashboards/backstream.json").toFile());
            dashboard.findValues("expr").forEach(expr -> named.addAll(metricNames(expr.asText())));
            named.addAll(metricNames(Files.readString(Path.of("config/prometheus/prometheus.yml"))));
            assertTrue(named.size() >= 10, "the dashboard's queries name metrics: " + named);
            Set<String> missing = new TreeSet<>(named);
            missing.removeAll(exported);
            assertEquals(Set.of(), missing, "named by the dashboard or Prometheus but not exported");
        });
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher name = NAME.matcher(text);
        while (name.find()) {
            names.add(name.group(1));
        }
        return names;
    }
}
