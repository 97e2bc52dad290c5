package dev.backstream.stream;

import dev.backstream.message.RejectReason;

/** For tests outside this package: counts into an {@link Activity} as the stream threads do. */
public final class ActivityCounts {
    private ActivityCounts() {
    }

    public static void learned(Activity activity, String model, int times) {
        for (int i = 0; i < times; i++) {
            activity.learned(model);
        }
    }

    public static void predicted(Activity activity, String model, int times) {
        for (int i = 0; i < times; i++) {
            activity.predicted(model);
        }
    }

    public static void deadLetter(Activity activity, RejectReason reason, int times) {
        for (int i = 0; i < times; i++) {
            activity.deadLetter(reason);
        }
    }
}
