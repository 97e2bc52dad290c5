package dev.backstream.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A production cluster in miniature: three instances of one application (two in this JVM, whose standbys the test can
 * see, and one child process running the real jar, which it can crash with SIGKILL), one standby per task, static
 * membership, six models over six partitions. Instances join, stop cleanly, crash and restart while samples flow;
 * whatever moves, every committed prediction must be the offline learner's, exactly once, and the final models
 * bit-identical to {@code backstream train}'s. The child's logs stay in the temporary directory if a test fails.
 */
@DisplayName("Several instances on a real broker")
class ManyInstancesIT extends WithEmbeddedBroker {
    private static final int BATCH = 1200;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    @DisplayName("a static member stopped with SIGTERM leaves the group, and its tasks move long before its session would expire")
    void plannedStopHandsTasksOverAtOnce() throws Exception {
        long started = System.nanoTime();
        Duration sessionTimeout = Duration.ofSeconds(60);
        try (InstanceGroup group = new InstanceGroup(kafka, work, "planned", 2, BATCH, sessionTimeout)) {
            ChildInstance c = group.child("c");
            group.startInJvm("a");
            c.start();
            group.produceBatch();
            group.observe("a and c start", "a", "c");
            group.awaitPredictions();
            Set<String> ofC = group.modelsOf("c");
            assertFalse(ofC.isEmpty(), "c owns some models");

            double plannedMove;
            try (InstanceGroup.PredictionWatch watch = group.watchPredictions()) {
                long stopped = System.nanoTime();
                c.stop(); // SIGTERM: backstream run closes the application
                group.produceBatch();
                // A bound for the wait, not a measurement: a member that did not leave would hold its tasks for 60 s.
                KafkaTestSupport.waitUntil("a owns every task, well before c's session of " + sessionTimeout + " expires",
                        Duration.ofSeconds(20), () -> group.ownsAll("a"));
                plannedMove = watch.secondsUntilPrediction(ofC, stopped);
            }
            group.observe("c stops (SIGTERM)", "a");

            group.assertEqualsOfflineLearnerAndTrain();
            System.out.println(group.moves().describe());
            System.out.printf("c's tasks predicting again on a after SIGTERM (session timeout 60 s): %.1f s%n", plannedMove);
            System.out.printf("test ran %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertEquals(ofC.size(), group.moves().moves().size(), "each of c's tasks moved once");
        }
    }
}
