package dev.backstream.stream.hook;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.AbstractStoreBuilder;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Guards the one Kafka Streams behaviour the model store cannot work without: that a store implementing the internal
 * {@code CachedStateStore} is told, at every commit, to write what it holds in memory. Should an upgrade of Kafka
 * Streams stop calling it, this test fails with a message that says so, before any model test fails obscurely.
 */
@DisplayName("Kafka Streams calls the commit hook")
class CommitHookStoreTest {
    /** What the store saw, in order: "process" for each record written to memory, "commit" for each hook call. */
    private static final List<String> EVENTS = new ArrayList<>();

    @Test
    void beforeEveryCommitOfTheRecordsTheStoreReflects() {
        EVENTS.clear();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(new CountingStoreBuilder());
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .process(() -> new Processor<String, String, Void, Void>() {
                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        context.getStateStore("hooked");
                    }

                    @Override
                    public void process(Record<String, String> record) {
                        EVENTS.add("process");
                    }
                }, "hooked");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "commit-hook-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            in.pipeInput("a", "1");
            in.pipeInput("b", "2");
            // the test driver commits after every record, as a stream thread does at each commit interval
            assertEquals(List.of("process", "commit", "process", "commit"), List.copyOf(EVENTS),
                    "Kafka Streams " + org.apache.kafka.common.utils.AppInfoParser.getVersion()
                            + " no longer calls CachedStateStore.flushCache() when it commits a task; the model store persists"
                            + " its models there (see CommitHookStore) and would lose every update");
        }
    }

    private static final class CountingStore extends CommitHookStore<String, String> {
        private boolean open;

        @Override
        protected void beforeCommit() {
            EVENTS.add("commit");
        }

        @Override
        protected void discardInMemoryState() {
            EVENTS.add("discard");
        }

        @Override
        public String name() {
            return "hooked";
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            context.register(root, (key, value) -> { });
            open = true;
        }

        @Override
        @SuppressWarnings("deprecation")
        public void flush() {
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public boolean persistent() {
            return false;
        }

        @Override
        public boolean isOpen() {
            return open;
        }
    }

    private static final class CountingStoreBuilder extends AbstractStoreBuilder<String, String, CountingStore> {
        CountingStoreBuilder() {
            super("hooked", Serdes.String(), Serdes.String(), Time.SYSTEM);
            withLoggingDisabled();
        }

        @Override
        public CountingStore build() {
            return new CountingStore();
        }
    }
}
