package dev.backstream.it;

import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.backstream.json.TestJson.json;

/**
 * Metrics and snapshots are published by wall-clock punctuators, so an instance can stop (or be killed) after learning
 * but before it published them. The instance that next owns the model owes those publications even if no sample for
 * the model ever arrives again: found when a crash test's last instance restored a fully trained model and never
 * published its metrics.
 */
@DisplayName("Publications owed by a restored model")
@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OwedPublicationsIT extends WithEmbeddedBroker {
    private static final int SAMPLES = 300;

    @TempDir
    Path stateDir;

    @Test
    void aRestoredModelPublishesItsOwedMetricsAndSnapshotWithoutANewSample() throws Exception {
        Map<String, String> settings = KafkaTestSupport.uniqueSettings(kafka, "owed", stateDir);
        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "0"); // the first instance never publishes metrics
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0");
        settings.put(BackstreamConfig.SNAPSHOT_EVERY_UPDATES, "1000000"); // nor snapshots
        BackstreamConfig learning = new BackstreamConfig(settings, null);
        KafkaTestSupport.createTopics(kafka, learning.topics(), 1);
        List<String[]> samples = dev.backstream.message.XorSamples.records(SAMPLES, null);
        KafkaTestSupport.produce(kafka, learning.topics().samples(), samples);
        try (BackstreamApp app = new BackstreamApp(learning, EndToEndIT.shippedModels())) {
            app.start();
            KafkaTestSupport.readUntil(kafka, learning.topics().predictions(), Duration.ofSeconds(60), read -> read.size() >= SAMPLES);
        }

        settings.put(BackstreamConfig.METRICS_INTERVAL_MS, "200");
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "200");
        BackstreamConfig restarted = new BackstreamConfig(settings, null);
        try (BackstreamApp app = new BackstreamApp(restarted, EndToEndIT.shippedModels())) {
            app.start();
            KafkaTestSupport.readUntil(kafka, restarted.topics().metrics(), Duration.ofSeconds(30),
                    read -> read.stream().anyMatch(r -> json(r.value()).get("updates").asLong() == SAMPLES));
            KafkaTestSupport.readUntil(kafka, restarted.topics().snapshots(), Duration.ofSeconds(30),
                    read -> read.stream().anyMatch(r -> SnapshotJson.read(r.value()).model().updates() == SAMPLES));
        }
    }
}
