package dev.backstream.http;

import dev.backstream.message.ModelMetrics;
import dev.backstream.message.RejectReason;
import dev.backstream.stream.Activity;
import dev.backstream.stream.ActivityCounts;
import dev.backstream.stream.ModelPublications;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.PublishedMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The Prometheus exposition")
class PrometheusMetricsTest {
    private final PublishedMetrics published = new PublishedMetrics();
    private final Activity activity = new Activity();
    private final ModelSeriesSlots series = new ModelSeriesSlots(2);
    private final PrometheusMetrics metrics = new PrometheusMetrics(published, activity.totals(), series);

    /** {@code record} was published by a stream thread (which gives its model a series slot if one is free). */
    private void publish(ModelMetrics record) {
        ModelPublications.published(published, series, record);
    }

    @AfterEach
    void close() {
        metrics.close();
    }

    static ModelMetrics classification(String model, long version, double accuracy, double logLoss) {
        return new ModelMetrics(ModelMetrics.FORMAT, model, version, ModelMetrics.CLASSIFICATION, 1000, 640, 0.999, accuracy, logLoss,
                0.93, 0.21, null, null, null, null, List.of(new ModelMetrics.ClassCount(0, 60, 61, 58)), version, 7, 2,
                Map.of("WRONG_FEATURE_COUNT", 3L), 1_764_400_000_123L, "backstream.samples", 0, 99, 1_764_400_001_000L);
    }

    static ModelMetrics regression(String model, long version, double mae, double rmse) {
        return new ModelMetrics(ModelMetrics.FORMAT, model, version, ModelMetrics.REGRESSION, 500, 500, 0.99, null, null, null, null,
                mae, rmse, 0.3, 0.4, null, version, 0, 0, Map.of(), -1, null, -1, -1, 1_764_400_001_000L);
    }

    /** The sample line for {@code series} (name and labels exactly as exposed), or fails listing the metric's lines. */
    static double value(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
        throw new AssertionError("no series " + series + "; lines of " + name + ":\n"
                + String.join("\n", exposition.lines().filter(l -> l.startsWith(name)).toList()));
    }

    @Nested
    @DisplayName("before anything was processed")
    class Fresh {
        @Test
        void showsEveryDeadLetterReasonAtZeroAndTheJvm() {
            String text = metrics.scrape();
            for (RejectReason reason : RejectReason.values()) {
                if (reason.deadLetter()) {
                    assertEquals(0, value(text, "backstream_dead_letters_total{reason=\"" + reason + "\"}"));
                } else {
                    assertFalse(text.contains("reason=\"" + reason + "\""), reason + " is a command rejection, never a dead letter");
                }
            }
            assertTrue(text.contains("jvm_memory_used_bytes{"), "JVM memory");
            assertTrue(text.contains("jvm_threads_live_threads "), "JVM threads");
            assertTrue(text.contains("process_cpu_usage "), "processor");
            assertFalse(text.contains("backstream_model_"), "no model yet");
            assertEquals(0, value(text, "backstream_models"));
            assertEquals(0, value(text, "backstream_models_without_series"));
        }
    }

    @Nested
    @DisplayName("after the stream threads counted")
    class Counted {
        @Test
        void countsUpdatesPredictionsAndDeadLettersSinceStartEvenAfterASummary() {
            ModelPublications.holdsSlot(series, "xor");
            ActivityCounts.learned(activity, "xor", 40);
            ActivityCounts.predicted(activity, "xor", 45);
            ActivityCounts.deadLetter(activity, RejectReason.WRONG_FEATURE_COUNT, 2);
            activity.takeSummary();
            ActivityCounts.learned(activity, "xor", 2);

            String text = metrics.scrape();
            assertEquals(42, value(text, "backstream_model_updates_total{model=\"xor\"}"));
            assertEquals(45, value(text, "backstream_model_predictions_total{model=\"xor\"}"));
            assertEquals(2, value(text, "backstream_dead_letters_total{reason=\"WRONG_FEATURE_COUNT\"}"));
            assertEquals(0, value(text, "backstream_dead_letters_total{reason=\"MALFORMED_JSON\"}"));
        }
    }

