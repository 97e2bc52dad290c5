package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("The published metrics' history")
class PublishedMetricsTest {
    /** A metrics record of {@code model}, told apart from the others of its model by {@code version}. */
    static ModelMetrics metrics(String model, long version) {
        return new ModelMetrics(ModelMetrics.FORMAT, model, version, ModelMetrics.REGRESSION, 500, 500, 0.99, null, null, null, null,
                1.0, 1.0, 1.0, 1.0, null, version, 0, 0, Map.of(), -1, null, -1, -1, version);
    }

    /** {@code model} publishes versions 1 to {@code records}. */
    private static void publish(PublishedMetrics published, String model, int records) {
        for (int version = 1; version <= records; version++) {
            published.published(metrics(model, version));
        }
    }

    private static List<Long> versions(PublishedMetrics published, String model) {
        return published.history(model).stream().map(ModelMetrics::modelVersion).toList();
    }

    /** Versions {@code first} to {@code last}, both included. */
    private static List<Long> range(long first, long last) {
        return LongStream.rangeClosed(first, last).boxed().toList();
    }

    @Test
    void theDefaultBudgetIs20000RecordsInTotalAnd300AModel() {
        assertEquals(20_000, PublishedMetrics.HISTORY_BUDGET);
        assertEquals(300, PublishedMetrics.HISTORY);
    }

    @Test
    void aLoneModelKeepsItsLast300RecordsOldestFirst() {
        PublishedMetrics published = new PublishedMetrics();
        publish(published, "a", 400);
        assertEquals(range(101, 400), versions(published, "a"), "the oldest 100 were trimmed");
        assertEquals(300, published.retained());
    }

    @Test
    void modelsThatGoIdleGiveUpTheirRecordsSoTheTotalNeverExceedsTheBudget() {
        // 1,000 models publish 300 records each in turn, then go idle for good: under the old per-model depth each kept
        // the depth of its last publication, 6,136 records in total for a budget of 1,000
        int budget = 1_000;
        int models = 1_000;
        PublishedMetrics published = new PublishedMetrics(budget);
        for (int k = 0; k < models; k++) {
            publish(published, "m" + k, PublishedMetrics.HISTORY);
            assertEquals(Math.min(budget, (k + 1) * PublishedMetrics.HISTORY), published.retained(), "after m" + k);
        }
        assertEquals(range(1, 300), versions(published, "m999"), "the newest 1,000 records are kept");
        assertEquals(range(1, 300), versions(published, "m998"));
        assertEquals(range(1, 300), versions(published, "m997"));
        assertEquals(range(201, 300), versions(published, "m996"));
        assertEquals(List.of(300L), versions(published, "m995"), "only the latest is left of the older ones");
        assertEquals(List.of(300L), versions(published, "m0"));
    }

    @Test
    void modelsPublishingAtTheSameRateShareTheBudgetEqually() {
        PublishedMetrics published = new PublishedMetrics(1_000);
        for (int version = 1; version <= 400; version++) {
            for (int k = 0; k < 5; k++) {
                published.published(metrics("m" + k, version));
            }
        }
        for (int k = 0; k < 5; k++) {
            assertEquals(range(201, 400), versions(published, "m" + k), "m" + k + ": 1,000 / 5, the newest");
        }
        assertEquals(1_000, published.retained());
    }

    @Test
    void theOldestRecordsGoFirstWhicheverModelTheyBelongTo() {
        PublishedMetrics published = new PublishedMetrics(1_000);
        publish(published, "a", 400);
        assertEquals(range(101, 400), versions(published, "a"), "one model: the per-model maximum, below the budget");

        for (int i = 0; i < 4; i++) {
            publish(published, "b" + i, 400);
        }
        // held: a 300, then b0..b3 300 each = 1,500; the 500 oldest go: all of a's, then b0's oldest 200
        assertEquals(1_000, published.retained());
        assertEquals(List.of(400L), versions(published, "a"), "a model whose history was dropped still has its latest");
        assertEquals(range(301, 400), versions(published, "b0"));
        assertEquals(range(101, 400), versions(published, "b3"));

        published.published(metrics("a", 401));
        assertEquals(List.of(401L), versions(published, "a"), "the newest is the one just published");
        assertEquals(range(302, 400), versions(published, "b0"), "it took the place of the oldest record held");
        assertEquals(1_000, published.retained());
    }

    @Test
    void beyondTheBudgetEveryModelKeepsItsLatestRecord() {
        PublishedMetrics published = new PublishedMetrics(10);
        for (int i = 0; i < 50; i++) {
            publish(published, "m" + i, 3);
        }
        assertEquals(10, published.retained(), "the budget of 10 holds the newest 10 records");
        assertEquals(List.of(1L, 2L, 3L), versions(published, "m49"));
        assertEquals(List.of(1L, 2L, 3L), versions(published, "m47"));
        assertEquals(List.of(3L), versions(published, "m46"), "the newest record of m46 is held");
        for (int i = 0; i < 46; i++) {
            assertEquals(List.of(3L), versions(published, "m" + i), "m" + i + ": its latest, though none is held");
            assertEquals(3, published.latest("m" + i).orElseThrow().modelVersion());
        }
        assertEquals(50, published.all().size());
    }

    @Test
    void aRemovedModelGivesItsRecordsBack() {
        PublishedMetrics published = new PublishedMetrics(600);
        publish(published, "a", 400);
        publish(published, "b", 400);
        publish(published, "c", 400);
        assertEquals(List.of(400L), versions(published, "a"), "c's records took the place of a's");
        assertEquals(600, published.retained());

        published.removed("c");
        assertEquals(300, published.retained(), "b's 300 are left");
        assertEquals(List.of(), published.history("c"));
        assertEquals(Optional.empty(), published.latest("c"));

        publish(published, "a", 300);
        assertEquals(range(1, 300), versions(published, "a"), "c's 300 went to a");
        assertEquals(range(101, 400), versions(published, "b"), "b lost nothing");
        assertEquals(600, published.retained());
    }

    @Test
    void aModelThatComesBackStartsAfresh() {
        PublishedMetrics published = new PublishedMetrics(200);
        publish(published, "a", 100);
        publish(published, "b", 100);
        published.removed("a");
        published.published(metrics("a", 7));
        assertEquals(List.of(7L), versions(published, "a"));
        assertEquals(101, published.retained());

        publish(published, "c", 100);
        assertEquals(range(2, 100), versions(published, "b"), "the oldest held was b's first, none of a's earlier stay");
        assertEquals(List.of(7L), versions(published, "a"));
        assertEquals(200, published.retained());
    }

    @Test
    void aModelNeverPublishedHasNoHistory() {
        assertEquals(List.of(), new PublishedMetrics().history("nobody"));
    }
}
