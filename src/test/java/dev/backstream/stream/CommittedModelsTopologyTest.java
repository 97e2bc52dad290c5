package dev.backstream.stream;

import dev.backstream.message.ModelCommand;
import dev.backstream.message.SampleParser;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the HTTP API reads: each model's state as of the last completed commit, shown at the task's next step, never
 * the learner's live model (the test driver commits after every record).
 */
@DisplayName("Committed models for readers")
class CommittedModelsTopologyTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private TopologyFixture open() {
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), TopologyFixture.catalog(1000));
        return fixture;
    }

    @Test
    void aCommitIsShownAtTheTasksNextStepWithTheModelOfThatCommit() {
        TopologyFixture f = open();
        Mlp reference = f.catalog.find("xor").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        assertTrue(f.shared.models().find("xor").isEmpty(), "nothing before the model learned");
        for (int i = 0; i < 30; i++) {
            String line = BackstreamTopologyTest.xorSample(i);
            f.send("xor", line);
            parser.parse(line).learnOn(reference);
            // the commit after sample i completes before the next step of the task: the punctuation below
            long shownBefore = f.shared.models().find("xor").map(CommittedModel::version).orElse(0L);
            assertEquals(i, shownBefore, "the commit of sample " + i + " is not shown before the task's next step");
            f.driver.advanceWallClockTime(Duration.ofMillis(100));
            CommittedModel shown = f.shared.models().find("xor").orElseThrow();
            assertEquals(i + 1, shown.version());
            double[] x = {i % 2, (i / 2) % 2};
            assertArrayEquals(reference.predict(x).copyOutput(), shown.scorer().predict(x).copyOutput(),
                    "the shown state scores exactly as the model after " + (i + 1) + " updates");
        }
        Mlp snapshot = SnapshotJson.read(f.shared.models().find("xor").orElseThrow().snapshotJson()).model();
        assertTrue(snapshot.bitIdentical(reference), "the snapshot of the committed state is the model, optimizer state included");
    }

    @Test
    void aClosedTaskNoLongerShowsItsModelsAndARestartedOneShowsThemAtOnce() {
        TopologyFixture f = open();
        for (int i = 0; i < 5; i++) {
            f.send("xor", BackstreamTopologyTest.xorSample(i));
        }
        f.driver.advanceWallClockTime(Duration.ofMillis(100));
        assertEquals(5, f.shared.models().find("xor").orElseThrow().version());
        f.close();
        fixture = null;
        assertTrue(f.shared.models().all().isEmpty(), "a closed task's models are not shown");
    }

    @Test
    void aDeletedDeclaredModelIsShownDeletedOnceTheDeleteIsCommittedAndUntilItIsCreatedAgain() {
        TopologyFixture f = open();
        f.send("xor", BackstreamTopologyTest.xorSample(0));
        f.driver.advanceWallClockTime(Duration.ofMillis(100));
        assertEquals("deleted", f.command(new ModelCommand.Delete("d", "xor")).get("event").asText());
        assertFalse(f.shared.models().isDeleted("xor"), "not before the task's next step");
        assertTrue(f.shared.models().find("xor").isPresent());
        f.driver.advanceWallClockTime(Duration.ofMillis(100));
        assertTrue(f.shared.models().isDeleted("xor"));
        assertTrue(f.shared.models().find("xor").isEmpty());
        assertFalse(f.shared.models().isDeleted("blobs"), "a declared model that was never deleted");

        String xor = """
                {"format": "backstream.mlp/v1", "modelId": "xor", "inputs": 2, "loss": "binary_cross_entropy",
                 "optimizer": {"type": "sgd", "learningRate": 0.3},
                 "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}], "seed": 11}
                """;
        assertEquals("created", f.command(new ModelCommand.Create("c", "xor", xor.getBytes(StandardCharsets.UTF_8))).get("event").asText());
        f.driver.advanceWallClockTime(Duration.ofMillis(100));
        assertFalse(f.shared.models().isDeleted("xor"), "a create clears the tombstone");
        assertEquals(0, f.shared.models().find("xor").orElseThrow().version());
        assertEquals(3, f.shared.models().find("xor").orElseThrow().definition().architecture().width(1), "the created definition");
    }

    @Test
    void aRestartedTaskKnowsItsTombstonesFromTheStore() {
        ModelCatalog catalog = TopologyFixture.catalog(1000);
        java.util.function.Function<String, ModelDefinition> declared = id -> catalog.find(id).orElse(null);
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> underlying = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BackstreamTopology.STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();

        CommittedModels first = new CommittedModels();
        ModelStore store = startTask(context, underlying, first, declared);
        store.delete(store.get("xor", declared), true);
        store.flushCache(); // the commit
        store.publishCommitted();
        assertTrue(first.isDeleted("xor"));

        CommittedModels second = new CommittedModels();
        store = startTask(context, underlying, second, declared);
        assertTrue(second.isDeleted("xor"), "the tombstone is read back when the task starts");
        assertFalse(second.isDeleted("blobs"));
        store.create(catalog.find("xor").orElseThrow());
        store.flushCache();
        store.publishCommitted();
        assertFalse(second.isDeleted("xor"));

        CommittedModels third = new CommittedModels();
        startTask(context, underlying, third, declared);
        assertFalse(third.isDeleted("xor"), "the create replaced the tombstone in the store");
        assertTrue(third.find("xor").isPresent());
    }

    private static ModelStore startTask(MockProcessorContext<Object, Object> context, KeyValueStore<String, byte[]> underlying,
                                        CommittedModels committed, java.util.function.Function<String, ModelDefinition> declared) {
        ModelStore store = new ModelStore(underlying, MetricsSettings.DEFAULT, committed);
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        store.loadAll(declared, (definition, summary) -> true);
        return store;
    }
}
