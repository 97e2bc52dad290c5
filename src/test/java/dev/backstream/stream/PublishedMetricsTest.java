package dev.backstream.stream;

import dev.backstream.message.ModelMetrics;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("The published metrics' history")
class PublishedMetricsTest {
    /** A metrics record of {@code model}, told apart from the others of its model by {@code version}. */
    static ModelMetrics metrics(String model, long version) {
        return new ModelMetrics(ModelMetrics.FORMAT, model, version, ModelMetrics.REGRESSION, 500, 500, 0.99, null, null, null, null,
                1.0, 1.0, 1.0, 1.0, null, version, 0, 0, Map.of(), -1, null, -1, -1, version);
    }

    private static void publish(PublishedMetrics published, String model, int records) {
        for (int version = 1; version <= records; version++) {
            published.published(metrics(model, version));
        }
    }

    private static List<Long> versions(PublishedMetrics published, String model) {
        return published.history(model).stream().map(ModelMetrics::modelVersion).toList();
    }

    @Test
    void aLoneModelKeepsItsLast300RecordsOldestFirst() {
        PublishedMetrics published = new PublishedMetrics();
        publish(published, "a", 400);
        List<Long> history = versions(published, "a");
        assertEquals(PublishedMetrics.HISTORY, history.size());
        assertEquals(101, history.get(0), "the oldest 100 were trimmed");
        assertEquals(400, history.get(history.size() - 1));
    }

    @Test
    void theDefaultBudgetIs20000RecordsInTotal() {
        assertEquals(20_000, PublishedMetrics.HISTORY_BUDGET);
        assertEquals(300, PublishedMetrics.HISTORY);
    }

    @Test
    void eachModelsDepthShrinksAsModelsAreAddedSoThatTheTotalStaysWithinTheBudget() {
        PublishedMetrics published = new PublishedMetrics(1_000);
        publish(published, "a", 400);
        assertEquals(300, versions(published, "a").size(), "one model: the per-model maximum, below the budget");

        for (int i = 0; i < 4; i++) {
            publish(published, "b" + i, 400);
        }
        assertEquals(200, versions(published, "b3").size(), "five models: 1,000 / 5 each");
        assertEquals(200, versions(published, "a").size(), "a model that did not publish since is cut as well");
        assertEquals(400, versions(published, "a").get(199), "the newest kept");

        publish(published, "a", 1);
        assertEquals(200, versions(published, "a").size());
        assertEquals(1, versions(published, "a").get(199), "the newest is the one just published");
    }

    @Test
    void beyondTheBudgetEveryModelKeepsItsLatestRecord() {
        PublishedMetrics published = new PublishedMetrics(10);
        for (int i = 0; i < 50; i++) {
            publish(published, "m" + i, 3);
        }
        int total = 0;
        for (int i = 0; i < 50; i++) {
            assertEquals(List.of(3L), versions(published, "m" + i), "m" + i);
            assertEquals(3, published.latest("m" + i).orElseThrow().modelVersion());
            total += versions(published, "m" + i).size();
        }
        assertEquals(50, total, "one each: the budget of 10 cannot hold one per model, the latest is always kept");
        assertEquals(50, published.all().size());
    }

    @Test
    void aRemovedModelGivesItsShareBack() {
        PublishedMetrics published = new PublishedMetrics(600);
        publish(published, "a", 400);
        publish(published, "b", 400);
        assertEquals(300, versions(published, "a").size());
        publish(published, "c", 400);
        assertEquals(200, versions(published, "a").size());
        published.removed("c");
        publish(published, "a", 400);
        assertEquals(300, versions(published, "a").size(), "two models again: 300 each");
    }
}
