package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
import dev.backstream.message.RejectReason;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One model's metrics as Kafka Streams metrics (JMX, {@code KafkaStreams#metrics()}): one sensor per model and task,
 * registered through the task's {@link StreamsMetrics}, whose metrics read the model's latest published
 * {@link ModelMetrics} (so they change at each publication, every {@code metrics.interval.ms}). Group {@value #GROUP};
 * tags {@code thread-id}, {@code task-id}, {@code model-id}, and {@code reason} for {@code dead-letters-total}.
 * Metrics that do not apply to the model's kind read NaN.
 */
final class ModelSensors {
    static final String GROUP = "backstream-model-metrics";

    private final StreamsMetrics registry;
    private final Sensor sensor;
    private volatile ModelMetrics latest;

    ModelSensors(StreamsMetrics registry, String threadId, String taskId, String modelId) {
        this.registry = registry;
        this.sensor = registry.addSensor("backstream-model." + threadId + "." + taskId + "." + modelId, Sensor.RecordingLevel.INFO);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("thread-id", threadId);
        tags.put("task-id", taskId);
        tags.put("model-id", modelId);
        gauge(tags, "window-accuracy", "Share of correct predictions among the last metrics.window labeled ones (classifiers)", m -> value(m.windowAccuracy()));
        gauge(tags, "window-log-loss", "Mean loss of the last metrics.window labeled predictions (classifiers)", m -> value(m.windowLogLoss()));
        gauge(tags, "fading-accuracy", "Fading average of correctness (classifiers)", m -> value(m.fadingAccuracy()));
        gauge(tags, "fading-log-loss", "Fading average of the loss (classifiers)", m -> value(m.fadingLogLoss()));
        gauge(tags, "window-mae", "Mean absolute error of the last metrics.window labeled predictions (regression)", m -> value(m.windowMae()));
        gauge(tags, "window-rmse", "Root mean squared error of the last metrics.window labeled predictions (regression)", m -> value(m.windowRmse()));
        gauge(tags, "fading-mae", "Fading mean absolute error (regression)", m -> value(m.fadingMae()));
        gauge(tags, "fading-rmse", "Square root of the fading mean squared error (regression)", m -> value(m.fadingRmse()));
        gauge(tags, "window-count", "Labeled predictions in the window", m -> m.windowCount());
        gauge(tags, "model-version", "Updates applied to the model", m -> m.modelVersion());
        gauge(tags, "updates-total", "Updates applied to the model", m -> m.updates());
        gauge(tags, "score-requests-total", "Score requests served", m -> m.scoreRequests());
        gauge(tags, "divergent-updates-total", "Updates rejected because they would have made a parameter non-finite", m -> m.divergentUpdates());
        gauge(tags, "last-update-timestamp-ms", "Timestamp of the record of the last update applied, or -1", m -> m.lastUpdateTime());
        for (RejectReason reason : RejectReason.values()) {
            if (!reason.deadLetter()) {
                continue;
            }
            Map<String, String> reasonTags = new LinkedHashMap<>(tags);
            reasonTags.put("reason", reason.name());
            String code = reason.name();
            gauge(reasonTags, "dead-letters-total", "Dead letters of this model's records sent by the learner, by reason",
                    m -> m.deadLetters().getOrDefault(code, 0L));
        }
    }

    private void gauge(Map<String, String> tags, String name, String description, ToDoubleFunction<ModelMetrics> read) {
        sensor.add(new MetricName(name, GROUP, description, tags), new MeasurableStat() {
            @Override
            public double measure(MetricConfig config, long now) {
                ModelMetrics metrics = latest;
                return metrics == null ? Double.NaN : read.applyAsDouble(metrics);
            }

            @Override
            public void record(MetricConfig config, double value, long timeMs) {
                // values come from the latest published metrics, not from recordings
            }
        });
    }

    private static double value(Double value) {
        return value == null ? Double.NaN : value;
    }

    /** The model's metrics were just published. */
    void update(ModelMetrics metrics) {
        latest = metrics;
    }

    /** Unregisters the sensor and its metrics (the model's task closes). */
    void remove() {
        registry.removeSensor(sensor);
    }
}
