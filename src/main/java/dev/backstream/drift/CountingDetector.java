package dev.backstream.drift;

import java.util.Optional;

/**
 * What both detectors keep besides their statistic: the values taken, the detections, the last detection, and whether
 * the statistic restarts at the next value (a detector restarts after each detection, counters kept). Each detector's
 * encoding writes these fields in its own place of its format.
 *
 * @param <D> the detector's kind of detection
 */
abstract sealed class CountingDetector<D extends Detection> implements DriftDetector permits Adwin, PageHinkley {
    long count;
    long detections;
    boolean restartPending;
    D lastDetection;

    /** Starts the statistic afresh; the counters and the last detection remain. */
    abstract void restart();

    /** The index of the value being taken, after a restart owed to the last detection. */
    final long nextIndex() {
        if (restartPending) {
            restart();
        }
        return count++;
    }

    /** Records a detection at the value being taken; the statistic restarts at the next value. */
    final boolean detected(D detection) {
        lastDetection = detection;
        detections++;
        restartPending = true;
        return true;
    }

    @Override
    public final long count() {
        return count;
    }

    @Override
    public final long detections() {
        return detections;
    }

    @Override
    public final Optional<Detection> lastDetection() {
        return Optional.ofNullable(lastDetection);
    }

    @Override
    public final void reset() {
        restart();
        count = 0;
        detections = 0;
        lastDetection = null;
    }
}
