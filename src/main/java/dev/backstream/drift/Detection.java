package dev.backstream.drift;

/**
 * What fired when a detector signalled a change: the index of the value, the test statistic and the threshold it
 * crossed, and what each detector can say about the change.
 */
public sealed interface Detection permits Detection.AdwinCut, Detection.PageHinkleyAlarm {

    /** The 0-based index of the value at which the change was detected, counted as {@link DriftDetector#count()}. */
    long index();

    /** The test statistic that crossed its threshold. */
    double statistic();

    /** The threshold the statistic exceeded. */
    double threshold();

    /**
     * ADWIN found a cut of its window {@code W = W0 · W1} (older · newer) whose sub-window means differ by more than
     * {@code ε_cut}. These are the first cut found, the one that signalled the change.
     *
     * @param index       the index of the value at which the cut was found
     * @param statistic   {@code |μ̂0 − μ̂1|}
     * @param threshold   {@code ε_cut} for this cut
     * @param sizeBefore  {@code n0}, the number of values in the older sub-window {@code W0}
     * @param sizeAfter   {@code n1}, the number of values in the newer sub-window {@code W1}
     * @param meanBefore  {@code μ̂0}, the mean of {@code W0}
     * @param meanAfter   {@code μ̂1}, the mean of {@code W1}: the estimate of the mean after the change
     */
    record AdwinCut(long index, double statistic, double threshold, long sizeBefore, long sizeAfter,
                    double meanBefore, double meanAfter) implements Detection {
    }

    /**
     * The Page-Hinkley cumulative sum reached {@code λ}.
     *
     * @param index      the index of the value at which the sum reached {@code λ}
     * @param statistic  the cumulative sum that reached the threshold ({@code U_t} for an increase, {@code L_t} for a
     *                   decrease)
     * @param threshold  {@code λ}
     * @param increase   whether the change is an increase of the mean (mode {@code up}) rather than a decrease
     * @param samples    the number of values the running mean was computed over (since the last restart)
     * @param mean       the running mean {@code x̄_t} at the detection, which mixes values before and after the change
     */
    record PageHinkleyAlarm(long index, double statistic, double threshold, boolean increase, long samples,
                            double mean) implements Detection {
    }
}
