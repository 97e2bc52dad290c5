package dev.backstream.stream;

import dev.backstream.message.Json;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Mlp;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new processor instance on the same store resumes the same model: what happens when a task restarts, migrates
 * or is revived. (TopologyTestDriver deletes its state directory on close, so this is tested at the processor level;
 * the real-broker crash test covers RocksDB and changelog restoration.)
 */
class ModelProcessorRestartTest {

    @Test
    void aNewProcessorOnTheSameStoreResumesFromTheStoredModel() throws Exception {
        var catalog = TopologyFixture.catalog(1000);
        MockProcessorContext<byte[], Output> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(BackstreamTopology.STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);

        List<String> lines = new ArrayList<>();
        ModelProcessor first = new ModelProcessor(catalog, BackstreamTopology.STORE, 0);
        first.init(context);
        for (int i = 0; i < 30; i++) {
            lines.add(BackstreamTopologyTest.xorSample(i));
            first.process(record(lines.get(i), i));
        }
        first.close();
        context.resetForwards();

        ModelProcessor second = new ModelProcessor(catalog, BackstreamTopology.STORE, 0);
        second.init(context);
        for (int i = 30; i < 60; i++) {
            lines.add(BackstreamTopologyTest.xorSample(i));
            second.process(record(lines.get(i), i));
        }

        var forwarded = context.forwarded();
        assertEquals(30, Json.MAPPER.readTree(forwarded.get(0).record().value().json()).get("modelVersion").asLong(),
                "the second instance starts at update 30");
        Mlp expected = catalog.find("xor").orElseThrow().newModel();
        SampleParser parser = new SampleParser();
        lines.forEach(line -> parser.parse(line).learnOn(expected));
        StoredModel stored = StoredModel.decode(store.get("xor"));
        assertTrue(stored.model().bitIdentical(expected));
        assertEquals(59, stored.sourceOffset(), "the store remembers the last sample applied");
    }

    private static Record<byte[], RoutedSample> record(String line, long offset) {
        RoutedSample routed = new RoutedSample(new SampleParser().parse(line), true, null,
                new SourceRecord("backstream.samples", 0, offset, 1000 + offset));
        return new Record<>("xor".getBytes(StandardCharsets.UTF_8), routed, 1000 + offset);
    }
}
