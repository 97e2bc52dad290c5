package dev.backstream.stream;

import dev.backstream.message.RejectReason;
import dev.backstream.message.Sample;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The summary line of what the application did")
class ActivityTest {
    @TempDir
    Path stateDir;

    @Test
    void countsWhatTheTopologyDidPerModelAndPerReasonThenStartsAgain() {
        try (TopologyFixture f = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), TopologyFixture.catalog(1000))) {
            for (int i = 0; i < 3; i++) {
                f.send("xor", BackstreamTopologyTest.xorSample(i));
            }
            f.score("xor", BackstreamTopologyTest.text(new Sample("xor", new double[] {1, 0}, null, null, null)));
            f.send("xor", "{not json");
            f.send("ghost", "{\"model\":\"ghost\",\"features\":[1],\"label\":0}");

            assertEquals("learned 3, predictions 4, dead letters 2 (MALFORMED_JSON 1, UNKNOWN_MODEL 1); per model (learned/predictions): xor 3/4",
                    f.shared.activity().takeSummary());
            assertEquals("learned 0, predictions 0, dead letters 0", f.shared.activity().takeSummary(), "counts since the last summary");
        }
    }

    @Test
    void namesTheBusiestModelsAndCountsTheRestTogether() {
        Activity activity = new Activity();
        for (int m = 0; m < Activity.MODELS_NAMED + 5; m++) {
            for (int i = 0; i <= m; i++) {
                activity.learned("m" + m);
                activity.predicted("m" + m);
            }
        }
        activity.deadLetter(RejectReason.DIVERGED_UPDATE);
        String line = activity.takeSummary();
        assertTrue(line.startsWith("learned 120, predictions 120, dead letters 1 (DIVERGED_UPDATE 1); per model (learned/predictions): m14 15/15, m13 14/14"), line);
        assertTrue(line.endsWith("m5 6/6 and 5 more 15/15"), line);
    }

    @Test
    void keepsTotalsSinceStartThatASummaryDoesNotReset() {
        try (TopologyFixture f = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), TopologyFixture.catalog(1000))) {
            for (int i = 0; i < 3; i++) {
                f.send("xor", BackstreamTopologyTest.xorSample(i));
            }
            f.score("xor", BackstreamTopologyTest.text(new Sample("xor", new double[] {1, 0}, null, null, null)));
            f.send("xor", "{not json");
            f.shared.activity().takeSummary();
            f.send("xor", "{\"model\":\"xor\",\"features\":[1],\"label\":0}");

            Totals totals = f.shared.activity().totals();
            assertEquals(java.util.Set.of("xor"), totals.models());
            assertEquals(3, totals.learned("xor"));
            assertEquals(4, totals.predictions("xor"));
            assertEquals(1, totals.deadLetters(RejectReason.MALFORMED_JSON));
            assertEquals(1, totals.deadLetters(RejectReason.WRONG_FEATURE_COUNT));
            assertEquals(0, totals.learned("digits"));
        }
    }
}
