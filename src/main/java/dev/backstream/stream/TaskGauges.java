package dev.backstream.stream;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * A learner task's own Kafka Streams metric (JMX, {@code KafkaStreams#metrics()}, Prometheus through the Kafka Streams
 * binder): {@code models-in-memory}, group {@value #GROUP}, tags {@code thread-id} and {@code task-id}: how many of the
 * task's models are decoded in memory, the others being in its store only until their next record
 * ({@code models.evict.idle.ms}). One per task, whatever the number of models.
 */
final class TaskGauges {
    static final String GROUP = "backstream-task-metrics";
    static final String MODELS_IN_MEMORY = "models-in-memory";

    private final StreamsMetrics registry;
    private final Sensor sensor;

    TaskGauges(StreamsMetrics registry, String threadId, String taskId, IntSupplier modelsInMemory) {
        this.registry = registry;
        this.sensor = registry.addSensor("backstream-task." + threadId + "." + taskId, Sensor.RecordingLevel.INFO);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("thread-id", threadId);
        tags.put("task-id", taskId);
        sensor.add(new MetricName(MODELS_IN_MEMORY, GROUP, "Models of the task decoded in memory; the others are in its store until their next record",
                tags), new MeasurableStat() {
            @Override
            public double measure(MetricConfig config, long now) {
                // read from another thread without a lock: a gauge may lag the stream thread by a moment
                return modelsInMemory.getAsInt();
            }

            @Override
            public void record(MetricConfig config, double value, long timeMs) {
                // a gauge: read, never recorded
            }
        });
    }

    /** Unregisters the metric (the task closes). */
    void remove() {
        registry.removeSensor(sensor);
    }
}
