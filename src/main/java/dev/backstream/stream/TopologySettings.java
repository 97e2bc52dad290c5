package dev.backstream.stream;

import java.util.Map;
import java.util.Objects;

/**
 * Everything the topology needs besides its models: the application computes it from its configuration, tests and
 * benchmarks build it directly. The topology never sees the application's configuration.
 *
 * @param topics               the ten topics
 * @param maxRecordBytes       input records larger than this go to dead letters unparsed
 * @param maxFeatures          feature or target arrays longer than this are rejected while parsing
 * @param snapshotIntervalMs   wall-clock cadence of snapshots of changed models; 0 disables
 * @param deadLetterFieldBytes the most bytes a dead letter copies of a record's key and of its value
 * @param changelogConfig      topic configuration of the model store's changelog
 * @param metrics              the models' prequential metrics: window, fading factor, publishing cadence
 * @param management           the limits of control commands: snapshot history, most models, largest model
 * @param events               raw events and delayed labels: default model, label TTL, most pending events per model
 */
public record TopologySettings(Topics topics, int maxRecordBytes, int maxFeatures, long snapshotIntervalMs, int deadLetterFieldBytes,
                               Map<String, String> changelogConfig, MetricsSettings metrics, ModelManagement management,
                               EventSettings events) {
    public TopologySettings {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(management, "management");
        if (maxRecordBytes < 1 || maxFeatures < 1 || snapshotIntervalMs < 0 || deadLetterFieldBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: maxRecordBytes " + maxRecordBytes + ", maxFeatures " + maxFeatures
                    + ", snapshotIntervalMs " + snapshotIntervalMs + ", deadLetterFieldBytes " + deadLetterFieldBytes);
        }
        changelogConfig = Map.copyOf(changelogConfig);
    }
}
