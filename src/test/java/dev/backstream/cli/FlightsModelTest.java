package dev.backstream.cli;

import dev.backstream.data.Flights;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flights demo's model, {@code config/flights/flights.json}, learning offline as the demo's stream does. */
class FlightsModelTest {

    @Test
    void beatsTheMajorityBaselinesLogLossOnTheFirstTwentyThousandFlightsWithLabelsFiveHundredFlightsLate() throws Exception {
        FlightsExperiment.Definition definition = FlightsExperiment.Definition.read(FlightsExperiment.DEFINITION);
        FlightsScoreboard board = FlightsExperiment.run(Flights.load(20_000), 500, definition.model(), definition.features());
        String table = String.join("\n", board.render());
        assertEquals(20_000, board.scored(0));
        assertTrue(board.logLoss(0) < board.logLoss(2) - 0.005, table);
        assertTrue(board.accuracy(0) >= board.accuracy(2), table);
    }
}
