package dev.backstream.stream;

import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
}
