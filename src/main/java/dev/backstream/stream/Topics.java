package dev.backstream.stream;

import java.util.List;
import java.util.Objects;

/**
 * The application's ten topics.
 *
 * @param samples       input: labeled samples, one learning step each
 * @param scoreRequests input: unlabeled samples to score
 * @param predictions   output: one prediction per sample and per score request
 * @param snapshots     output (compacted): model snapshots
 * @param deadLetters   output: records that could not be used
 * @param metrics       output: each model's prequential metrics ({@code backstream.metrics/v1})
 * @param control       input: commands that manage models ({@code backstream.command/v1}), co-partitioned with samples
 * @param modelEvents   output: what happened to each model ({@code backstream.model-event/v1})
 * @param events        input: raw events encoded by their model's feature spec, learned when they carry their label and
 *                      otherwise scored and kept for a delayed label; co-partitioned with samples
 * @param labels        input: delayed labels ({@code {"model": ..., "id": ..., "label": ...}}) of kept events;
 *                      co-partitioned with samples
 */
public record Topics(String samples, String scoreRequests, String predictions, String snapshots, String deadLetters, String metrics,
                     String control, String modelEvents, String events, String labels) {
    public Topics {
        Objects.requireNonNull(samples, "samples");
        Objects.requireNonNull(scoreRequests, "scoreRequests");
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(deadLetters, "deadLetters");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(modelEvents, "modelEvents");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(labels, "labels");
    }

    /** All ten, inputs first. */
    public List<String> all() {
        return List.of(samples, scoreRequests, control, events, labels, predictions, snapshots, deadLetters, metrics, modelEvents);
    }

    /** The inputs, which must have the same number of partitions: each model's records meet in one task. */
    public List<String> inputs() {
        return List.of(samples, scoreRequests, control, events, labels);
    }
}
