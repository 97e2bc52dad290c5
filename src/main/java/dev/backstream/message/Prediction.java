package dev.backstream.message;

import dev.backstream.nn.Outcome;

import java.util.Objects;

/**
 * One prediction, as published to the predictions topic or written by {@code train --predictions-out}.
 * Labeled samples carry their {@code label} or {@code target} and the {@code loss} of the prediction, which was made
 * before the sample's update. Absent fields are omitted from the JSON.
 */
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

    /**
     * This prediction as UTF-8 JSON, fields in the declared order, absent ones omitted: the form published to the
     * predictions topic. Written straight into bytes (no reflection, no generator), since it runs once per record.
     */
    public byte[] toJson() {
        JsonWriter json = new JsonWriter(96 + model.length() + 24 * output.length + (target == null ? 0 : 24 * target.length)
                + (id == null ? 0 : id.length()) + (sourceTopic == null ? 0 : sourceTopic.length()));
        json.field("model", model).field("modelVersion", modelVersion);
        if (id != null) {
            json.field("id", id);
        }
        json.field("output", output);
        if (predictedClass != null) {
            json.field("predictedClass", predictedClass);
        }
        if (label != null) {
            json.field("label", label);
        }
        if (target != null) {
            json.field("target", target);
        }
        if (loss != null) {
            json.field("loss", loss.doubleValue());
        }
        if (sourceTopic != null) {
            json.field("sourceTopic", sourceTopic);
        }
        if (sourcePartition != null) {
            json.field("sourcePartition", sourcePartition);
        }
        if (sourceOffset != null) {
            json.field("sourceOffset", sourceOffset.longValue());
        }
        if (line != null) {
            json.field("line", line.longValue());
        }
        if (timestamp != null) {
            json.field("timestamp", timestamp.longValue());
        }
        return json.end();
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
