package dev.backstream.stream;

import java.util.List;
import java.util.Objects;

/**
 * The application's six topics.
 *
 * @param samples       input: labeled samples, one learning step each
 * @param scoreRequests input: unlabeled samples to score
 * @param predictions   output: one prediction per sample and per score request
 * @param snapshots     output (compacted): model snapshots
 * @param deadLetters   output: records that could not be used
 * @param metrics       output: each model's prequential metrics ({@code backstream.metrics/v1})
 */
public record Topics(String samples, String scoreRequests, String predictions, String snapshots, String deadLetters, String metrics) {
    public Topics {
        Objects.requireNonNull(samples, "samples");
        Objects.requireNonNull(scoreRequests, "scoreRequests");
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(deadLetters, "deadLetters");
        Objects.requireNonNull(metrics, "metrics");
    }

    /** All six, inputs first. */
    public List<String> all() {
        return List.of(samples, scoreRequests, predictions, snapshots, deadLetters, metrics);
    }
}
