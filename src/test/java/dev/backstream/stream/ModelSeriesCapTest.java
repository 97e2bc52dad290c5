package dev.backstream.stream;

import dev.backstream.app.BackstreamConfig;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.RejectReason;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.message.Sample;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code metrics.model.series.max} on the production topology: the per-model Kafka Streams metrics exist for at most
 * that many models, first come first served, while every model still publishes its metrics records.
 */
@DisplayName("The cap on per-model metric series")
class ModelSeriesCapTest {
    private static final List<String> MODELS = List.of("m1", "m2", "m3", "m4", "m5");

    @TempDir
    Path stateDir;

    private TopologyFixture f;

    @BeforeEach
    void open() {
        List<ModelDefinition> models = new ArrayList<>();
        for (String id : MODELS) {
            models.add(new ModelDefinition(id, Mlp.initialize(TopologyFixture.XOR, OptimizerSpec.sgd(0.5), 7), 1000, "test"));
        }
        f = new TopologyFixture(TopologyFixture.config(stateDir, Map.of(BackstreamConfig.METRICS_MODEL_SERIES_MAX, "2")),
                new ModelCatalog(models));
    }

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
    }

    private void learn(String model) {
        f.send(model, new String(new Sample(model, new double[] {0, 1}, 1, null, null).toJson(), StandardCharsets.UTF_8));
    }

    /** One interval of wall-clock time; the metrics records published in it, by model: updates applied. */
    private Map<String, Long> publish() {
        f.driver.advanceWallClockTime(Duration.ofMillis(MetricsSettings.DEFAULT.intervalMs()));
        Map<String, Long> updates = new TreeMap<>();
        for (TestRecord<byte[], byte[]> record : f.metrics.readRecordsToList()) {
            updates.put(new String(record.key(), StandardCharsets.UTF_8), dev.backstream.json.TestJson.json(record.value()).get("updates").asLong());
        }
        return updates;
    }

    /** The models that have metrics of group {@value ModelSensors#GROUP}, and how many each. */
    private Map<String, Long> modelsWithSeries() {
        Map<String, Long> counts = new TreeMap<>();
        for (MetricName name : f.driver.metrics().keySet()) {
            if (name.group().equals(ModelSensors.GROUP)) {
                counts.merge(name.tags().get("model-id"), 1L, Long::sum);
            }
        }
        return counts;
    }

    @Test
    void theFirstTwoModelsToPublishGetSeriesAndAllFivePublishTheirRecords() {
        learn("m1");
        learn("m2");
        assertEquals(Set.of("m1", "m2"), publish().keySet());
        for (String model : List.of("m3", "m4", "m5")) {
            learn(model);
        }
        assertEquals(Set.of("m3", "m4", "m5"), publish().keySet(), "models beyond the cap still publish");

        Map<String, Long> series = modelsWithSeries();
        assertEquals(Set.of("m1", "m2"), series.keySet(), "first come first served");
        long reasons = java.util.Arrays.stream(RejectReason.values()).filter(RejectReason::deadLetter).count();
        assertEquals(14 + reasons, series.get("m1"), "14 gauges and one per dead-letter reason, as without the cap");
        assertEquals(new TreeSet<>(MODELS), new TreeSet<>(f.shared.metrics().all().stream().map(m -> m.model()).toList()),
                "the HTTP layer still sees every model");
        assertEquals(Set.of("m1", "m2"), f.shared.series().models());
    }

    @Test
    void aDeletedModelsSlotGoesToTheNextModelToPublish() {
        for (String model : MODELS) {
            learn(model);
            publish();
        }
        assertEquals(Set.of("m1", "m2"), modelsWithSeries().keySet());

        f.command(new ModelCommand.Delete("d", "m1"));
        assertEquals(Set.of("m2"), modelsWithSeries().keySet(), "released with the model");
        learn("m4");
        assertEquals(Map.of("m4", 2L), publish());
        assertEquals(Set.of("m2", "m4"), modelsWithSeries().keySet());
    }

    @Test
    void slotsAreReleasedAndEveryModelForgottenWhenTheTaskCloses() {
        for (String model : MODELS) {
            learn(model);
        }
        publish();
        assertEquals(2, f.shared.series().models().size());
        assertEquals(5, f.shared.metrics().all().size());
        TopologyFixture closed = f;
        f = null;
        closed.close();
        assertEquals(Set.of(), closed.shared.series().models());
        assertEquals(List.of(), List.copyOf(closed.shared.metrics().all()), "the models without series too");
    }
}
