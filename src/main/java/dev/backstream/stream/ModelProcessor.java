package dev.backstream.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.backstream.app.ModelCatalog;
import dev.backstream.app.ModelDefinition;
import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.Json;
import dev.backstream.message.Prediction;
import dev.backstream.message.RejectReason;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.Outcome;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The learner: owns the models of its task. For a labeled sample it predicts, learns (one SGD step), publishes the
 * prediction made before the update and puts the updated model into the store; for a score request it only predicts.
 *
 * <p>Per-record write: the live models are kept in this processor, and after every update the model is put into the
 * cached, change-logged store. The cache turns the puts of one commit interval into one changelog record per model,
 * and the store then always holds the model as of the last processed record when Kafka Streams commits, so after a
 * crash (even {@code kill -9}) or a rebalance the task resumes from exactly the committed model. The price is one
 * binary encoding (a bulk copy) per record.
 */
final class ModelProcessor implements Processor<byte[], RoutedSample, byte[], Output> {
    private final ModelCatalog catalog;
    private final String storeName;
    private final long snapshotIntervalMs;
    private final Map<String, LiveModel> live = new HashMap<>();
    private ProcessorContext<byte[], Output> context;
    private KeyValueStore<String, byte[]> store;
    private Cancellable punctuator;

    /** A model in memory, with what the store header records about it. */
    private static final class LiveModel {
        final ModelDefinition definition;
        final Mlp model;
        SourceRecord lastSource;
        long lastSnapshotUpdates;
        /**
         * The store value of this model, rewritten in place before every put. Safe because the cached store keeps the
         * reference only until it flushes (at commit or eviction), and the flush copies the bytes into RocksDB and the
         * changelog producer's batch synchronously; every later change is followed by another put of the same array.
         * For a 100k-parameter model this avoids an 800 KB (humongous) allocation per record.
         */
        byte[] storeValue;

        byte[] encode() {
            if (storeValue == null) {
                storeValue = new byte[StoredModel.encodedSize(model)];
            }
            int partition = lastSource == null ? -1 : lastSource.partition();
            long offset = lastSource == null ? -1 : lastSource.offset();
            return new StoredModel(model, partition, offset, lastSnapshotUpdates).encodeInto(storeValue);
        }

        LiveModel(ModelDefinition definition, Mlp model, SourceRecord lastSource, long lastSnapshotUpdates) {
            this.definition = definition;
            this.model = model;
            this.lastSource = lastSource;
            this.lastSnapshotUpdates = lastSnapshotUpdates;
        }
    }

    ModelProcessor(ModelCatalog catalog, String storeName, long snapshotIntervalMs) {
        this.catalog = catalog;
        this.storeName = storeName;
        this.snapshotIntervalMs = snapshotIntervalMs;
    }

    @Override
    public void init(ProcessorContext<byte[], Output> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        live.clear(); // a revived task re-initializes this instance: always start from the store
        if (snapshotIntervalMs > 0) {
            punctuator = context.schedule(Duration.ofMillis(snapshotIntervalMs), PunctuationType.WALL_CLOCK_TIME, this::snapshotChangedModels);
        }
    }

