package dev.backstream.it;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A production cluster in miniature: three instances of one application (two in this JVM, whose standbys the test can
 * see, and one child process running the real jar, which it can crash with SIGKILL), one standby per task, static
 * membership, six models over six partitions. Instances join, stop cleanly, crash and restart while samples flow;
 * whatever moves, every committed prediction must be the offline learner's, exactly once, and the final models
 * bit-identical to {@code backstream train}'s. The child's logs stay in the temporary directory if a test fails.
 */
@DisplayName("Several instances on a real broker")
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ManyInstancesIT extends WithEmbeddedBroker {
    private static final int BATCH = 1200;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    @DisplayName("instances stopped, killed with SIGKILL and restarted change no prediction and no model")
    void stopsCrashesAndRestartsChangeNothing() throws Exception {
        long started = System.nanoTime();
        try (InstanceGroup group = new InstanceGroup(kafka, work, "many", 8, BATCH, Duration.ofSeconds(10))) {
            ChildInstance c = group.child("c");
            group.startInJvm("a");
            c.start();
            group.produceBatch();
            group.observe("a and c start", "a", "c");
            group.awaitPredictions();

            group.produceBatch();
            group.startInJvm("b");
            group.observe("b joins", "a", "b", "c");
            group.awaitPredictions();

            // A crash: c stays a (static) member until its session expires, then its tasks move to a and b.
            Set<String> ofC = group.modelsOf("c");
            double crashMove = group.secondsUntilPredicting(ofC, c::kill);
            group.observe("c killed (SIGKILL)", "a", "b");
            group.awaitPredictions();

            // A planned stop: b leaves the group as it closes, so its tasks move to a at once.
            Set<String> ofB = group.modelsOf("b");
            double plannedMove = group.secondsUntilPredicting(ofB, () -> group.closeInJvm("b"));
            group.observe("b stops (close)", "a");
            group.awaitPredictions();

            // b comes back and takes half the tasks; with two instances a must be the standby of each of them ...
            group.produceBatch();
            group.startInJvm("b");
            group.observe("b restarts", "a", "b");
            assertEquals(group.activePartitionsOf("b"), group.standbyPartitionsOf("a"), "a is the standby of every task of b");
            group.awaitPredictions();

            // ... and gets them back from its standbys when b stops again mid-stream: active -> standby -> active on a.
            group.produceBatch();
            group.closeInJvm("b");
            group.observe("b stops again (close)", "a");

            group.produceBatch();
            c.start();
            group.startInJvm("b");
            group.observe("b and c restart", "a", "b", "c");
            group.awaitPredictions();

            // A crash and an immediate restart: c rejoins under its group.instance.id before its session expires.
            Set<String> ofRestarted = group.modelsOf("c");
            double crashRestart = group.secondsUntilPredicting(ofRestarted, () -> {
                c.kill();
                c.start();
            });
            group.observe("c killed (SIGKILL) and restarted at once", "a", "b", "c");

            group.assertEqualsOfflineLearnerAndTrain();
            System.out.printf("c's tasks predicting again on a and b after SIGKILL (session timeout 10 s): %.1f s%n", crashMove);
            System.out.printf("b's tasks predicting again on a after a clean stop: %.1f s%n", plannedMove);
            System.out.printf("c's tasks predicting again after SIGKILL and an immediate restart of c: %.1f s%n", crashRestart);
            assertEnoughTaskMoves(group, started);
        }
    }

    @Test
    @DisplayName("scaling out from one instance to three and back in to one changes no prediction and no model")
    void scalingOutAndInChangesNothing() throws Exception {
        long started = System.nanoTime();
        try (InstanceGroup group = new InstanceGroup(kafka, work, "scale", 3, BATCH, Duration.ofSeconds(10))) {
            ChildInstance c = group.child("c");
            group.startInJvm("a");
            group.produceBatch();
            group.observe("a alone", "a");
            group.awaitPredictions();

            // Out: b and c take tasks from a, and a keeps standbys, necessarily of tasks it owned.
            group.produceBatch();
            group.startInJvm("b");
            c.start();
            group.observe("b and c join", "a", "b", "c");
            group.awaitPredictions();

            // In, mid-stream: b stops cleanly, c crashes; a takes everything back, some tasks from its standbys.
            group.produceBatch();
            group.awaitLastBatchStarted();
            group.closeInJvm("b");
            c.kill();
            group.observe("b stops (close), c killed (SIGKILL)", "a");

            group.assertEqualsOfflineLearnerAndTrain();
            assertEnoughTaskMoves(group, started);
        }
    }

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

    /** The bar for a run: at least six task moves, one of them active -> standby -> active on one instance. */
    private static void assertEnoughTaskMoves(InstanceGroup group, long started) {
        TaskMoves moves = group.moves();
        System.out.println(moves.describe());
        System.out.printf("test ran %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertTrue(moves.moves().size() >= 6, "at least six task moves: " + moves.describe());
        assertFalse(moves.activeStandbyActive().isEmpty(), "some task went active -> standby -> active: " + moves.describe());
    }
}
