package dev.backstream.drift;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The Page-Hinkley test (Page 1954), in the incremental form of Gama et al. and River's {@code PageHinkley}, with a
 * fading factor and a mode for the direction of change.
 *
 * <p>After a (re)start, {@code n = 0}, {@code x̄_0 = 0}, {@code U_0 = L_0 = 0}. Each value {@code x_t} applies
 * <pre>
 *   n   ← n + 1
 *   x̄_t = x̄_{t−1} + (x_t − x̄_{t−1}) / n                 (the running mean since the restart)
 *   U_t = max(0, α · U_{t−1} + (x_t − x̄_t − δ))         (evidence of an increase)
 *   L_t = max(0, α · L_{t−1} + (x̄_t − x_t − δ))         (evidence of a decrease)
 * </pre>
 * and a change is signalled when {@code n ≥ min_instances} and, by mode, {@code U_t ≥ λ} ({@code up}),
 * {@code L_t ≥ λ} ({@code down}), or either ({@code both}; an increase is reported when both hold). With {@code α = 1}
 * this is Page's CUSUM of the deviations from the running mean, less the tolerance {@code δ}, reflected at 0; with
 * {@code α < 1} old evidence fades, so a long stationary stream does not accumulate its noise for ever.
 *
 * <p>This is River's recurrence, with one difference: River tests {@code n + 1 ≥ min_instances} (its sample counter
 * starts at 1), this class {@code n ≥ min_instances}, so that the name means what it says.
 *
 * <p>State layout after the {@link DriftFormat} header, little-endian:
 * <pre>
 *   int min_instances   double δ, λ, α   byte mode (0 up, 1 down, 2 both)
 *   long count   long detections   long n   double x̄, U, L   byte restart pending (0/1)
 *   byte has detection (0/1), then if 1: long index, double statistic, double threshold, byte increase (0/1),
 *                                        long samples, double mean
 * </pre>
 */
public final class PageHinkley extends CountingDetector<Detection.PageHinkleyAlarm> {
    private static final int SETTINGS_BYTES = 4 + 3 * 8 + 1;
    private static final int STATE_BYTES = 3 * 8 + 3 * 8 + 1;
    private static final int DETECTION_BYTES = 8 + 8 + 8 + 1 + 8 + 8;

    private final PageHinkleySettings settings;
    private long n;
    private double mean;
    private double increase;
    private double decrease;

    /** A fresh detector with these settings. */
    public PageHinkley(PageHinkleySettings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("page-hinkley settings must not be null");
        }
        this.settings = settings;
    }

    /** A fresh detector with {@link PageHinkleySettings#DEFAULTS}. */
    public PageHinkley() {
        this(PageHinkleySettings.DEFAULTS);
    }

    @Override
    public boolean update(double x) {
        DriftFormat.requireFinite(x);
        long index = nextIndex();
        n++;
        mean += (x - mean) / n;
        increase = Math.max(0.0, settings.alpha() * increase + (x - mean - settings.delta()));
        decrease = Math.max(0.0, settings.alpha() * decrease + (mean - x - settings.delta()));
        if (n < settings.minInstances()) {
            return false;
        }
        boolean up = settings.mode() != PageHinkleySettings.Mode.DOWN && increase >= settings.threshold();
        boolean down = settings.mode() != PageHinkleySettings.Mode.UP && decrease >= settings.threshold();
        if (!up && !down) {
            return false;
        }
        return detected(new Detection.PageHinkleyAlarm(index, up ? increase : decrease, settings.threshold(), up, n, mean));
    }

    /** The running mean {@code x̄_t} since the last restart (0 before the first value). */
    public double mean() {
        return mean;
    }

    /** The cumulative sum {@code U_t} that detects an increase. */
    public double increaseStatistic() {
        return increase;
    }

    /** The cumulative sum {@code L_t} that detects a decrease. */
    public double decreaseStatistic() {
        return decrease;
    }

    /** The number of values {@code n} since the last restart, as the running mean counts them. */
    public long samples() {
        return n;
    }

    /** Starts afresh after a detection; the counters and the last detection remain. */
    @Override
    void restart() {
        n = 0;
        mean = 0.0;
        increase = 0.0;
        decrease = 0.0;
        restartPending = false;
    }

    @Override
    public PageHinkleySettings settings() {
        return settings;
    }

    @Override
    public int encodedSize() {
        return DriftFormat.HEADER_BYTES + SETTINGS_BYTES + STATE_BYTES + 1 + (lastDetection == null ? 0 : DETECTION_BYTES);
    }

    @Override
    public void encode(ByteBuffer target) {
        ByteOrder order = target.order();
        ByteBuffer out = target.order(ByteOrder.LITTLE_ENDIAN);
        try {
            out.putInt(DriftFormat.MAGIC).put(DriftFormat.VERSION).put(DriftFormat.PAGE_HINKLEY);
            out.putInt(settings.minInstances()).putDouble(settings.delta()).putDouble(settings.threshold())
                    .putDouble(settings.alpha()).put((byte) settings.mode().ordinal());
            out.putLong(count).putLong(detections).putLong(n);
            out.putDouble(mean).putDouble(increase).putDouble(decrease).put((byte) (restartPending ? 1 : 0));
            out.put((byte) (lastDetection == null ? 0 : 1));
            if (lastDetection != null) {
                out.putLong(lastDetection.index()).putDouble(lastDetection.statistic()).putDouble(lastDetection.threshold())
                        .put((byte) (lastDetection.increase() ? 1 : 0)).putLong(lastDetection.samples())
                        .putDouble(lastDetection.mean());
            }
        } finally {
            target.order(order);
        }
    }

    /** Reads what follows the header; the buffer is little-endian. */
    static PageHinkley decodeBody(ByteBuffer in) {
        int minInstances = in.getInt();
        double delta = in.getDouble();
        double threshold = in.getDouble();
        double alpha = in.getDouble();
        int modeCode = in.get();
        PageHinkleySettings.Mode[] modes = PageHinkleySettings.Mode.values();
        if (modeCode < 0 || modeCode >= modes.length) {
            throw new IllegalArgumentException("corrupt page-hinkley state: unknown mode code " + modeCode);
        }
        PageHinkley detector = new PageHinkley(new PageHinkleySettings(minInstances, delta, threshold, alpha, modes[modeCode]));
        detector.count = in.getLong();
        detector.detections = in.getLong();
        detector.n = in.getLong();
        detector.mean = in.getDouble();
        detector.increase = in.getDouble();
        detector.decrease = in.getDouble();
        detector.restartPending = DriftFormat.readBoolean(in, "restart pending");
        if (DriftFormat.readBoolean(in, "has detection")) {
            long index = in.getLong();
            double statistic = in.getDouble();
            double detectionThreshold = in.getDouble();
            boolean increase = DriftFormat.readBoolean(in, "increase");
            long samples = in.getLong();
            double detectionMean = in.getDouble();
            detector.lastDetection = new Detection.PageHinkleyAlarm(index, statistic, detectionThreshold, increase, samples,
                    detectionMean);
        }
        if (detector.count < 0 || detector.n < 0 || detector.n > detector.count || detector.detections < 0) {
            throw new IllegalArgumentException("corrupt page-hinkley state: count " + detector.count + ", samples "
                    + detector.n + ", detections " + detector.detections);
        }
        return detector;
    }
}
