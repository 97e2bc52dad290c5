package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.app.StreamsSettings;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** A TopologyTestDriver around the production topology, with the two test models "xor" and "blobs". */
final class TopologyFixture implements AutoCloseable {
    static final Architecture XOR = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY,
            new LayerSpec(4, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
    static final Architecture BLOBS = Architecture.of(3, Loss.CATEGORICAL_CROSS_ENTROPY,
            new LayerSpec(6, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));

    static ModelCatalog catalog(long snapshotEvery) {
        return new ModelCatalog(List.of(
                new ModelDefinition("xor", Mlp.initialize(XOR, OptimizerSpec.sgd(0.5), 7), snapshotEvery, "test"),
                new ModelDefinition("blobs", Mlp.initialize(BLOBS, OptimizerSpec.Adam.withDefaults(0.01), 3), snapshotEvery, "test")));
    }

    static BackstreamConfig config(Path stateDir, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put(BackstreamConfig.STATE_DIR, stateDir.toString());
        values.put(BackstreamConfig.APPLICATION_ID, "backstream-test");
        values.putAll(overrides);
        return new BackstreamConfig(values, null);
    }

    final BackstreamConfig config;
    final BackstreamTopology.Shared shared;
    final ModelCatalog catalog;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> samples;
    final TestInputTopic<byte[], byte[]> scoreRequests;
    final TestOutputTopic<byte[], byte[]> predictions;
    final TestOutputTopic<byte[], byte[]> snapshots;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    final TestOutputTopic<byte[], byte[]> metrics;
    final TestInputTopic<byte[], byte[]> control;
    final TestOutputTopic<byte[], byte[]> modelEvents;
    final TestInputTopic<byte[], byte[]> events;
    final TestInputTopic<byte[], byte[]> labels;

    TopologyFixture(BackstreamConfig config, ModelCatalog catalog) {
        this.config = config;
        this.catalog = catalog;
        this.shared = BackstreamTopology.Shared.fresh(config.metricsModelSeriesMax());
        Properties properties = StreamsSettings.properties(config, catalog);
        driver = new TopologyTestDriver(BackstreamTopology.build(StreamsSettings.topology(config, catalog), catalog, shared), properties, Instant.ofEpochMilli(0));
        Topics topics = config.topics();
        ByteArraySerializer serializer = new ByteArraySerializer();
        ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
        samples = driver.createInputTopic(topics.samples(), serializer, serializer);
        scoreRequests = driver.createInputTopic(topics.scoreRequests(), serializer, serializer);
        predictions = driver.createOutputTopic(topics.predictions(), deserializer, deserializer);
        snapshots = driver.createOutputTopic(topics.snapshots(), deserializer, deserializer);
        deadLetters = driver.createOutputTopic(topics.deadLetters(), deserializer, deserializer);
        metrics = driver.createOutputTopic(topics.metrics(), deserializer, deserializer);
        control = driver.createInputTopic(topics.control(), serializer, serializer);
        modelEvents = driver.createOutputTopic(topics.modelEvents(), deserializer, deserializer);
        events = driver.createInputTopic(topics.events(), serializer, serializer);
        labels = driver.createInputTopic(topics.labels(), serializer, serializer);
    }

    static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    void send(String key, String json) {
        samples.pipeInput(bytes(key), bytes(json));
    }

    /** Sends a command, keyed by its model id, and returns the model event it produced. */
    JsonNode command(dev.backstream.message.ModelCommand command) {
        control.pipeInput(bytes(command.model()), command.toJson());
        return dev.backstream.json.TestJson.json(modelEvents.readValue());
    }

    void score(String key, String json) {
        scoreRequests.pipeInput(bytes(key), bytes(json));
    }

    /** The model the store persisted for {@code id} at the last commit (the driver commits after every record), or null. */
    Mlp storedModel(String id) {
        ModelStore store = (ModelStore) driver.getStateStore(BackstreamTopology.STORE);
        return store.persisted(id).map(StoredModel::model).orElse(null);
    }

    /** The preprocessing state the store persisted for {@code id} at the last commit, or null. */
    dev.backstream.features.Preprocessing storedPreprocessing(String id) {
        ModelStore store = (ModelStore) driver.getStateStore(BackstreamTopology.STORE);
        return store.persistedPreprocessing(id, catalog.find(id).orElseThrow().features());
    }

    @Override
    public void close() {
        driver.close();
    }
}
