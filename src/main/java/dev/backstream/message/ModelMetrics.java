package dev.backstream.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.backstream.json.Json;
import org.apache.kafka.common.errors.SerializationException;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A model's prequential (test-then-train) metrics at one moment, as published to the metrics topic in the
 * {@value #FORMAT} format: every prediction is scored before the sample's update, over a sliding window of the last
 * {@code windowSize} labeled predictions and as an exponentially fading average. Classification metrics are null for a
 * regression model and the other way round; {@code classCounts} only for a softmax model.
 *
 * @param format             always {@value #FORMAT}
 * @param model              the model id
 * @param modelVersion       updates applied when the metrics were taken
 * @param kind               {@code "classification"} or {@code "regression"}
 * @param windowSize         the configured window ({@code metrics.window})
 * @param windowCount        labeled predictions in the window now (at most {@code windowSize})
 * @param fadingFactor       the configured fading factor ({@code metrics.fading.factor})
 * @param windowAccuracy     classification: share of correct predictions in the window
 * @param windowLogLoss      classification: mean loss in the window
 * @param fadingAccuracy     classification: fading average of correctness
 * @param fadingLogLoss      classification: fading average of the loss
 * @param windowMae          regression: mean absolute error in the window (over all outputs)
 * @param windowRmse         regression: root mean squared error in the window (over all outputs)
 * @param fadingMae          regression: fading mean absolute error
 * @param fadingRmse         regression: square root of the fading mean squared error
 * @param classCounts        softmax: per class, in the window, how often it was the label, the prediction, and both
 * @param updates            updates applied (equals {@code modelVersion})
 * @param scoreRequests      score requests served
 * @param divergentUpdates   updates rejected because they would have made a parameter non-finite
 * @param deadLetters        dead letters of this model's records by reason code
 * @param lastUpdateTime     timestamp of the record of the last update applied, or -1
 * @param sourceTopic        topic of the last record applied, or null
 * @param sourcePartition    its partition, or -1
 * @param sourceOffset       its offset, or -1
 * @param timestamp          when the metrics were taken (wall clock, ms)
 * @param labels             for a model with a feature spec: its events waiting for delayed labels, and how many labels
 *                           were joined and events expired or evicted; absent for other models
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "model", "modelVersion", "kind", "windowSize", "windowCount", "fadingFactor", "windowAccuracy",
        "windowLogLoss", "fadingAccuracy", "fadingLogLoss", "windowMae", "windowRmse", "fadingMae", "fadingRmse", "classCounts",
        "updates", "scoreRequests", "divergentUpdates", "deadLetters", "lastUpdateTime", "sourceTopic", "sourcePartition",
        "sourceOffset", "timestamp", "labels"})
public record ModelMetrics(String format, String model, long modelVersion, String kind, int windowSize, int windowCount,
                           double fadingFactor, Double windowAccuracy, Double windowLogLoss, Double fadingAccuracy,
                           Double fadingLogLoss, Double windowMae, Double windowRmse, Double fadingMae, Double fadingRmse,
                           List<ClassCount> classCounts, long updates, long scoreRequests, long divergentUpdates,
                           Map<String, Long> deadLetters, long lastUpdateTime, String sourceTopic, int sourcePartition,
                           long sourceOffset, long timestamp, Labels labels) {
    public static final String FORMAT = "backstream.metrics/v1";
    public static final String CLASSIFICATION = "classification";
    public static final String REGRESSION = "regression";

    public ModelMetrics {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("format: expected " + FORMAT + ", found " + format);
        }
        Objects.requireNonNull(model, "model");
        if (!CLASSIFICATION.equals(kind) && !REGRESSION.equals(kind)) {
            throw new IllegalArgumentException("kind: expected classification or regression, found " + kind);
        }
        if (windowSize < 1 || windowCount < 0 || windowCount > windowSize) {
            throw new IllegalArgumentException("window: expected 0 <= count <= size, size >= 1; found count " + windowCount + ", size " + windowSize);
        }
        classCounts = classCounts == null ? null : List.copyOf(classCounts);
        deadLetters = deadLetters == null ? Map.of() : new TreeMap<>(deadLetters);
    }

    /** The metrics of a model without delayed-label counts. */
    public ModelMetrics(String format, String model, long modelVersion, String kind, int windowSize, int windowCount,
                        double fadingFactor, Double windowAccuracy, Double windowLogLoss, Double fadingAccuracy,
                        Double fadingLogLoss, Double windowMae, Double windowRmse, Double fadingMae, Double fadingRmse,
                        List<ClassCount> classCounts, long updates, long scoreRequests, long divergentUpdates,
                        Map<String, Long> deadLetters, long lastUpdateTime, String sourceTopic, int sourcePartition,
                        long sourceOffset, long timestamp) {
        this(format, model, modelVersion, kind, windowSize, windowCount, fadingFactor, windowAccuracy, windowLogLoss, fadingAccuracy,
                fadingLogLoss, windowMae, windowRmse, fadingMae, fadingRmse, classCounts, updates, scoreRequests, divergentUpdates,
                deadLetters, lastUpdateTime, sourceTopic, sourcePartition, sourceOffset, timestamp, null);
    }

    /** These metrics with the model's delayed-label counts. */
    public ModelMetrics withLabels(Labels labels) {
        return new ModelMetrics(format, model, modelVersion, kind, windowSize, windowCount, fadingFactor, windowAccuracy, windowLogLoss,
                fadingAccuracy, fadingLogLoss, windowMae, windowRmse, fadingMae, fadingRmse, classCounts, updates, scoreRequests,
                divergentUpdates, deadLetters, lastUpdateTime, sourceTopic, sourcePartition, sourceOffset, timestamp, labels);
    }

    /**
     * A model's delayed labels: events pending now (scored, waiting for their label), labels joined (learned), events
     * expired ({@code labels.ttl.ms}) and evicted ({@code labels.max.pending}) since the model was created.
     */
    public record Labels(long pending, long joined, long expired, long evicted) {
    }

    /** One class's counts in the window: as the label, as the prediction, and both (true positives). */
    public record ClassCount(int label, long actual, long predicted, long correct) {
    }

    /** The JSON value published to the metrics topic. */
    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write metrics of model " + model, e);
        }
    }
}
