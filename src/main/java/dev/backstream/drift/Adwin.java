package dev.backstream.drift;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * ADWIN2, the adaptive window of Bifet and Gavaldà ("Learning from Time-Changing Data with Adaptive Windowing",
 * SIAM SDM 2007), over an exponential histogram, as MOA's {@code ADWIN} and River's {@code ADWIN} implement it.
 *
 * <p><b>The window.</b> The detector keeps a window {@code W} of the most recent values (since the last detection) as
 * buckets: row {@code i} holds up to {@code M} buckets of {@code 2^i} values, each with its sum and its sum of squared
 * deviations from its own mean. A new value enters row 0 as a bucket of one; when a row holds {@code M + 1} buckets its
 * two oldest merge into one bucket of the next row (sums add, squared deviations add by Chan et al.'s rule
 * {@code S12 = S1 + S2 + n1 n2 (μ1 − μ2)² / (n1 + n2)}), which may cascade. The window's size {@code n}, sum and sum of
 * squared deviations are kept exactly and incrementally.
 *
 * <p><b>The cut test.</b> Every {@code clock} values, once {@code n} exceeds {@code grace_period}, every split of
 * {@code W} at a bucket boundary into an older {@code W0} ({@code n0} values, mean {@code μ̂0}) and a newer {@code W1}
 * ({@code n1}, {@code μ̂1}), both at least {@code min_window_length} long, is tested from the oldest split on. A change
 * is detected at the first split where {@code |μ̂0 − μ̂1| > ε_cut} with the variance-based bound of the paper (its
 * Theorem 3 refinement, as MOA and River use it):
 * <pre>
 *   ε_cut = sqrt(2/m · σ²_W · ln(2/δ')) + 2/(3m) · ln(2/δ'),      δ' = δ / ln n,
 *   1/m   = 1/(n0 − L + 1) + 1/(n1 − L + 1)                        (L = min_window_length)
 * </pre>
 * where {@code σ²_W} is the (population) variance of the whole window. The paper's {@code m} is half the harmonic mean
 * of {@code n0} and {@code n1}; MOA and River shorten both sub-windows by {@code L − 1}, which makes the bound slightly
 * more conservative near the minimum length, and so does this class. On a detection the oldest bucket is dropped and
 * the test repeated until no split is significant (the paper's shrinking of {@code W}), so that {@link #width()} and
 * {@link #mean()} describe the values after the change; the {@link Detection.AdwinCut} records the first split found.
 *
 * <p><b>Choices.</b> (1) After a detection the detector restarts with the next value, as River's {@code ADWIN} does:
 * one change raises one alarm, rather than the run of alarms every {@code clock} values that follows a change while
 * the window drains. (2) Every bucket is a candidate split point, as in MOA (River's Cython version skipped the newest
 * bucket of each row). (3) {@code σ²_W} is clamped at 0, so that rounding can never make the bound NaN. (4) The
 * {@code clock} counts values since the last restart, as River's does.
 *
 * <p>State layout after the {@link DriftFormat} header, little-endian:
 * <pre>
 *   double δ   int clock   int M   int min_window_length   int grace_period
 *   long count   long detections   long tick   long n   double sum   double sum of squared deviations
 *   byte restart pending (0/1)
 *   byte has detection (0/1), then if 1: long index, double statistic, double threshold, long n0, long n1,
 *                                        double μ̂0, double μ̂1
 *   int rows, then per row (row 0 first): byte buckets b, then b × {double sum, double squared deviations},
 *                                         oldest first
 * </pre>
 */
public final class Adwin extends CountingDetector<Detection.AdwinCut> {
    private static final int SETTINGS_BYTES = 8 + 4 * 4;
    private static final int STATE_BYTES = 4 * 8 + 2 * 8 + 1;
    private static final int DETECTION_BYTES = 8 + 2 * 8 + 2 * 8 + 2 * 8;

    private final AdwinSettings settings;
    /** Slots per row: M buckets, plus one that exists only until the row is compressed. */
    private final int slots;

    private long tick;

    /** The window: n, Σx and Σ(x − μ̂_W)². */
    private long width;
    private double total;
    private double squaredDeviations;

    /** Row r, bucket k (0 the oldest) at index {@code r · slots + k}; row r's buckets hold {@code 2^r} values. */
    private double[] bucketTotals;
    private double[] bucketSquaredDeviations;
    private int[] rowSizes;
    private int rows;

    /** A fresh detector with these settings. */
    public Adwin(AdwinSettings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("adwin settings must not be null");
        }
        this.settings = settings;
        this.slots = settings.maxBuckets() + 1;
        allocateRows(4);
    }

    /** A fresh detector with {@link AdwinSettings#DEFAULTS}. */
    public Adwin() {
        this(AdwinSettings.DEFAULTS);
    }

    @Override
    public boolean update(double x) {
        DriftFormat.requireFinite(x);
        long index = nextIndex();
        insert(x);
        tick++;
        if (tick % settings.clock() != 0 || width <= settings.gracePeriod()) {
            return false;
        }
        Detection.AdwinCut cut = findCut(index);
        if (cut == null) {
            return false;
        }
        // The paper's shrinking: drop the oldest bucket while some split of what remains is still significant.
        do {
            dropOldestBucket();
        } while (findCut(index) != null);
        return detected(cut);
    }

    /** Adds {@code x} to the window as a bucket of one, then merges full rows. */
    private void insert(double x) {
        append(0, x, 0.0);
        width++;
        if (width > 1) {
            // Welford: S_n = S_{n−1} + (n − 1)/n · (x − μ̂_{n−1})²
            double previousMean = total / (width - 1);
            squaredDeviations += (width - 1) * (x - previousMean) * (x - previousMean) / width;
        }
        total += x;
        for (int row = 0; row < rows && rowSizes[row] == slots; row++) {
            mergeOldestPair(row);
        }
    }

    /** Merges the two oldest buckets of {@code row} into one bucket of the next row. */
    private void mergeOldestPair(int row) {
        double size = bucketSize(row);
        int first = row * slots;
        double t1 = bucketTotals[first];
        double t2 = bucketTotals[first + 1];
        double mu1 = t1 / size;
        double mu2 = t2 / size;
        // Chan et al.: S12 = S1 + S2 + n1 n2 (μ1 − μ2)² / (n1 + n2)
        double merged = bucketSquaredDeviations[first] + bucketSquaredDeviations[first + 1]
                + size * size * (mu1 - mu2) * (mu1 - mu2) / (size + size);
        shiftLeft(row, 2);
        append(row + 1, t1 + t2, merged);
    }

    /** Removes the oldest bucket of the window (the first of the last row) from the window's statistics. */
    private void dropOldestBucket() {
        int row = rows - 1;
        double size = bucketSize(row);
        double u = bucketTotals[row * slots];
        double s = bucketSquaredDeviations[row * slots];
        width -= (long) size;
        total -= u;
        double mu = u / size;
        double muRest = total / width;
        // Chan et al. in reverse: S_rest = S_W − S_bucket − n_b n_rest (μ_b − μ_rest)² / (n_b + n_rest)
        squaredDeviations -= s + size * width * (mu - muRest) * (mu - muRest) / (size + width);
        shiftLeft(row, 1);
        if (rowSizes[row] == 0) {
            rows--;
        }
    }

    /**
     * Tests the splits of the window from the oldest on and returns the first significant one, or null. Each bucket
     * in turn moves from {@code W1} to {@code W0}; the last one never does, since {@code W1} must not be empty.
     */
    private Detection.AdwinCut findCut(long index) {
        double n0 = 0;
        double n1 = width;
        double u0 = 0;
        double u1 = total;
        double minLength = settings.minWindowLength();
        for (int row = rows - 1; row >= 0; row--) {
            double size = bucketSize(row);
            int buckets = rowSizes[row];
            for (int k = 0; k < buckets; k++) {
                if (row == 0 && k == buckets - 1) {
                    return null;
                }
                double u = bucketTotals[row * slots + k];
                n0 += size;
                n1 -= size;
                u0 += u;
                u1 -= u;
                if (n0 >= minLength && n1 >= minLength) {
                    double difference = Math.abs(u0 / n0 - u1 / n1);
                    double epsilon = epsilonCut(n0, n1);
                    if (difference > epsilon) {
                        return new Detection.AdwinCut(index, difference, epsilon, (long) n0, (long) n1, u0 / n0, u1 / n1);
                    }
                }
            }
        }
        return null;
    }

    /** {@code ε_cut = sqrt(2/m · σ²_W · ln(2/δ')) + 2/(3m) · ln(2/δ')} with {@code δ' = δ / ln n}. */
    private double epsilonCut(double n0, double n1) {
        double logTerm = Math.log(2 * Math.log(width) / settings.delta());
        double minLength = settings.minWindowLength();
        double mInverse = 1.0 / (n0 - minLength + 1) + 1.0 / (n1 - minLength + 1);
        double variance = Math.max(0.0, squaredDeviations / width);
        return Math.sqrt(2 * mInverse * variance * logTerm) + 2.0 / 3.0 * logTerm * mInverse;
    }

    private static double bucketSize(int row) {
        return Math.scalb(1.0, row);
    }

    private void append(int row, double bucketTotal, double bucketSquaredDeviation) {
        if (row == rows) {
            if (rows == rowSizes.length) {
                allocateRows(rows * 2);
            }
            rows++;
        }
        int at = row * slots + rowSizes[row]++;
        bucketTotals[at] = bucketTotal;
        bucketSquaredDeviations[at] = bucketSquaredDeviation;
    }

    private void shiftLeft(int row, int by) {
        int first = row * slots;
        int remaining = rowSizes[row] - by;
        System.arraycopy(bucketTotals, first + by, bucketTotals, first, remaining);
        System.arraycopy(bucketSquaredDeviations, first + by, bucketSquaredDeviations, first, remaining);
        // Cleared so that the arrays hold nothing but the window (the encoding never reads them, but a reader might).
        Arrays.fill(bucketTotals, first + remaining, first + rowSizes[row], 0.0);
        Arrays.fill(bucketSquaredDeviations, first + remaining, first + rowSizes[row], 0.0);
        rowSizes[row] = remaining;
    }

    private void allocateRows(int capacity) {
        bucketTotals = bucketTotals == null ? new double[capacity * slots] : Arrays.copyOf(bucketTotals, capacity * slots);
        bucketSquaredDeviations = bucketSquaredDeviations == null ? new double[capacity * slots]
                : Arrays.copyOf(bucketSquaredDeviations, capacity * slots);
        rowSizes = rowSizes == null ? new int[capacity] : Arrays.copyOf(rowSizes, capacity);
    }

    /** Starts afresh after a detection; the counters and the last detection remain. */
    @Override
    void restart() {
        Arrays.fill(bucketTotals, 0.0);
        Arrays.fill(bucketSquaredDeviations, 0.0);
        Arrays.fill(rowSizes, 0);
        rows = 0;
        width = 0;
        total = 0.0;
        squaredDeviations = 0.0;
        tick = 0;
        restartPending = false;
    }

    /** The number of values {@code n} in the window. */
    public long width() {
        return width;
    }

    /** The mean {@code μ̂_W} of the window: the current estimate of the stream's mean (0 for an empty window). */
    public double mean() {
        return width == 0 ? 0.0 : total / width;
    }

    /** The (population) variance {@code σ²_W} of the window (0 for an empty window). */
    public double variance() {
        return width == 0 ? 0.0 : Math.max(0.0, squaredDeviations / width);
    }

    /** The number of buckets that summarise the window. */
    public int buckets() {
        int buckets = 0;
        for (int row = 0; row < rows; row++) {
            buckets += rowSizes[row];
        }
        return buckets;
    }

    @Override
    public AdwinSettings settings() {
        return settings;
    }

    @Override
    public int encodedSize() {
        return DriftFormat.HEADER_BYTES + SETTINGS_BYTES + STATE_BYTES + 1 + (lastDetection == null ? 0 : DETECTION_BYTES)
                + 4 + rows + 16 * buckets();
    }

    @Override
    public void encode(ByteBuffer target) {
        ByteOrder order = target.order();
        ByteBuffer out = target.order(ByteOrder.LITTLE_ENDIAN);
        try {
            out.putInt(DriftFormat.MAGIC).put(DriftFormat.VERSION).put(DriftFormat.ADWIN);
            out.putDouble(settings.delta()).putInt(settings.clock()).putInt(settings.maxBuckets())
                    .putInt(settings.minWindowLength()).putInt(settings.gracePeriod());
            out.putLong(count).putLong(detections).putLong(tick).putLong(width);
            out.putDouble(total).putDouble(squaredDeviations).put((byte) (restartPending ? 1 : 0));
            out.put((byte) (lastDetection == null ? 0 : 1));
            if (lastDetection != null) {
                out.putLong(lastDetection.index()).putDouble(lastDetection.statistic()).putDouble(lastDetection.threshold())
                        .putLong(lastDetection.sizeBefore()).putLong(lastDetection.sizeAfter())
                        .putDouble(lastDetection.meanBefore()).putDouble(lastDetection.meanAfter());
            }
            out.putInt(rows);
            for (int row = 0; row < rows; row++) {
                out.put((byte) rowSizes[row]);
                for (int k = 0; k < rowSizes[row]; k++) {
                    out.putDouble(bucketTotals[row * slots + k]).putDouble(bucketSquaredDeviations[row * slots + k]);
                }
            }
        } finally {
            target.order(order);
        }
    }

    /** Reads what follows the header; the buffer is little-endian. */
    static Adwin decodeBody(ByteBuffer in) {
        double delta = in.getDouble();
        int clock = in.getInt();
        int maxBuckets = in.getInt();
        int minWindowLength = in.getInt();
        int gracePeriod = in.getInt();
        Adwin detector = new Adwin(new AdwinSettings(delta, clock, maxBuckets, minWindowLength, gracePeriod));
        detector.count = in.getLong();
        detector.detections = in.getLong();
        detector.tick = in.getLong();
        detector.width = in.getLong();
        detector.total = in.getDouble();
        detector.squaredDeviations = in.getDouble();
        detector.restartPending = DriftFormat.readBoolean(in, "restart pending");
        if (DriftFormat.readBoolean(in, "has detection")) {
            detector.lastDetection = new Detection.AdwinCut(in.getLong(), in.getDouble(), in.getDouble(), in.getLong(),
                    in.getLong(), in.getDouble(), in.getDouble());
        }
        int rows = in.getInt();
        // A window of at most 2^63 values needs fewer than 64 rows.
        if (rows < 0 || rows > 63) {
            throw new IllegalArgumentException("corrupt adwin state: expected 0 to 63 bucket rows, found " + rows);
        }
        long values = 0;
        for (int row = 0; row < rows; row++) {
            int buckets = in.get();
            // Between updates every row holds 1 to M buckets: merging leaves at least M − 1 >= 1, empty rows are dropped.
            if (buckets < 1 || buckets > maxBuckets) {
                throw new IllegalArgumentException("corrupt adwin state: row " + row + " must hold 1 to " + maxBuckets
                        + " buckets, found " + buckets);
            }
            for (int k = 0; k < buckets; k++) {
                detector.append(row, in.getDouble(), in.getDouble());
            }
            values += (long) buckets << row;
        }
        if (values != detector.width) {
            throw new IllegalArgumentException("corrupt adwin state: the window holds " + detector.width
                    + " values but its buckets hold " + values);
        }
        return detector;
    }
}
