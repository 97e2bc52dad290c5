package dev.backstream.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.backstream.nn.Outcome;

import java.util.Objects;

/**
 * One prediction, as published to the predictions topic or written by {@code train --predictions-out}.
 * Labeled samples carry their {@code label} or {@code target} and the {@code loss} of the prediction, which was made
 * before the sample's update. Absent fields are omitted from the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"model", "modelVersion", "id", "output", "predictedClass", "label", "target", "loss",
        "sourceTopic", "sourcePartition", "sourceOffset", "line", "timestamp"})
public record Prediction(String model, long modelVersion, String id, double[] output, Integer predictedClass,
                         Integer label, double[] target, Double loss, String sourceTopic, Integer sourcePartition,
                         Long sourceOffset, Long line, Long timestamp) {

    public Prediction {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(output, "output");
    }

    /** The prediction {@code outcome} made for {@code sample}; the source fields are left empty. */
    public static Prediction of(Sample sample, Outcome outcome) {
        int predicted = outcome.predictedClass();
        return new Prediction(sample.model(), outcome.modelVersion(), sample.id(), outcome.copyOutput(),
                predicted < 0 ? null : predicted, sample.label(), sample.target(),
                outcome.learned() ? outcome.loss() : null, null, null, null, null, null);
    }

    /** This prediction with the line of the file it came from. */
    public Prediction withLine(long lineNumber) {
        return new Prediction(model, modelVersion, id, output, predictedClass, label, target, loss, sourceTopic,
                sourcePartition, sourceOffset, lineNumber, timestamp);
    }

    /** This prediction with the Kafka record it came from. */
    public Prediction withSource(String topic, int partition, long offset, long recordTimestamp) {
        return new Prediction(model, modelVersion, id, output, predictedClass, label, target, loss, topic, partition,
                offset, line, recordTimestamp);
    }
}
