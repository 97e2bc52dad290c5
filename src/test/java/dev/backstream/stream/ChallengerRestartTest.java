package dev.backstream.stream;

import dev.backstream.message.ModelCommand;
import dev.backstream.message.SampleParser;
import dev.backstream.message.SourceRecord;
import dev.backstream.json.Json;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Mlp;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Challengers across a task restart: a new processor over the same store resumes every challenger, and a promotion,
 * from what the last commit persisted; the models and metrics (a window sealed in chunks, which a promotion moves to
 * the other model's keys) equal those of an uninterrupted run.
 */
@DisplayName("Challengers after a task restart")
class ChallengerRestartTest {
    /** A window of 150 entries: sealed in chunks of 64. */
    private static final MetricsSettings SETTINGS = new MetricsSettings(150, 0.99, 5_000);

    private static ModelCatalog catalog() throws Exception {
        return new ModelCatalog(List.of(ModelCatalog.loadDefinition(ChallengerTopologyTest.WITH_CHALLENGERS.getBytes(StandardCharsets.UTF_8),
                null, "test", 1000)));
    }

    private static Record<byte[], RoutedSample> sample(int i, long offset) {
        String line = ChallengerTopologyTest.sample(i);
        RoutedSample routed = new RoutedSample(new SampleParser().parse(line), true, null, line.getBytes(StandardCharsets.UTF_8),
                new SourceRecord("backstream.samples", 0, offset, 1000 + offset));
        return new Record<>("champ".getBytes(StandardCharsets.UTF_8), routed, 1000 + offset);
    }

    private static Record<byte[], RoutedSample> promote(long offset) {
        ModelCommand command = new ModelCommand.Promote("p", "champ", "wide");
        RoutedSample routed = RoutedSample.command(command, "champ".getBytes(StandardCharsets.UTF_8), command.toJson(),
                new SourceRecord("backstream.control", 0, offset, 1000 + offset));
        return new Record<>("champ".getBytes(StandardCharsets.UTF_8), routed, 1000 + offset);
    }

    @Test
    void aRestartedTaskResumesTheChallengersAndAPromotionFromTheLastCommit() throws Exception {
        ModelCatalog catalog = catalog();
        // crashed run: 200 samples, committing every 9, a promotion, 20 samples, a commit, 5 samples never committed
        ModelStoreHarness crashed = new ModelStoreHarness(SETTINGS);
        ModelProcessor first = crashed.processor(catalog);
        for (int i = 0; i < 200; i++) {
            first.process(sample(i, i));
            if (i % 9 == 8) {
                crashed.store.flushCache();
            }
        }
        first.process(promote(0));
        for (int i = 200; i < 220; i++) {
            first.process(sample(i, i));
        }
        crashed.store.flushCache();
        for (int i = 220; i < 225; i++) {
            first.process(sample(i + 1, i)); // other samples, processed but never committed: lost in the crash
        }
        first.close();
        crashed.restart();
        ModelProcessor second = crashed.processor(catalog);
        for (int i = 220; i < 400; i++) {
            second.process(sample(i, i));
            if (i % 31 == 30) {
                crashed.store.flushCache();
            }
        }
        crashed.store.flushCache();
        var forwarded = crashed.context.forwarded();
        var firstAfterRestart = Json.MAPPER.readTree(forwarded.get(0).record().value().json());
        assertEquals(220, firstAfterRestart.get("modelVersion").asLong(), "resumed at the commit, not 5 samples later");
        assertTrue(firstAfterRestart.get("role") == null);

        Mlp champion = ChallengerTopologyTest.offlineChampion();
        Mlp wide = ChallengerTopologyTest.offlineWide();
        Mlp deep = ChallengerTopologyTest.offlineDeep();
        SampleParser parser = new SampleParser();
        for (int i = 0; i < 400; i++) {
            var s = parser.parse(ChallengerTopologyTest.sample(i));
            s.learnOn(champion);
            s.learnOn(wide);
            s.learnOn(deep);
        }
        assertTrue(crashed.store.persisted("champ").orElseThrow().model().bitIdentical(wide), "the promoted challenger is the model");
        assertTrue(crashed.store.persistedChallenger("champ", "wide").orElseThrow().model().bitIdentical(champion),
                "the former champion is challenger 'wide'");
        assertTrue(crashed.store.persistedChallenger("champ", "deep").orElseThrow().model().bitIdentical(deep));

        // uninterrupted run, one commit at the end
        ModelStoreHarness uninterrupted = new ModelStoreHarness(SETTINGS);
        ModelProcessor only = uninterrupted.processor(catalog);
        for (int i = 0; i < 200; i++) {
            only.process(sample(i, i));
        }
        only.process(promote(0));
        for (int i = 200; i < 400; i++) {
            only.process(sample(i, i));
        }
        uninterrupted.store.flushCache();
        assertArrayEquals(encoded(uninterrupted.store.persisted("champ").orElseThrow().metrics()),
                encoded(crashed.store.persisted("champ").orElseThrow().metrics()), "the champion's window, entry for entry");
        for (String name : List.of("wide", "deep")) {
            assertArrayEquals(encoded(uninterrupted.store.persistedChallenger("champ", name).orElseThrow().metrics()),
                    encoded(crashed.store.persistedChallenger("champ", name).orElseThrow().metrics()), "challenger " + name + "'s window");
        }
        assertEquals(150, crashed.store.persisted("champ").orElseThrow().metrics().count());
        List<String> keys = new ArrayList<>();
        try (var all = crashed.underlying.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key.replace('\u0000', '/')));
        }
        assertTrue(keys.containsAll(List.of("champ", "champ/control", "champ/challenger-wide", "champ/challenger-wide/metrics-chunk-0",
                "champ/challenger-deep", "champ/metrics-chunk-2")), keys.toString());
    }

    private static byte[] encoded(PrequentialMetrics metrics) {
        ByteBuffer out = ByteBuffer.allocate(metrics.encodedSize());
        metrics.encode(out);
        return out.array();
    }
}
