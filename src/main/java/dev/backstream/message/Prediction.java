package dev.backstream.message;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.backstream.nn.Outcome;

import java.io.IOException;
import java.io.UncheckedIOException;
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
     * predictions topic. Written with a streaming generator (no reflection, no intermediate tree), since it runs once
     * per record.
     */
    public byte[] toJson() {
        ByteArrayBuilder bytes = new ByteArrayBuilder(128 + 24 * output.length + (target == null ? 0 : 24 * target.length));
        try (JsonGenerator json = Json.FACTORY.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("model", model);
            json.writeNumberField("modelVersion", modelVersion);
            if (id != null) {
                json.writeStringField("id", id);
            }
            writeArray(json, "output", output);
            writeIfPresent(json, "predictedClass", predictedClass);
            writeIfPresent(json, "label", label);
            if (target != null) {
                writeArray(json, "target", target);
            }
            if (loss != null) {
                json.writeNumberField("loss", loss.doubleValue());
            }
            if (sourceTopic != null) {
                json.writeStringField("sourceTopic", sourceTopic);
            }
            writeIfPresent(json, "sourcePartition", sourcePartition);
            writeIfPresent(json, "sourceOffset", sourceOffset);
            writeIfPresent(json, "line", line);
            writeIfPresent(json, "timestamp", timestamp);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a prediction to memory", e); // a ByteArrayBuilder does not fail
        }
        return bytes.toByteArray();
    }

    private static void writeArray(JsonGenerator json, String field, double[] values) throws IOException {
        json.writeFieldName(field);
        json.writeArray(values, 0, values.length);
    }

    private static void writeIfPresent(JsonGenerator json, String field, Number value) throws IOException {
        if (value != null) {
            json.writeNumberField(field, value.longValue());
        }
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