    @Nested
    @DisplayName("with published model metrics")
    class Published {
        @Test
        void mapsAClassifiersMetricsToGaugesLabeledWithModelAndWindow() {
            publish(classification("digits", 1200, 0.875, 0.41));

            String text = metrics.scrape();
            assertEquals(0.875, value(text, "backstream_model_accuracy{model=\"digits\",window=\"1000\"}"));
            assertEquals(0.41, value(text, "backstream_model_log_loss{model=\"digits\",window=\"1000\"}"));
            assertEquals(0.93, value(text, "backstream_model_fading_accuracy{model=\"digits\"}"));
            assertEquals(0.21, value(text, "backstream_model_fading_log_loss{model=\"digits\"}"));
            assertEquals(640, value(text, "backstream_model_window_count{model=\"digits\",window=\"1000\"}"));
            assertEquals(1200, value(text, "backstream_model_version{model=\"digits\"}"));
            assertEquals(7, value(text, "backstream_model_score_requests{model=\"digits\"}"));
            assertEquals(2, value(text, "backstream_model_divergent_updates{model=\"digits\"}"));
            assertEquals(1_764_400_000.123, value(text, "backstream_model_last_update_timestamp_seconds{model=\"digits\"}"), 1e-3);
            assertFalse(text.contains("backstream_model_mae{"), "no regression metric for a classifier");
        }

        @Test
        void mapsARegressorsMetricsAndOmitsTheClassificationOnes() {
            publish(regression("price", 10, 1.5, 2.5));

            String text = metrics.scrape();
            assertEquals(1.5, value(text, "backstream_model_mae{model=\"price\",window=\"500\"}"));
            assertEquals(2.5, value(text, "backstream_model_rmse{model=\"price\",window=\"500\"}"));
            assertEquals(0.3, value(text, "backstream_model_fading_mae{model=\"price\"}"));
            assertEquals(0.4, value(text, "backstream_model_fading_rmse{model=\"price\"}"));
            assertFalse(text.contains("backstream_model_accuracy{"), "no accuracy for a regressor");
            assertFalse(text.contains("backstream_model_last_update_timestamp_seconds{"), "no update yet (-1)");
        }

        @Test
        void showsTheLatestRecordOnEveryScrapeAndForgetsAModelThatMovedAway() {
            publish(classification("digits", 100, 0.5, 1.2));
            publish(classification("xor", 100, 0.75, 0.6));
            assertEquals(0.5, value(metrics.scrape(), "backstream_model_accuracy{model=\"digits\",window=\"1000\"}"));

            publish(classification("digits", 200, 0.8, 0.7));
            ModelPublications.removed(published, series, "xor");
            String text = metrics.scrape();
            assertEquals(0.8, value(text, "backstream_model_accuracy{model=\"digits\",window=\"1000\"}"));
            assertEquals(200, value(text, "backstream_model_version{model=\"digits\"}"));
            assertFalse(text.contains("model=\"xor\""), "xor's task moved to another instance");
        }
    }

    @Nested
    @DisplayName("with more models than metrics.model.series.max (2 here)")
    class Capped {
        @Test
        void onlyTheModelsHoldingASeriesSlotHavePerModelSeriesAndTheCountsShowTheRest() {
            for (String model : List.of("a", "b", "c")) {
                publish(classification(model, 10, 0.5, 0.7));
                ActivityCounts.learned(activity, model, 10);
                ActivityCounts.predicted(activity, model, 10);
            }
            String text = metrics.scrape();
            for (String model : List.of("a", "b")) {
                assertEquals(0.5, value(text, "backstream_model_accuracy{model=\"" + model + "\",window=\"1000\"}"));
                assertEquals(10, value(text, "backstream_model_updates_total{model=\"" + model + "\"}"));
                assertEquals(10, value(text, "backstream_model_predictions_total{model=\"" + model + "\"}"));
            }
            assertFalse(text.contains("model=\"c\""), "c came third: no series of its own");
            assertEquals(3, value(text, "backstream_models"));
            assertEquals(1, value(text, "backstream_models_without_series"));
        }

        @Test
        void aModelTakesTheSlotAnotherGaveBackAndTheOthersSeriesGo() {
            for (String model : List.of("a", "b", "c")) {
                publish(classification(model, 10, 0.5, 0.7));
                ActivityCounts.learned(activity, model, 10);
            }
            metrics.scrape();
            ModelPublications.removed(published, series, "a"); // a's task moved away
            publish(classification("c", 11, 0.6, 0.7));

            String text = metrics.scrape();
            assertFalse(text.contains("model=\"a\""), "a's counters went with its slot");
            assertEquals(0.6, value(text, "backstream_model_accuracy{model=\"c\",window=\"1000\"}"));
            assertEquals(10, value(text, "backstream_model_updates_total{model=\"c\"}"));
            assertEquals(2, value(text, "backstream_models"));
            assertEquals(0, value(text, "backstream_models_without_series"));
        }
    }
}
