package dev.backstream.stream;

import dev.backstream.app.BackstreamConfig;
import dev.backstream.broker.TopicCreator;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The events and labels topics")
class EventTopicsTest {

    @Test
    void areInputsCheckedAndCreatedWithTheSamplesPartitions() {
        BackstreamConfig config = TopologyFixture.config(Path.of("unused"), Map.of("topic.labels", "my.labels"));
        Topics topics = config.topics();
        assertEquals("backstream.events", topics.events());
        assertEquals("my.labels", topics.labels());
        assertTrue(topics.inputs().contains("backstream.events") && topics.inputs().contains("my.labels"),
                "the start-up check requires the inputs to exist with one partition count: " + topics.inputs());
        assertEquals(10, topics.all().size());
        for (NewTopic topic : TopicCreator.topics(topics, 6)) {
            if (topic.name().equals("backstream.events") || topic.name().equals("my.labels")) {
                assertEquals(6, topic.numPartitions(), topic.name());
            }
        }
        assertEquals(2, TopicCreator.topics(topics, 6).stream().filter(t -> topics.inputs().contains(t.name())
                && (t.name().equals("backstream.events") || t.name().equals("my.labels"))).count());
    }

    @Test
    void eventsModelAndTheLabelSettingsHaveTheirDefaults() {
        EventSettings defaults = TopologyFixture.config(Path.of("unused"), Map.of()).eventSettings();
        assertNull(defaults.defaultModel(), "events name their model");
        assertEquals(3_600_000L, defaults.labelsTtlMs());
        assertEquals(100_000, defaults.maxPending());
        EventSettings set = TopologyFixture.config(Path.of("unused"),
                Map.of("events.model", "flights", "labels.ttl.ms", "60000", "labels.max.pending", "10")).eventSettings();
        assertEquals(new EventSettings("flights", 60_000, 10), set);
    }
}
