package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.ModelMetrics;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.nn.Outcome;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics topic, on the production topology: each record's values equal the ones computed here, independently of
 * {@link PrequentialMetrics}, from the predictions an offline copy of the model makes before each update.
 */
@DisplayName("The models' prequential metrics")
class ModelMetricsTopologyTest {
    private static final double TOLERANCE = 1e-12;
    private static final int WINDOW = 10;
    private static final double FADING = 0.9;
    private static final Architecture REGRESSION = Architecture.of(2, Loss.SQUARED_ERROR,
            new LayerSpec(4, Activation.TANH), new LayerSpec(2, Activation.LINEAR));

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private TopologyFixture open() {
        List<ModelDefinition> models = new ArrayList<>(TopologyFixture.catalog(1000).all());
        models.add(new ModelDefinition("reg", Mlp.initialize(REGRESSION, OptimizerSpec.sgd(0.05), 11), 1000, "test"));
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of(BackstreamConfig.METRICS_WINDOW, String.valueOf(WINDOW),
                BackstreamConfig.METRICS_FADING_FACTOR, String.valueOf(FADING))), new ModelCatalog(models));
        return fixture;
    }

    /** One interval of wall-clock time: every changed model publishes its metrics. */
    private Map<String, JsonNode> publish(TopologyFixture f) {
        f.driver.advanceWallClockTime(Duration.ofMillis(MetricsSettings.DEFAULT.intervalMs()));
        Map<String, JsonNode> byModel = new java.util.TreeMap<>();
        for (TestRecord<byte[], byte[]> record : f.metrics.readRecordsToList()) {
            String model = new String(record.key(), StandardCharsets.UTF_8);
            JsonNode value = json(record.value());
            assertEquals(model, value.get("model").asText());
            assertTrue(byModel.put(model, value) == null, "one record per model and interval");
        }
        return byModel;
    }

    /** Weighted mean with weights f^(n−1−j), the definition of the fading average. */
    private static double fading(List<Double> values) {
        double sum = 0;
        double weights = 0;
        int n = values.size();
        for (int j = 0; j < n; j++) {
            double w = Math.pow(FADING, n - 1 - j);
            sum += w * values.get(j);
            weights += w;
        }
        return sum / weights;
    }

    private static double windowMean(List<Double> values) {
        List<Double> last = values.subList(Math.max(0, values.size() - WINDOW), values.size());
        return last.stream().mapToDouble(Double::doubleValue).sum() / last.size();
    }

    @Test
    void aSoftmaxClassifiersAccuracyLogLossAndClassCountsEqualAnIndependentComputation() {
        TopologyFixture f = open();
        Mlp offline = f.catalog.find("blobs").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        Random random = new Random(5);
        List<Double> correct = new ArrayList<>();
        List<Double> logLoss = new ArrayList<>();
        List<int[]> classes = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            String line = BackstreamTopologyTest.blobSample(random, i);
            f.send("blobs", line);
            Sample sample = parser.parse(line);
            Outcome outcome = sample.learnOn(offline);
            double[] p = outcome.copyOutput();
            int guess = 0;
            for (int c = 1; c < p.length; c++) {
                guess = p[c] > p[guess] ? c : guess;
            }
            correct.add(guess == sample.label() ? 1.0 : 0.0);
            logLoss.add(-Math.log(p[sample.label()]));
            classes.add(new int[] {sample.label(), guess});
        }
        JsonNode metrics = publish(f).get("blobs");
        assertEquals(ModelMetrics.FORMAT, metrics.get("format").asText());
        assertEquals("classification", metrics.get("kind").asText());
        assertEquals(37, metrics.get("modelVersion").asLong());
        assertEquals(WINDOW, metrics.get("windowCount").asInt());
        assertEquals(windowMean(correct), metrics.get("windowAccuracy").asDouble(), TOLERANCE);
        assertEquals(windowMean(logLoss), metrics.get("windowLogLoss").asDouble(), TOLERANCE);
        assertEquals(fading(correct), metrics.get("fadingAccuracy").asDouble(), TOLERANCE);
        assertEquals(fading(logLoss), metrics.get("fadingLogLoss").asDouble(), TOLERANCE);
        assertNull(metrics.get("windowMae"));
        List<int[]> window = classes.subList(classes.size() - WINDOW, classes.size());
        for (int c = 0; c < 3; c++) {
            JsonNode counts = metrics.get("classCounts").get(c);
            int label = c;
            assertEquals(c, counts.get("label").asInt());
            assertEquals(window.stream().filter(e -> e[0] == label).count(), counts.get("actual").asLong(), "actual " + c);
            assertEquals(window.stream().filter(e -> e[1] == label).count(), counts.get("predicted").asLong(), "predicted " + c);
            assertEquals(window.stream().filter(e -> e[0] == label && e[1] == label).count(), counts.get("correct").asLong(), "correct " + c);
        }
    }

    @Test
    void aSigmoidClassifiersMetricsEqualAnIndependentComputationAndHaveNoClassCounts() {
        TopologyFixture f = open();
        Mlp offline = f.catalog.find("xor").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        List<Double> correct = new ArrayList<>();
        List<Double> logLoss = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String line = BackstreamTopologyTest.xorSample(i);
            f.send("xor", line);
            Sample sample = parser.parse(line);
            double p = sample.learnOn(offline).output(0);
            int y = sample.label();
            correct.add((p >= 0.5 ? 1 : 0) == y ? 1.0 : 0.0);
            logLoss.add(-(y * Math.log(p) + (1 - y) * Math.log(1 - p)));
        }
        JsonNode metrics = publish(f).get("xor");
        assertEquals(7, metrics.get("windowCount").asInt(), "fewer labeled predictions than the window");
        assertEquals(windowMean(correct), metrics.get("windowAccuracy").asDouble(), TOLERANCE);
        assertEquals(windowMean(logLoss), metrics.get("windowLogLoss").asDouble(), TOLERANCE);
        assertEquals(fading(correct), metrics.get("fadingAccuracy").asDouble(), TOLERANCE);
        assertEquals(fading(logLoss), metrics.get("fadingLogLoss").asDouble(), TOLERANCE);
        assertNull(metrics.get("classCounts"));
    }

    @Test
    void aRegressionModelsMaeAndRmseEqualAnIndependentComputation() {
        TopologyFixture f = open();
        Mlp offline = f.catalog.find("reg").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        Random random = new Random(9);
        List<Double> absolute = new ArrayList<>();
        List<Double> squared = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            String line = BackstreamTopologyTest.text(new Sample("reg", new double[] {a, b}, null, new double[] {a + b, a * b}, null));
            f.send("reg", line);
            Sample sample = parser.parse(line);
            double[] out = sample.learnOn(offline).copyOutput();
            double[] y = sample.target();
            absolute.add((Math.abs(y[0] - out[0]) + Math.abs(y[1] - out[1])) / 2);
            squared.add((Math.pow(y[0] - out[0], 2) + Math.pow(y[1] - out[1], 2)) / 2);
        }
        JsonNode metrics = publish(f).get("reg");
        assertEquals("regression", metrics.get("kind").asText());
        assertEquals(windowMean(absolute), metrics.get("windowMae").asDouble(), TOLERANCE);
        assertEquals(Math.sqrt(windowMean(squared)), metrics.get("windowRmse").asDouble(), TOLERANCE);
        assertEquals(fading(absolute), metrics.get("fadingMae").asDouble(), TOLERANCE);
        assertEquals(Math.sqrt(fading(squared)), metrics.get("fadingRmse").asDouble(), TOLERANCE);
        assertNull(metrics.get("windowAccuracy"));
    }

    @Test
    void aScoreRequestChangesNoLearningMetricButIsCounted() {
        TopologyFixture f = open();
        for (int i = 0; i < 5; i++) {
            f.send("xor", BackstreamTopologyTest.xorSample(i));
        }
        JsonNode before = publish(f).get("xor");
        f.score("xor", "{\"model\":\"xor\",\"features\":[1,0]}");
        JsonNode after = publish(f).get("xor");
        assertEquals(1, after.get("scoreRequests").asLong());
        for (String field : List.of("modelVersion", "windowCount", "windowAccuracy", "windowLogLoss", "fadingAccuracy", "fadingLogLoss",
                "updates", "lastUpdateTime", "sourceOffset")) {
            assertEquals(before.get(field), after.get(field), field);
        }
    }

    @Test
    void aModelIsPublishedOncePerIntervalAndOnlyIfItChanged() {
        TopologyFixture f = open();
        f.send("xor", BackstreamTopologyTest.xorSample(0));
        assertTrue(f.metrics.isEmpty(), "nothing before the interval");
        assertEquals(List.of("xor"), List.copyOf(publish(f).keySet()));
        assertTrue(publish(f).isEmpty(), "unchanged: no record");
        f.send("xor", BackstreamTopologyTest.xorSample(1));
        f.send("xor", BackstreamTopologyTest.xorSample(2));
        assertEquals(3, publish(f).get("xor").get("updates").asLong());
    }

    @Test
    void divergentUpdatesAreCountedAsDeadLettersByReason() {
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), new ModelCatalog(List.of(
                new ModelDefinition("reg", Mlp.restore(Architecture.of(1, Loss.SQUARED_ERROR, new LayerSpec(1, Activation.LINEAR)),
                        OptimizerSpec.sgd(1e10), 0, new double[] {1, 0}, null, 0), 1000, "test"))));
        TopologyFixture f = fixture;
        f.send("reg", "{\"model\":\"reg\",\"features\":[1],\"target\":[2]}");
        f.send("reg", "{\"model\":\"reg\",\"features\":[1e150],\"target\":[0]}");
        f.send("reg", "{\"model\":\"reg\",\"features\":[1e150],\"target\":[0]}");
        f.send("reg", "{\"model\":\"reg\",\"features\":[1,2],\"target\":[0]}"); // not the model's shape: rejected by its task
        JsonNode metrics = publish(f).get("reg");
        assertEquals(1, metrics.get("updates").asLong());
        assertEquals(1, metrics.get("windowCount").asInt(), "a rejected update adds nothing to the window");
        assertEquals(2, metrics.get("divergentUpdates").asLong());
        assertEquals(json("{\"DIVERGED_UPDATE\":2,\"WRONG_FEATURE_COUNT\":1}".getBytes(StandardCharsets.UTF_8)), metrics.get("deadLetters"));
    }

    @Test
    void thePublishedMetricsAndTheKafkaStreamsMetricsHoldTheLatestRecordUntilTheTaskCloses() {
        TopologyFixture f = open();
        for (int i = 0; i < 12; i++) {
            f.send("xor", BackstreamTopologyTest.xorSample(i));
        }
        JsonNode published = publish(f).get("xor");
        ModelMetrics latest = f.shared.metrics().all().stream().filter(m -> m.model().equals("xor")).findFirst().orElseThrow();
        assertEquals(published, json(latest.toJson()));
        assertEquals(published.get("windowAccuracy").asDouble(), streamsMetric(f, "window-accuracy", "xor"));
        assertEquals(12.0, streamsMetric(f, "updates-total", "xor"));
        assertEquals(0.0, streamsMetric(f, "dead-letters-total", "xor", "reason", "DIVERGED_UPDATE"));
        f.close();
        fixture = null;
        assertTrue(f.shared.metrics().all().isEmpty(), "removed when the task closed");
    }

    private static double streamsMetric(TopologyFixture f, String name, String model, String... moreTags) {
        for (Map.Entry<MetricName, ? extends Metric> metric : f.driver.metrics().entrySet()) {
            MetricName id = metric.getKey();
            if (id.group().equals(ModelSensors.GROUP) && id.name().equals(name) && model.equals(id.tags().get("model-id"))
                    && id.tags().containsKey("thread-id") && id.tags().containsKey("task-id")
                    && (moreTags.length == 0 || moreTags[1].equals(id.tags().get(moreTags[0])))) {
                return (Double) metric.getValue().metricValue();
            }
        }
        throw new AssertionError("no metric " + name + " for " + model + " in " + f.driver.metrics().keySet());
    }
}
