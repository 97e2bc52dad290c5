package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.features.EncodedEvent;
import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.backstream.json.TestJson.json;
import static dev.backstream.stream.EventsTopologyTest.FEATURES;
import static dev.backstream.stream.TopologyFixture.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events whose labels come later, on the labels topic: each is scored on arrival and kept; a label within the TTL of
 * its event is learned once on the kept features and scored by the arrival prediction; late, repeated and unknown
 * labels are dead letters; the pending events are bounded; a restart between events and labels changes nothing.
 */
@DisplayName("Delayed labels")
class DelayedLabelsTopologyTest {

    /** An input record: an event (without its label) or the label record of event {@code index}, at {@code time}. */
    record Input(boolean label, int index, long time) {
        String json() {
            return label ? labelRecord(index) : EventsTopologyTest.event(index, false, true);
        }
    }

    /** The label record of event {@code i}: its delay, read by the spec's threshold. */
    static String labelRecord(int i) {
        JsonNode labeled = parse(EventsTopologyTest.event(i, true, true));
        return "{\"model\": \"flights\", \"id\": \"e-" + i + "\", \"label\": " + labeled.get("delay") + "}";
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} events one second apart, each label 0 to 30 s after its event: labels out of event order. */
    static List<Input> shuffledSchedule(int n, long seed) {
        Random random = new Random(seed);
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inputs.add(new Input(false, i, 1000L * i));
            inputs.add(new Input(true, i, 1000L * i + random.nextInt(30_000)));
        }
        inputs.sort(Comparator.comparingLong(Input::time)); // stable: an event before its label at the same time
        return inputs;
    }

    /**
     * {@code n} events one second apart, each label from 30 s before to 30 s after its event: many labels are processed
     * before their events, as in a replay whose labels topic is fetched ahead of its events topic.
     */
    static List<Input> earlyLabelSchedule(int n, long seed) {
        Random random = new Random(seed);
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long time = 100_000 + 1000L * i;
            inputs.add(new Input(false, i, time));
            inputs.add(new Input(true, i, time - 30_000 + random.nextInt(60_000)));
        }
        inputs.sort(Comparator.comparingLong(Input::time));
        return inputs;
    }

    /**
     * The plain loop over the same join: encode each event on arrival with the state then; a label after its event
     * learns the kept features then; a label before its event waits, and the event is learned with it when it comes.
     */
    record Offline(Mlp model, Preprocessing state) {
        static Offline learn(List<Input> inputs) throws Exception {
            Mlp model = EventsTopologyTest.flights().newModel();
            Preprocessing state = FEATURES.newState();
            Map<Integer, EncodedEvent> kept = new HashMap<>();
            Map<Integer, JsonNode> waiting = new HashMap<>();
            for (Input input : inputs) {
                JsonNode json = parse(input.json());
                if (!input.label()) {
                    EncodedEvent event = FEATURES.encode(json, state);
                    JsonNode label = waiting.remove(input.index());
                    if (label == null) {
                        kept.put(input.index(), event);
                    } else {
                        model.learn(event.features(), FEATURES.parseLabel(label.get("label")).classIndex());
                        state.learn(event.observed());
                    }
                } else if (kept.containsKey(input.index())) {
                    EncodedEvent event = kept.remove(input.index());
                    model.learn(event.features(), FEATURES.parseLabel(json.get("label")).classIndex());
                    state.learn(event.observed());
                } else {
                    waiting.put(input.index(), json);
                }
            }
            return new Offline(model, state);
        }
    }

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private TopologyFixture open(Map<String, String> overrides) {
        fixture = new TopologyFixture(TopologyFixture.config(stateDir, overrides), EventsTopologyTest.catalog());
        return fixture;
    }

    private static void pipe(TopologyFixture f, Input input) {
        (input.label() ? f.labels : f.events).pipeInput(bytes("flights"), bytes(input.json()), input.time());
    }

    private static void event(TopologyFixture f, int i, long time) {
        pipe(f, new Input(false, i, time));
    }

    private static void label(TopologyFixture f, int i, long time) {
        pipe(f, new Input(true, i, time));
    }

    private static JsonNode metrics(TopologyFixture f) {
        f.driver.advanceWallClockTime(Duration.ofMillis(f.config.metricsIntervalMs() + 1));
        List<JsonNode> all = f.metrics.readValuesToList().stream().map(v -> json(v)).toList();
        return all.get(all.size() - 1);
    }

    private static String reason(TopologyFixture f) {
        return json(f.deadLetters.readValue()).get("reason").asText();
    }

    @Nested
    @DisplayName("labels that come within the TTL, out of event order")
    class Joined {

        @Test
        void learnTheModelAndPreprocessingOfAPlainLoopInLabelOrder() throws Exception {
            TopologyFixture f = open(Map.of());
            List<Input> inputs = shuffledSchedule(200, 5);
            inputs.forEach(input -> pipe(f, input));
            Offline offline = Offline.learn(inputs);
            assertTrue(f.deadLetters.isEmpty(), "no dead letters");
            assertTrue(f.storedModel("flights").bitIdentical(offline.model()), "the model of the plain loop");
            assertTrue(f.storedPreprocessing("flights").bitIdentical(offline.state()), "the preprocessing state of the plain loop");
        }

        @Test
        void eachEventIsScoredOnArrivalAndTheMetricsScoreThatPrediction() throws Exception {
            TopologyFixture f = open(Map.of());
            List<Input> inputs = shuffledSchedule(150, 9);
            Map<String, Integer> predictedAtArrival = new HashMap<>();
            int correct = 0;
            for (Input input : inputs) {
                pipe(f, input);
                if (!input.label()) {
                    List<JsonNode> predictions = f.predictions.readValuesToList().stream().map(v -> json(v)).toList();
                    assertEquals(1, predictions.size(), "one prediction per event, at once");
                    assertEquals("e-" + input.index(), predictions.get(0).get("id").asText());
                    predictedAtArrival.put("e-" + input.index(), predictions.get(0).get("predictedClass").asInt());
                } else {
                    assertTrue(f.predictions.isEmpty(), "none when the label is learned");
                    int truth = FEATURES.parseLabel(parse(input.json()).get("label")).classIndex();
                    correct += predictedAtArrival.get("e-" + input.index()) == truth ? 1 : 0;
                }
            }
            JsonNode metrics = metrics(f);
            assertEquals(150, metrics.get("windowCount").asInt());
            assertEquals(correct / 150.0, metrics.get("windowAccuracy").asDouble(), 1e-12, "the accuracy of the arrival predictions");
            assertEquals(150, metrics.get("labels").get("joined").asLong());
            assertEquals(0, metrics.get("labels").get("pending").asLong());
            assertEquals(150, metrics.get("updates").asLong());
        }
    }

    @Nested
    @DisplayName("labels that cannot be learned")
    class Refused {

        @Test
        void aLabelAfterTheTtlIsExpiredAndExpiryFollowsStreamTime() {
            TopologyFixture f = open(Map.of("labels.ttl.ms", "10000"));
            event(f, 0, 0);
            event(f, 1, 1000);
            label(f, 0, 10_001);
            assertEquals("LABEL_EXPIRED", reason(f), "10,001 ms after its event");
            event(f, 2, 15_000);
            assertNotNull(new PendingEvents(f.driver.getKeyValueStore(BackstreamTopology.PENDING_STORE), new EventSettings(null, 10_000, 100))
                    .get("flights", "e-1"), "one TTL after event 1 the punctuation leaves it: only a label decides it is late");
            event(f, 2, 25_000); // two TTLs after event 1: the punctuation retires it
            PendingEvents pending = new PendingEvents(f.driver.getKeyValueStore(BackstreamTopology.PENDING_STORE),
                    new EventSettings(null, 10_000, 100));
            assertNull(pending.get("flights", "e-1"), "expired without a label asking");
            assertEquals(PendingEvents.Marker.EXPIRED, pending.marker("flights", "e-1"));
            assertEquals(1, pending.counts("flights").pending(), "event 2");
            label(f, 1, 25_001);
            assertEquals("LABEL_EXPIRED", reason(f), "expired by the punctuation, remembered by its marker");
            label(f, 2, 25_002);
            assertTrue(f.deadLetters.isEmpty(), "event 2 is still pending");
            JsonNode metrics = metrics(f);
            assertEquals(2, metrics.get("labels").get("expired").asLong());
            assertEquals(1, metrics.get("labels").get("joined").asLong());
            event(f, 3, 200_000); // well after their expiry: the markers are forgotten
            label(f, 1, 200_001);
            assertTrue(f.deadLetters.isEmpty(), "an unknown id's label waits for its event");
            event(f, 4, 220_002);
            assertEquals("UNKNOWN_EVENT_ID", reason(f), "which did not come within the TTL");
            assertEquals(1, f.storedModel("flights").updates());
        }

        @Test
        void aLabelMoreThanATtlOlderThanItsEventIsRefusedInEitherOrder() {
            TopologyFixture f = open(Map.of("labels.ttl.ms", "10000"));
            event(f, 0, 50_000);
            label(f, 0, 1_000); // event first
            assertEquals("UNKNOWN_EVENT_ID", reason(f), "49 s older than its event, with a TTL of 10 s");
            label(f, 1, 2_000); // label first
            event(f, 1, 51_000);
            assertEquals("UNKNOWN_EVENT_ID", reason(f), "the same pair read the other way round");
            assertEquals(0, f.storedModel("flights").updates());
        }

        @Test
        void aSecondLabelIsADuplicateAndLearnedOnce() {
            TopologyFixture f = open(Map.of());
            event(f, 0, 0);
            label(f, 0, 10);
            label(f, 0, 20);
            assertEquals("DUPLICATE_LABEL", reason(f));
            assertTrue(f.deadLetters.isEmpty());
            assertEquals(1, f.storedModel("flights").updates());
        }

        @Test
        void unknownIdsAndBadLabelRecordsAreDeadLetters() {
            TopologyFixture f = open(Map.of());
            label(f, 7, 0);
            assertTrue(f.deadLetters.isEmpty(), "never seen: it waits for its event");
            f.events.pipeInput(bytes("flights"), bytes(EventsTopologyTest.event(8, true, true)), 1);
            label(f, 8, 2);
            assertTrue(f.deadLetters.isEmpty(), "learned with its inline label, never pending: the label waits as for an unknown id");
            event(f, 9, 3);
            f.labels.pipeInput(bytes("flights"), bytes("{\"model\": \"flights\", \"id\": \"e-9\", \"label\": \"late\"}"), 4);
            assertEquals("INVALID_FIELD", reason(f));
            f.labels.pipeInput(bytes("flights"), bytes("{\"model\": \"flights\", \"label\": 3}"), 5);
            assertEquals("MISSING_FIELD", reason(f), "no id");
            f.labels.pipeInput(bytes("flights"), bytes("{\"model\": \"flights\", \"id\": \"\\udbff\", \"label\": 3}"), 5);
            assertEquals("INVALID_FIELD", reason(f), "an unpaired surrogate: its UTF-8 key would be another id's");
            f.labels.pipeInput(bytes("xor"), bytes("{\"model\": \"xor\", \"id\": \"a\", \"label\": 1}"), 6);
            assertEquals("NO_FEATURE_SPEC", reason(f));
            label(f, 9, 7);
            assertTrue(f.deadLetters.isEmpty(), "event 9 was still pending after its bad label");
            assertEquals(2, f.storedModel("flights").updates());
            event(f, 10, 7_200_003); // two TTLs after the labels of 7 and 8: their events never came
            assertEquals("UNKNOWN_EVENT_ID", reason(f));
            assertEquals("UNKNOWN_EVENT_ID", reason(f));
            assertTrue(f.deadLetters.isEmpty());
        }
    }

    @Nested
    @DisplayName("labels processed before their events")
    class EarlyLabels {

        @Test
        void learnTheModelAndPreprocessingOfAPlainLoopOverTheSameJoin() throws Exception {
            TopologyFixture f = open(Map.of());
            List<Input> inputs = earlyLabelSchedule(200, 7);
            int early = 0;
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (Input input : inputs) {
                if (!input.label()) {
                    seen.add(input.index());
                } else if (!seen.contains(input.index())) {
                    early++;
                }
                pipe(f, input);
            }
            assertTrue(early > 50, "labels before their events: " + early);
            Offline offline = Offline.learn(inputs);
            assertTrue(f.deadLetters.isEmpty(), "no dead letters");
            assertEquals(200, f.predictions.readValuesToList().size(), "one prediction per event, on arrival");
            assertTrue(f.storedModel("flights").bitIdentical(offline.model()), "the model of the plain loop");
            assertTrue(f.storedPreprocessing("flights").bitIdentical(offline.state()), "the preprocessing state of the plain loop");
            JsonNode labels = metrics(f).get("labels");
            assertEquals(200, labels.get("joined").asLong());
            assertEquals(0, labels.get("pending").asLong());
        }

        @Test
        void anEventWhoseLabelWaitsIsScoredOnArrivalAndLearnedAtOnceWithThatPrediction() {
            TopologyFixture f = open(Map.of());
            label(f, 0, 0);
            assertTrue(f.predictions.isEmpty() && f.deadLetters.isEmpty(), "the label waits");
            event(f, 0, 10);
            List<JsonNode> predictions = f.predictions.readValuesToList().stream().map(v -> json(v)).toList();
            assertEquals(1, predictions.size());
            assertEquals("e-0", predictions.get(0).get("id").asText());
            assertEquals(1, f.storedModel("flights").updates(), "learned at once");
            label(f, 0, 20);
            assertEquals("DUPLICATE_LABEL", reason(f), "learned once");
            JsonNode metrics = metrics(f);
            assertEquals(1, metrics.get("windowCount").asInt(), "the arrival prediction, scored against the label");
            assertEquals(1, metrics.get("labels").get("joined").asLong());
        }

        @Test
        void aKeptLabelWhoseEventNeverComesIsAnUnknownEventIdWithItsOriginalRecord() {
            TopologyFixture f = open(Map.of("labels.ttl.ms", "10000"));
            String original = labelRecord(7);
            f.labels.pipeInput(bytes("key-7"), bytes(original), 1000);
            event(f, 1, 5000);
            assertTrue(f.deadLetters.isEmpty(), "within the TTL it waits");
            event(f, 2, 11_001);
            assertTrue(f.deadLetters.isEmpty(), "one TTL later the punctuation leaves it: only its event decides it is late");
            event(f, 2, 21_001); // stream time passes the label's timestamp plus two TTLs
            JsonNode letter = json(f.deadLetters.readValue());
            assertEquals("UNKNOWN_EVENT_ID", letter.get("reason").asText());
            assertEquals(original, letter.get("value").asText(), "the label record's original bytes");
            assertEquals("key-7", letter.get("key").asText());
            assertEquals(f.config.topics().labels(), letter.get("sourceTopic").asText());
            assertEquals(0, letter.get("sourceOffset").asLong());
            event(f, 7, 21_002);
            assertTrue(f.deadLetters.isEmpty(), "its event, too late, is only kept");
            assertEquals(0, f.storedModel("flights").updates());
            assertEquals(1, metrics(f).get("deadLetters").get("UNKNOWN_EVENT_ID").asLong(), "counted in the model's metrics");
        }

        @Test
        void anEventWithItsOwnLabelLearnsThatAndTheKeptOneIsADuplicate() {
            TopologyFixture f = open(Map.of());
            String kept = "{\"model\": \"flights\", \"id\": \"e-3\", \"label\": 999}";
            f.labels.pipeInput(bytes("flights"), bytes(kept), 0);
            f.events.pipeInput(bytes("flights"), bytes(EventsTopologyTest.event(3, true, true)), 10);
            JsonNode letter = json(f.deadLetters.readValue());
            assertEquals("DUPLICATE_LABEL", letter.get("reason").asText());
            assertEquals(kept, letter.get("value").asText());
            assertTrue(f.deadLetters.isEmpty());
            TopologyFixture inline = new TopologyFixture(TopologyFixture.config(stateDir.resolve("inline"), Map.of()), EventsTopologyTest.catalog());
            try (inline) {
                inline.events.pipeInput(bytes("flights"), bytes(EventsTopologyTest.event(3, true, true)), 10);
                assertTrue(f.storedModel("flights").bitIdentical(inline.storedModel("flights")), "learned with its own label only");
            }
        }

        @Test
        void keptLabelsCountAgainstTheBoundAndTheOldestOfEitherKindIsEvicted() {
            TopologyFixture f = open(Map.of("labels.max.pending", "3"));
            event(f, 10, 0);
            label(f, 0, 1);
            label(f, 1, 2);
            assertTrue(f.deadLetters.isEmpty());
            label(f, 2, 3); // four waiting: the oldest, event 10, is evicted
            assertTrue(f.deadLetters.isEmpty(), "an evicted event is counted, not a dead letter");
            label(f, 3, 4); // the oldest is now the label of event 0
            JsonNode letter = json(f.deadLetters.readValue());
            assertEquals("UNKNOWN_EVENT_ID", letter.get("reason").asText());
            assertEquals(labelRecord(0), letter.get("value").asText());
            assertTrue(f.deadLetters.isEmpty());
            for (int i = 1; i < 4; i++) {
                event(f, i, 10 + i);
            }
            assertEquals(3, f.storedModel("flights").updates(), "events 1, 2 and 3 joined their labels");
            event(f, 0, 14);
            assertTrue(f.deadLetters.isEmpty(), "event 0 waits for a label again");
            label(f, 10, 20);
            assertEquals("LABEL_EXPIRED", reason(f), "event 10 was evicted");
            JsonNode labels = metrics(f).get("labels");
            assertEquals(1, labels.get("evicted").asLong());
            assertEquals(3, labels.get("joined").asLong());
            assertEquals(1, labels.get("pending").asLong());
        }
    }

    @Test
    @DisplayName("at most labels.max.pending events wait per model: the oldest is evicted and counted")
    void theOldestPendingEventIsEvictedAtTheBound() {
        TopologyFixture f = open(Map.of("labels.max.pending", "3"));
        for (int i = 0; i < 5; i++) {
            event(f, i, i);
        }
        label(f, 0, 10);
        assertEquals("LABEL_EXPIRED", reason(f), "evicted");
        for (int i = 2; i < 5; i++) {
            label(f, i, 10 + i);
        }
        label(f, 1, 20);
        assertEquals("LABEL_EXPIRED", reason(f));
        assertTrue(f.deadLetters.isEmpty());
        JsonNode labels = metrics(f).get("labels");
        assertEquals(2, labels.get("evicted").asLong());
        assertEquals(3, labels.get("joined").asLong());
        assertEquals(0, labels.get("pending").asLong());
    }

    @Nested
    @DisplayName("a task restart between the events and their labels")
    class Restart {

        private Record<byte[], RoutedSample> routed(Input input, long offset) {
            byte[] value = bytes(input.json());
            RoutedEvent.Kind kind = input.label() ? RoutedEvent.Kind.LABEL : RoutedEvent.Kind.EVENT;
            RoutedSample routed = RoutedSample.event(EventRouter.read(kind, value, null), null, value,
                    new SourceRecord(input.label() ? "backstream.labels" : "backstream.events", 0, offset, input.time()));
            return new Record<>(bytes("flights"), routed, input.time());
        }

        /** Inputs {@code [from, to)} processed by a new processor of the flights model, then a commit; the processor. */
        private ModelProcessor process(ModelStoreHarness harness, List<Input> inputs, int from, int to) {
            ModelProcessor processor = harness.processor(EventsTopologyTest.catalog());
            for (int k = from; k < to; k++) {
                processor.process(routed(inputs.get(k), k));
            }
            harness.store.flushCache();
            return processor;
        }

        /** What the store holds after every input: the model and its statistics of a run without the restart. */
        private void assertLearnedAsWithoutTheRestart(ModelStoreHarness harness, List<Input> inputs) throws Exception {
            Offline offline = Offline.learn(inputs);
            assertTrue(harness.store.persisted("flights").orElseThrow().model().bitIdentical(offline.model()), "as without the restart");
            assertTrue(harness.store.persistedPreprocessing("flights", FEATURES).bitIdentical(offline.state()));
        }

        @Test
        void resumesThePendingEventsAndTheirCountsAndLearnsAsWithoutIt() throws Exception {
            List<Input> inputs = shuffledSchedule(120, 13);
            int cut = inputs.size() / 2;
            ModelStoreHarness harness = new ModelStoreHarness();
            process(harness, inputs, 0, cut).close();
            long pendingBefore = new PendingEvents(harness.pending, EventSettings.defaults()).counts("flights").pending();
            assertTrue(pendingBefore > 0, "events wait for their labels at the restart");
            harness.restart();
            process(harness, inputs, cut, inputs.size());
            assertLearnedAsWithoutTheRestart(harness, inputs);
            PendingEvents.Counts counts = new PendingEvents(harness.pending, EventSettings.defaults()).counts("flights");
            assertEquals(0, counts.pending());
            assertEquals(120, counts.joined(), "the counts, rebuilt from the store, went on");
        }

        /** The flights model, read with {@code spec} instead of the test spec, with as many inputs as it makes columns. */
        private ModelCatalog flightsReadBy(String spec) throws Exception {
            FeatureSpec features = FeatureSpec.parse(Json.MAPPER.readTree(spec), "test");
            Architecture architecture = Architecture.of(features.width(), Loss.BINARY_CROSS_ENTROPY,
                    new LayerSpec(6, Activation.TANH), new LayerSpec(1, Activation.SIGMOID));
            return new ModelCatalog(List.of(new ModelDefinition("flights", Mlp.initialize(architecture, OptimizerSpec.sgd(0.1), 11),
                    1_000_000, "test").withFeatures(features)));
        }

        /** Events kept under {@code before}'s spec, a restart with the test spec, their labels: INVALID_FIELD dead letters. */
        private void keptUnderAnotherSpec(ModelCatalog before) {
            ModelStoreHarness harness = new ModelStoreHarness();
            ModelProcessor first = harness.processor(before);
            first.process(routed(new Input(false, 0, 0), 0));
            first.process(routed(new Input(false, 1, 1), 1));
            harness.store.flushCache();
            first.close();
            harness.restart();
            ModelProcessor second = harness.processor(EventsTopologyTest.catalog());
            second.process(routed(new Input(true, 0, 2), 2));
            second.process(routed(new Input(true, 1, 3), 3));
            harness.store.flushCache();
            List<JsonNode> letters = harness.context.forwarded().stream().map(r -> r.record().value())
                    .filter(o -> o.kind() == Output.Kind.DEAD_LETTER).map(o -> json(o.json())).toList();
            assertEquals(2, letters.size(), letters.toString());
            for (JsonNode letter : letters) {
                assertEquals("INVALID_FIELD", letter.get("reason").asText(), letter.toString());
                assertTrue(letter.get("message").asText().contains("feature spec changed since the event arrived"), letter.toString());
            }
            Mlp stored = harness.store.persisted("flights").map(StoredModel::model).orElse(null);
            assertTrue(stored == null || stored.updates() == 0, "the model is untouched");
            PendingEvents.Counts counts = new PendingEvents(harness.pending, EventSettings.defaults()).counts("flights");
            assertEquals(0, counts.pending(), "retired");
        }

        @Test
        void aKeptEventWhoseSpecGainedAStatefulFieldIsADeadLetterNotADeadThread() throws Exception {
            // distance raw (no statistics) before, standardized (one stateful field) after: the same width
            keptUnderAnotherSpec(flightsReadBy(EventsTopologyTest.SPEC.replace("\"encoding\": \"standardize\", \"missing\": \"mean\"",
                    "\"encoding\": \"raw\", \"missing\": \"zero\"")));
        }

        @Test
        void aKeptEventOfAnotherWidthIsADeadLetter() throws Exception {
            keptUnderAnotherSpec(flightsReadBy(EventsTopologyTest.SPEC.replace("\"buckets\": 8", "\"buckets\": 9")));
        }

        @Test
        void resumesTheKeptLabelsAndLearnsAsWithoutIt() throws Exception {
            List<Input> inputs = earlyLabelSchedule(120, 17);
            int cut = inputs.size() / 2;
            ModelStoreHarness harness = new ModelStoreHarness();
            process(harness, inputs, 0, cut).close();
            assertTrue(new PendingEvents(harness.pending, EventSettings.defaults()).counts("flights").labels > 0,
                    "labels wait for their events at the restart");
            harness.restart();
            process(harness, inputs, cut, inputs.size());
            assertTrue(harness.context.forwarded().stream().noneMatch(r -> r.record().value().kind() == Output.Kind.DEAD_LETTER), "no dead letters");
            assertLearnedAsWithoutTheRestart(harness, inputs);
            PendingEvents.Counts counts = new PendingEvents(harness.pending, EventSettings.defaults()).counts("flights");
            assertEquals(0, counts.pending());
            assertEquals(0, counts.labels);
            assertEquals(120, counts.joined());
        }
    }

    /** The flights model with one challenger, "wide": its own architecture, optimizer and seed. */
    static ModelCatalog withChallenger() {
        ModelDefinition champion = EventsTopologyTest.flights();
        ModelDefinition wide = new ModelDefinition("flights:wide", wideChallenger(), 1_000_000, "test");
        return new ModelCatalog(List.of(new ModelDefinition("flights", champion.newModel(), 1_000_000, "test", null,
                Map.of("wide", wide), FEATURES)));
    }

    static Mlp wideChallenger() {
        Architecture architecture = Architecture.of(FEATURES.width(), Loss.BINARY_CROSS_ENTROPY,
                new LayerSpec(10, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
        return Mlp.initialize(architecture, OptimizerSpec.sgd(0.3), 5);
    }

    private static int labelOf(int i) throws Exception {
        return FEATURES.parseLabel(parse(labelRecord(i)).get("label")).classIndex();
    }

    @Nested
    @DisplayName("a model with a challenger")
    class WithChallenger {

        @Test
        void theChallengerIsScoredOnArrivalAndItsMetricsScoreThatPrediction() throws Exception {
            fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), withChallenger());
            TopologyFixture f = fixture;
            event(f, 0, 0);
            List<JsonNode> atArrival = f.predictions.readValuesToList().stream().map(v -> json(v)).toList();
            assertEquals(2, atArrival.size(), "the champion's and the challenger's predictions, on arrival");
            JsonNode challenger = atArrival.get(1);
            assertEquals("flights:wide", challenger.get("model").asText());
            assertEquals("challenger", challenger.get("role").asText());
            assertEquals("flights", challenger.get("champion").asText());
            assertEquals("e-0", challenger.get("id").asText());
            event(f, 1, 1);
            assertEquals(2, f.predictions.readValuesToList().size());
            label(f, 1, 2);
            label(f, 0, 3); // the challenger learned event 1 in between: its prediction now is not the one on arrival
            assertTrue(f.predictions.isEmpty(), "no second prediction when the labels are learned");
            assertTrue(f.deadLetters.isEmpty());

            Mlp wide = wideChallenger();
            Preprocessing state = FEATURES.newState();
            EncodedEvent e0 = FEATURES.encode(parse(EventsTopologyTest.event(0, false, true)), state);
            EncodedEvent e1 = FEATURES.encode(parse(EventsTopologyTest.event(1, false, true)), state);
            assertEquals(wide.predict(e0.features()).output(0), challenger.get("output").get(0).asDouble(), 0.0);
            double loss0 = wide.loss(e0.features(), new double[] {labelOf(0)});
            double loss1 = wide.loss(e1.features(), new double[] {labelOf(1)});
            wide.learn(e1.features(), labelOf(1));
            wide.learn(e0.features(), labelOf(0));
            ModelStore store = (ModelStore) f.driver.getStateStore(BackstreamTopology.STORE);
            StoredModel stored = store.persistedChallenger("flights", "wide").orElseThrow();
            assertTrue(stored.model().bitIdentical(wide), "one step per label on the kept features, as the in-test loop");
            assertEquals(2, stored.metrics().count());
            assertEquals((loss1 + loss0) / 2, stored.metrics().windowLoss(), 1e-12, "the log-loss of the arrival predictions");
        }
    }

    @Nested
    @DisplayName("commands that replace the model retire its pending events")
    class RetiredByCommands {

        private void labelsAreExpiredDeadLetters(TopologyFixture f, String cause) {
            label(f, 0, 3);
            label(f, 1, 4);
            for (int i = 0; i < 2; i++) {
                JsonNode letter = json(f.deadLetters.readValue());
                assertEquals("LABEL_EXPIRED", letter.get("reason").asText(), letter.toString());
                assertTrue(letter.get("message").asText().contains(cause), letter.toString());
            }
            assertTrue(f.deadLetters.isEmpty());
        }

        @Test
        void aResetRetiresThemAndTheirLabelsAreExpiredDeadLettersWhileWaitingLabelsStay() {
            TopologyFixture f = open(Map.of());
            event(f, 0, 0);
            event(f, 1, 1);
            label(f, 5, 2); // a label before its event: it stays
            assertEquals("reset", f.command(new ModelCommand.Reset("r", "flights", null)).get("event").asText());
            labelsAreExpiredDeadLetters(f, "reset");
            Mlp stored = f.storedModel("flights");
            assertTrue(stored == null || stored.updates() == 0, "the model is untouched by them");
            event(f, 5, 5);
            assertTrue(f.deadLetters.isEmpty());
            assertEquals(1, f.storedModel("flights").updates(), "the waiting label joined its event");
            JsonNode labels = metrics(f).get("labels");
            assertEquals(2, labels.get("expired").asLong(), "counted as expired");
            assertEquals(1, labels.get("joined").asLong());
            assertEquals(0, labels.get("pending").asLong());
        }

        @Test
        void aRollbackRetiresThem() {
            TopologyFixture f = open(Map.of());
            event(f, 0, 0);
            event(f, 1, 1);
            byte[] snapshot = SnapshotJson.toBytes(new Snapshot("flights", EventsTopologyTest.flights().newModel(), Map.of(),
                    FEATURES, FEATURES.newState()));
            JsonNode rolledBack = f.command(new ModelCommand.Rollback("rb", "flights", null, snapshot));
            assertEquals("rolled_back", rolledBack.get("event").asText(), rolledBack.toString());
            labelsAreExpiredDeadLetters(f, "rolled back");
            Mlp stored = f.storedModel("flights");
            assertTrue(stored == null || stored.updates() == 0, "the model is untouched by them");
        }

        @Test
        void aPromotionRetiresThem() {
            fixture = new TopologyFixture(TopologyFixture.config(stateDir, Map.of()), withChallenger());
            TopologyFixture f = fixture;
            event(f, 0, 0);
            event(f, 1, 1);
            JsonNode promoted = f.command(new ModelCommand.Promote("p", "flights", "wide"));
            assertEquals("promoted", promoted.get("event").asText(), promoted.toString());
            labelsAreExpiredDeadLetters(f, "promoted");
            Mlp stored = f.storedModel("flights");
            assertTrue(stored == null || stored.updates() == 0, "the promoted model is untouched by them");
        }
    }

    @Test
    @DisplayName("deleting the model forgets its pending events")
    void deletingTheModelForgetsItsPendingEvents() {
        TopologyFixture f = open(Map.of());
        event(f, 0, 0);
        f.command(new dev.backstream.message.ModelCommand.Delete("d", "flights"));
        PendingEvents pending = new PendingEvents(f.driver.getKeyValueStore(BackstreamTopology.PENDING_STORE), EventSettings.defaults());
        assertEquals(0, pending.counts("flights").pending());
        assertNull(pending.get("flights", "e-0"));
    }
}
