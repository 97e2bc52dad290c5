package dev.backstream.cli;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("the demo's progress line")
class DemoProgressLineTest {

    @Test
    void saysTheApplicationIsJoiningWhileItRebalancesBeforeLearningAnything() {
        assertEquals("[  1.0 s] waiting for the application to join (rebalancing) | learned      0/7185",
                DemoCommand.progressLine(1.0, KafkaStreams.State.REBALANCING, 0, 7185, 0, Double.NaN, Double.NaN, 0));
    }

    @Test
    void showsADashNotNaNBeforeTheFirstPrediction() {
        assertEquals("[  3.1 s]      0 records/s | learned      0/7185 | prequential accuracy - | loss - | digits model v0",
                DemoCommand.progressLine(3.1, KafkaStreams.State.RUNNING, 0, 7185, 0, Double.NaN, Double.NaN, 0));
    }

    @Test
    void showsTheRateCountAndPrequentialScoresOnceItLearns() {
        assertEquals("[  4.1 s]   3324 records/s | learned   3346/7185 | prequential accuracy 0.948 | loss 0.228 | digits model v3345",
                DemoCommand.progressLine(4.1, KafkaStreams.State.RUNNING, 3346, 7185, 3324.4, 0.9481, 0.2279, 3345));
    }

    @Test
    void aRebalanceAfterLearningStartedDoesNotHideTheProgress() {
        assertEquals("[  9.0 s]    100 records/s | learned   5000/7185 | prequential accuracy 0.950 | loss 0.200 | digits model v4999",
                DemoCommand.progressLine(9.0, KafkaStreams.State.REBALANCING, 5000, 7185, 100, 0.95, 0.2, 4999));
    }
}