    @Override
    public void process(Record<byte[], RoutedSample> record) {
        RoutedSample routed = record.value();
        String modelId = routed.sample().model();
        byte[] modelKey = record.key();
        LiveModel entry = live(modelId);
        if (entry == null) {
            deadLetter(record, RejectReason.UNKNOWN_MODEL, "model '" + modelId + "' is not declared");
            return;
        }
        Outcome outcome;
        try {
            outcome = routed.learn() ? routed.sample().learnOn(entry.model) : routed.sample().scoreOn(entry.model);
        } catch (InvalidMessageException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        SourceRecord source = routed.source();
        Prediction prediction = Prediction.of(routed.sample(), outcome)
                .withSource(source.topic(), source.partition(), source.offset(), source.timestamp());
        context.forward(new Record<>(modelKey, new Output(Output.Kind.PREDICTION, json(prediction)), record.timestamp()));
        if (!routed.learn()) {
            return;
        }
        if (!outcome.updateApplied()) {
            deadLetter(record, RejectReason.DIVERGED_UPDATE, "the update for this sample would make a parameter of model '"
                    + modelId + "' non-finite (loss " + outcome.loss() + "); it was not applied and the model is unchanged");
            return;
        }
        entry.lastSource = source;
        long updates = entry.model.updates();
        boolean snapshotDue = updates % entry.definition.snapshotEveryUpdates() == 0;
        if (snapshotDue) {
            entry.lastSnapshotUpdates = updates;
        }
        store.put(modelId, entry.encode());
        if (snapshotDue) {
            publishSnapshot(modelId, entry, record.timestamp());
        }
    }

    /** The live model for {@code modelId}: from memory, else from the store, else fresh from its definition. */
    private LiveModel live(String modelId) {
        LiveModel entry = live.get(modelId);
        if (entry != null) {
            return entry;
        }
        ModelDefinition definition = catalog.find(modelId).orElse(null);
        if (definition == null) {
            return null;
        }
        byte[] stored = store.get(modelId);
        if (stored != null) {
            StoredModel model = StoredModel.decode(stored);
            entry = new LiveModel(definition, model.model(), new SourceRecord(null, model.sourcePartition(), model.sourceOffset(), -1),
                    model.lastSnapshotUpdates());
        } else {
            entry = new LiveModel(definition, definition.newModel(), null, -1);
        }
        live.put(modelId, entry);
        return entry;
    }

    private void snapshotChangedModels(long now) {
        for (Map.Entry<String, LiveModel> model : live.entrySet()) {
            LiveModel entry = model.getValue();
            long updates = entry.model.updates();
            if (updates != entry.lastSnapshotUpdates && entry.lastSource != null) {
                entry.lastSnapshotUpdates = updates;
                store.put(model.getKey(), entry.encode());
                publishSnapshot(model.getKey(), entry, now);
            }
        }
    }

    private void publishSnapshot(String modelId, LiveModel entry, long timestamp) {
        Map<String, Object> extras = new LinkedHashMap<>();
        if (entry.lastSource != null) {
            if (entry.lastSource.topic() != null) {
                extras.put("sourceTopic", entry.lastSource.topic());
            }
            extras.put("sourcePartition", entry.lastSource.partition());
            extras.put("sourceOffset", entry.lastSource.offset());
        }
        byte[] json = SnapshotJson.toBytes(new Snapshot(modelId, entry.model, extras));
        context.forward(new Record<>(modelId.getBytes(StandardCharsets.UTF_8), new Output(Output.Kind.SNAPSHOT, json), timestamp));
    }

    private void deadLetter(Record<byte[], RoutedSample> record, RejectReason reason, String message) {
        RoutedSample routed = record.value();
        DeadLetter letter = DeadLetter.of(reason, message, routed.source(), routed.sourceKey(), null);
        byte[] json = withValue(letter, routed);
        context.forward(new Record<>(routed.sourceKey(), new Output(Output.Kind.DEAD_LETTER, json), record.timestamp()));
    }

    /** Dead letters from this stage carry the sample re-serialized as JSON, since the original bytes were parsed upstream. */
    private static byte[] withValue(DeadLetter letter, RoutedSample routed) {
        return new DeadLetter(letter.reason(), letter.message(), letter.sourceTopic(), letter.sourcePartition(),
                letter.sourceOffset(), letter.key(), letter.keyEncoding(), new String(json(routed.sample()), StandardCharsets.UTF_8),
                null, letter.timestamp()).toJson();
    }

    private static byte[] json(Object value) {
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write " + value.getClass().getSimpleName(), e);
        }
    }

    @Override
    public void close() {
        if (punctuator != null) {
            punctuator.cancel();
        }
        live.clear();
    }
}
