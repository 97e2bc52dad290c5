package dev.backstream.stream;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A stream thread replaced after a failure ({@code REPLACE_THREAD}) dies, and nothing of Backstream's may keep it
 * reachable: through StreamThread, TaskManager, its producer and that producer's pooled buffers, a dead thread holds
 * megabytes. (Found by a review: the first PerThread was a map keyed by thread, never emptied.)
 */
@org.junit.jupiter.api.DisplayName("Commit pacing and replaced stream threads")
class CommitPacingThreadLeakTest {
    @Test
    void aDeadThreadIsNotKeptAliveByItsPacing() throws Exception {
        CommitPacing.PerThread pacings = new CommitPacing.PerThread();
        Thread worker = new Thread(() -> pacings.current().recordProcessed(), "StreamThread-1");
        worker.start();
        worker.join();
        WeakReference<Thread> dead = new WeakReference<>(worker);
        worker = null;
        for (int i = 0; i < 20 && dead.get() != null; i++) {
            System.gc(); // a collection is what frees it: nothing to wait on but the reference
            Thread.sleep(50);
        }
        assertNull(dead.get(), "the dead thread is still reachable from CommitPacing.PerThread");
    }
}
