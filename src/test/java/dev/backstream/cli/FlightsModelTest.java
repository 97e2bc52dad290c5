package dev.backstream.cli;

import dev.backstream.data.Flights;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flights demo's model, {@code config/flights/flights.json}, learning offline as the demo's stream does. */
class FlightsModelTest {

    @Test
    void beatsTheMajorityBaselinesLogLossOnTheFirstTwentyThousandFlightsWithLabelsFiveHundredFlightsLate() throws Exception {
        FlightsExperiment.Definition definition = FlightsExperiment.Definition.read(FlightsExperiment.DEFINITION);
        FlightsScoreboard board = FlightsExperiment.run(Flights.load(20_000), 500, definition.model(), definition.encoding());
        String table = String.join("\n", board.render());
        assertEquals(20_000, board.scored(0));
        assertTrue(board.logLoss(0) < board.logLoss(2) - 0.005, table);
        assertTrue(board.accuracy(0) >= board.accuracy(2), table);
    }

    @Test
    void hashesWithMurmurHash3X86ThirtyTwoBitsSeedZero() {
        // reference values of MurmurHash3_x86_32 with seed 0
        assertEquals(0, FlightsExperiment.ReferenceEncoding.murmur3(new byte[0]));
        assertEquals(0x248bfa47, FlightsExperiment.ReferenceEncoding.murmur3("hello".getBytes(StandardCharsets.UTF_8)));
        assertEquals(0x2e4ff723, FlightsExperiment.ReferenceEncoding.murmur3("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)));
    }
}
