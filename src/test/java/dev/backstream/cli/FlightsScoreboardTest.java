package dev.backstream.cli;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.YearMonth;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FlightsScoreboardTest {
    private static final YearMonth JANUARY = YearMonth.of(2001, 1);
    private static final YearMonth FEBRUARY = YearMonth.of(2001, 2);

    @Test
    void logLossIsTheNegativeLogOfTheProbabilityGivenToTheTrueClass() {
        assertEquals(-Math.log(0.8), FlightsScoreboard.logLoss(1, 0.8), 1e-15);
        assertEquals(-Math.log(0.2), FlightsScoreboard.logLoss(0, 0.8), 1e-15);
    }

    @Test
    void logLossOfACertainMistakeIsFinite() {
        assertEquals(-Math.log(FlightsScoreboard.EPSILON), FlightsScoreboard.logLoss(1, 0.0), 1e-9);
        assertEquals(-Math.log(FlightsScoreboard.EPSILON), FlightsScoreboard.logLoss(0, 1.0), 1e-2);
    }

    @Nested
    class AfterThreePredictionsInTwoMonths {
        private final FlightsScoreboard board = new FlightsScoreboard(List.of("model", "baseline"));

        AfterThreePredictionsInTwoMonths() {
            board.addLabel(JANUARY, 1);
            board.add(0, JANUARY, 1, 0.8, 1);
            board.add(1, JANUARY, 1, 0.5, 1);
            board.addLabel(JANUARY, 0);
            board.add(0, JANUARY, 0, 0.6, 1);
            board.add(1, JANUARY, 0, 0.5, 1);
            board.addLabel(FEBRUARY, 0);
            board.add(0, FEBRUARY, 0, 0.1, 0);
            board.add(1, FEBRUARY, 0, 0.5, 1);
        }

        @Test
        void averagesAccuracyAndLogLossOverAllOfThem() {
            assertEquals(2 / 3.0, board.accuracy(0), 1e-15);
            assertEquals((-Math.log(0.8) - Math.log(0.4) - Math.log(0.9)) / 3, board.logLoss(0), 1e-15);
            assertEquals(1 / 3.0, board.accuracy(1), 1e-15);
            assertEquals(Math.log(2), board.logLoss(1), 1e-15);
            assertEquals(3, board.scored(0));
        }

        @Test
        void rendersARowPerMonthAndOneForAll() {
            assertEquals(List.of(
                    "month    flights delayed | model             | baseline         ",
                    "                         | accuracy log-loss | accuracy log-loss",
                    "2001-01        2   50.0% |    0.500   0.5697 |    0.500   0.6931",
                    "2001-02        1    0.0% |    1.000   0.1054 |    0.000   0.6931",
                    "all            3   33.3% |    0.667   0.4149 |    0.333   0.6931"), board.render());
        }
    }

    @Test
    void aScorerWithoutPredictionsShowsDashes() {
        FlightsScoreboard board = new FlightsScoreboard(List.of("a", "b"));
        board.addLabel(JANUARY, 0);
        board.add(0, JANUARY, 0, 0.2, 0);
        assertEquals("2001-01        1    0.0% |    1.000   0.2231 |        -        -", board.render().get(2));
        assertEquals(Double.NaN, board.logLoss(1));
    }

    @Test
    void rejectsALabelOtherThanZeroOrOne() {
        FlightsScoreboard board = new FlightsScoreboard(List.of("a"));
        assertEquals("label must be 0 or 1, found 2", assertThrows(IllegalArgumentException.class, () -> board.add(0, JANUARY, 2, 0.5, 0)).getMessage());
    }

    @Test
    void rejectsAProbabilityOutsideZeroToOne() {
        FlightsScoreboard board = new FlightsScoreboard(List.of("a"));
        assertEquals("probability must be in [0, 1], found NaN",
                assertThrows(IllegalArgumentException.class, () -> board.add(0, JANUARY, 1, Double.NaN, 0)).getMessage());
    }

    @Nested
    class TheMajorityBaseline {
        private final FlightsScoreboard.MajorityBaseline baseline = new FlightsScoreboard.MajorityBaseline();

        @Test
        void saysOneHalfBeforeTheFirstLabel() {
            assertEquals(0.5, baseline.probability());
        }

        @Test
        void predictsTheSmoothedRateOfDelayedFlightsAndTheMoreFrequentClass() {
            baseline.learn(1);
            baseline.learn(0);
            baseline.learn(0);
            baseline.learn(0);
            assertEquals(2 / 6.0, baseline.probability(), 1e-15);
            assertEquals(0, baseline.predictedClass());
            for (int i = 0; i < 5; i++) {
                baseline.learn(1);
            }
            assertEquals(7 / 11.0, baseline.probability(), 1e-15);
            assertEquals(1, baseline.predictedClass());
        }
    }
}
