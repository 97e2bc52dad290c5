package dev.backstream.message;

import dev.backstream.nn.Outcome;

import java.util.Arrays;
import java.util.Objects;

/**
 * One prediction, as published to the predictions topic or written by {@code train --predictions-out}.
 * Labeled samples carry their {@code label} or {@code target} and the {@code loss} of the prediction, which was made
 * before the sample's update. Absent fields are omitted from the JSON. Immutable: the arrays are copied in and out,
 * and {@code equals} compares them element by element. The copies cost little on the per-record path: building a
 * prediction and adding its source ({@code PredictionJsonBenchmark.build}) went from 216 to 264 B (S2) and 408 B (S3)
 * and from about 36 to 46 ns, against about 500 to 1,400 ns for writing its JSON.
 *
 * @param model          the model id; non-empty
 * @param modelVersion   the model's version (updates applied) when it made the prediction; {@code >= 0}
 * @param id             the sample's id, or null
 * @param output         the output units (copied); non-null; may hold non-finite values (written as {@code null})
 * @param predictedClass the predicted class index ({@code >= 0}), or null for a regression model
 * @param label          the sample's class index ({@code >= 0}), or null; never together with {@code target}
 * @param target         the sample's target values (copied), or null
 * @param loss           the loss of this prediction against the label or target, or null if the sample was unlabeled
 * @param sourceTopic    the input record's topic, or null
 * @param line           the line of the input file (from 1), or null
 * @param role           {@value #CHALLENGER} for a challenger's prediction, null for a model's own (the champion's)
 * @param champion       for a challenger's prediction, the id of the model it challenges; else null
 */
public record Prediction(String model, long modelVersion, String id, double[] output, Integer predictedClass,
                         Integer label, double[] target, Double loss, String sourceTopic, Integer sourcePartition,
                         Long sourceOffset, Long line, Long timestamp, String role, String champion) {
    /** The {@code role} of a challenger's prediction. */
    public static final String CHALLENGER = "challenger";

    /** A model's own prediction (no role, no champion). */
    public Prediction(String model, long modelVersion, String id, double[] output, Integer predictedClass, Integer label,
                      double[] target, Double loss, String sourceTopic, Integer sourcePartition, Long sourceOffset, Long line,
                      Long timestamp) {
        this(model, modelVersion, id, output, predictedClass, label, target, loss, sourceTopic, sourcePartition, sourceOffset,
                line, timestamp, null, null);
    }

    public Prediction {
        Objects.requireNonNull(model, "model");
        if (model.isEmpty()) {
            throw new IllegalArgumentException("model is empty; expected a model id");
        }
        if (modelVersion < 0) {
            throw new IllegalArgumentException("modelVersion = " + modelVersion + "; expected >= 0");
        }
        Objects.requireNonNull(output, "output");
        if (predictedClass != null && predictedClass < 0) {
            throw new IllegalArgumentException("predictedClass = " + predictedClass + "; expected a class index >= 0");
        }
        if (label != null && label < 0) {
            throw new IllegalArgumentException("label = " + label + "; expected a class index >= 0");
        }
        if (label != null && target != null) {
            throw new IllegalArgumentException("both label and target are set; a sample has at most one of them");
        }
        if (line != null && line < 1) {
            throw new IllegalArgumentException("line = " + line + "; expected a line number >= 1");
        }
        if (role != null && !CHALLENGER.equals(role)) {
            throw new IllegalArgumentException("role = " + role + "; expected " + CHALLENGER + " or none");
        }
        if ((role == null) != (champion == null)) {
            throw new IllegalArgumentException("role = " + role + ", champion = " + champion + "; a challenger's prediction has both, any other neither");
        }
        output = output.clone();
        target = target == null ? null : target.clone();
    }

    @Override
    public double[] output() {
        return output.clone();
    }

    @Override
    public double[] target() {
        return target == null ? null : target.clone();
    }

    /** The prediction {@code outcome} made for {@code sample}; the source fields are left empty. */
    public static Prediction of(Sample sample, Outcome outcome) {
        return of(sample, outcome, null);
    }

    /**
     * The prediction {@code outcome} made for {@code sample}, read from {@code source} (its topic, partition, offset and
     * timestamp), or with the source fields empty if {@code source} is null. One construction per record: the stream
     * processor's path.
     */
    public static Prediction of(Sample sample, Outcome outcome, SourceRecord source) {
        int predicted = outcome.predictedClass();
        return new Prediction(sample.model(), outcome.modelVersion(), sample.id(), outcome.copyOutput(),
                predicted < 0 ? null : predicted, sample.label(), sample.target(), outcome.learned() ? outcome.loss() : null,
                source == null ? null : source.topic(), source == null ? null : source.partition(),
                source == null ? null : source.offset(), null, source == null ? null : source.timestamp());
    }

    /** This prediction as made by challenger {@code challengerId} of model {@code championId} (at {@link #modelVersion}). */
    public Prediction asChallenger(String challengerId, String championId) {
        return new Prediction(challengerId, modelVersion, id, output, predictedClass, label, target, loss, sourceTopic,
                sourcePartition, sourceOffset, line, timestamp, CHALLENGER, championId);
    }

    /**
     * This prediction as UTF-8 JSON, fields in the declared order, absent ones omitted: the form published to the
     * predictions topic. Written by {@link JsonWriter} (a reused streaming generator), since it runs once per record.
     */
    public byte[] toJson() {
        JsonWriter json = new JsonWriter();
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
        if (role != null) {
            json.field("role", role).field("champion", champion);
        }
        return json.end();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Prediction p && model.equals(p.model) && modelVersion == p.modelVersion
                && Objects.equals(id, p.id) && Arrays.equals(output, p.output) && Objects.equals(predictedClass, p.predictedClass)
                && Objects.equals(label, p.label) && Arrays.equals(target, p.target) && Objects.equals(loss, p.loss)
                && Objects.equals(sourceTopic, p.sourceTopic) && Objects.equals(sourcePartition, p.sourcePartition)
                && Objects.equals(sourceOffset, p.sourceOffset) && Objects.equals(line, p.line)
                && Objects.equals(timestamp, p.timestamp) && Objects.equals(role, p.role) && Objects.equals(champion, p.champion);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, modelVersion, id, Arrays.hashCode(output), predictedClass, label, Arrays.hashCode(target),
                loss, sourceTopic, sourcePartition, sourceOffset, line, timestamp, role, champion);
    }

    @Override
    public String toString() {
        return "Prediction[model=" + model + ", modelVersion=" + modelVersion + ", id=" + id + ", output="
                + Arrays.toString(output) + ", predictedClass=" + predictedClass + ", label=" + label + ", target="
                + Arrays.toString(target) + ", loss=" + loss + ", sourceTopic=" + sourceTopic + ", sourcePartition="
                + sourcePartition + ", sourceOffset=" + sourceOffset + ", line=" + line + ", timestamp=" + timestamp
                + (role == null ? "" : ", role=" + role + ", champion=" + champion) + "]";
    }

    /** This prediction with the line of the file it came from. */
    public Prediction withLine(long lineNumber) {
        return new Prediction(model, modelVersion, id, output, predictedClass, label, target, loss, sourceTopic,
                sourcePartition, sourceOffset, lineNumber, timestamp, role, champion);
    }

    /** This prediction with the Kafka record it came from. */
    public Prediction withSource(String topic, int partition, long offset, long recordTimestamp) {
        return new Prediction(model, modelVersion, id, output, predictedClass, label, target, loss, topic, partition,
                offset, line, recordTimestamp, role, champion);
    }
}
