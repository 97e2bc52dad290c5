package dev.backstream.stream;

import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.stream.ModelStore.LiveModel;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publishing punctuation's pass over the models in memory, bounded per run: each run stops once what it published
 * reaches the budget, the next goes on from there, and only a finished pass starts a new one. Here every model
 * "publishes" 40 bytes against a budget of 100, so a run publishes three models (the third reaches the budget).
 */
@DisplayName("A publication sweep")
class PublicationSweepTest {
    private static final long BUDGET = 100;
    private static final long EACH = 40;

    private final ModelCatalog catalog = new ModelCatalog(IntStream.range(0, 20)
            .mapToObj(k -> new ModelDefinition("m" + k, Mlp.initialize(TopologyFixture.XOR, OptimizerSpec.sgd(0.5), 7), 1000, "test"))
            .toList());
    private final Function<String, ModelDefinition> definitions = id -> catalog.find(id).orElse(null);
    private final ModelStoreHarness harness = new ModelStoreHarness();
    private final PublicationSweep sweep = new PublicationSweep(BUDGET);
    /** The ids published by each run, in order. */
    private final List<List<String>> runs = new ArrayList<>();

    private void load(int from, int to) {
        for (int k = from; k < to; k++) {
            harness.store.get("m" + k, definitions);
        }
    }

    /** One run of the sweep, recording what it published; returns whether the pass ended. */
    private boolean run() {
        List<String> published = new ArrayList<>();
        boolean ended = sweep.run(harness.store, entry -> {
            published.add(entry.id());
            return EACH;
        });
        runs.add(published);
        return ended;
    }

    @Test
    void publishesUpToItsBudgetPerRunAndTheNextRunGoesOnWhereTheLastStopped() {
        load(0, 10);
        assertFalse(run());
        assertFalse(run());
        assertFalse(run());
        assertTrue(run(), "10 models, 3 a run: the fourth run ends the pass");
        assertEquals(List.of(3, 3, 3, 1), runs.stream().map(List::size).toList());
        List<String> all = runs.stream().flatMap(List::stream).toList();
        assertEquals(10, new HashSet<>(all).size(), "each model once in the pass, none twice: " + all);
    }

    @Test
    void aPassWithNothingToPublishEndsInOneRun() {
        load(0, 10);
        assertTrue(sweep.run(harness.store, entry -> 0));
    }

    @Test
    void skipsTheModelsThatLeftMemoryDuringThePass() {
        load(0, 10);
        run();
        List<String> rest = new ArrayList<>(harness.store.liveModels().stream().map(LiveModel::id).toList());
        rest.removeAll(runs.get(0));
        // one deleted by a command, the others dropped as a new task starts (or evicted): none is published any more
        harness.store.delete(harness.store.get(rest.get(0), definitions), true);
        LiveModel kept = harness.store.get(rest.get(1), definitions);
        harness.store.forgetLiveModels();
        while (!run()) {
            // the rest of the pass
        }
        assertEquals(List.of(), runs.subList(1, runs.size()).stream().flatMap(List::stream).toList(),
                "a model not in memory is not published: its entry is stale");
        assertFalse(harness.store.isLive(kept));
    }

    @Test
    void aFinishedPassStartsANewOneWithTheModelsLoadedMeanwhile() {
        load(0, 4);
        run();
        load(4, 6); // two models decoded by their records during the pass
        assertTrue(run());
        assertEquals(4, runs.stream().mapToInt(List::size).sum(), "the pass is over the models in memory when it began");
        runs.clear();
        while (!run()) {
            // the next pass
        }
        Set<String> second = new HashSet<>(runs.stream().flatMap(List::stream).toList());
        assertEquals(Set.of("m0", "m1", "m2", "m3", "m4", "m5"), second);
    }

    @Test
    void needsAPositiveBudget() {
        assertThrows(IllegalArgumentException.class, () -> new PublicationSweep(0));
    }
}
