package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.data.Flight;
import dev.backstream.json.Json;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.backstream.cli.UserMistakesTest.assertOneLineNaming;
import static dev.backstream.cli.UserMistakesTest.backstream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** {@code backstream demo --dataset flights}, the parts that need no broker: its models, its messages, its options. */
class FlightsDemoTest {

    @Test
    void declaresTheBundledFlightsModelTwiceOnlineAndJanuaryWithTheirFeatureSpec() throws Exception {
        ModelCatalog catalog = FlightsDemo.models(1000);
        Set<String> ids = catalog.all().stream().map(ModelDefinition::id).collect(Collectors.toSet());
        assertEquals(Set.of(FlightsDemo.ONLINE, FlightsDemo.JANUARY), ids);
        for (ModelDefinition definition : catalog.all()) {
            assertNotNull(definition.features(), definition.id());
            assertEquals(133, definition.features().width(), definition.id());
            assertEquals(133, definition.architecture().inputs(), definition.id());
        }
    }

    @Nested
    class AFlight {
        private final Flight flight = new Flight(LocalDateTime.of(2001, 1, 5, 6, 30), 42, 2176, "LAS", "PHL");

        @Test
        void isAnEventWithoutItsDelay() throws Exception {
            JsonNode event = Json.MAPPER.readTree(FlightEvents.event("flights", "7", flight));
            assertEquals(Json.MAPPER.readTree("""
                    {"model": "flights", "id": "7", "date": "2001-01-05 06:30", "distance": 2176, "origin": "LAS", "destination": "PHL"}"""), event);
        }

        @Test
        void hasALabelRecordCarryingItsDelayInMinutes() throws Exception {
            JsonNode label = Json.MAPPER.readTree(FlightEvents.label("flights", "7", flight));
            assertEquals(Json.MAPPER.readTree("{\"model\": \"flights\", \"id\": \"7\", \"label\": 42}"), label);
        }

        @Test
        void isLabeledDelayedAboveFifteenMinutes() {
            assertEquals(1, FlightsDemo.label(flight));
            assertEquals(0, FlightsDemo.label(new Flight(flight.departure(), 15, 100, "A", "B")));
        }
    }

    @Nested
    class MistakenOptions {
        @Test
        void anUnknownDataSetIsNamed() {
            assertOneLineNaming(backstream("demo", "--dataset", "iris"), "--dataset iris", "digits or flights");
        }

        @Test
        void aLimitBeyondTheBundledFlightsIsNamed() {
            assertOneLineNaming(backstream("demo", "--dataset", "flights", "--limit", "200001"), "--limit", "200000", "200001");
        }

        @Test
        void aNegativeLabelDelayIsNamed() {
            assertOneLineNaming(backstream("demo", "--dataset", "flights", "--label-delay", "-1"), "--label-delay", "-1");
        }

        @Test
        void xorIsForTheDigitsDemo() {
            assertOneLineNaming(backstream("demo", "--dataset", "flights", "--xor"), "--xor", "digits demo");
        }

        @Test
        void aLimitIsForTheFlightsDemo() {
            assertOneLineNaming(backstream("demo", "--limit", "10"), "--limit", "flights demo");
        }
    }
}
