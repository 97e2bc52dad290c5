package dev.backstream.features;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The running statistics against an independent two-pass computation. */
class WelfordTest {

    @Test
    void agreesWithATwoPassMeanAndPopulationVarianceOnAThousandRandomValues() {
        Random random = new Random(15);
        double[] values = new double[1000];
        for (int i = 0; i < values.length; i++) {
            // a large offset against a small spread is where a naive sum-of-squares formula loses its digits
            values[i] = 1e6 + 50 * random.nextGaussian();
        }
        Preprocessing state = Specs.oneField("{\"path\": \"x\", \"type\": \"numeric\", \"encoding\": \"standardize\"}").newState();
        for (double x : values) {
            state.learn(new double[] {x});
        }

        double sum = 0;
        for (double x : values) {
            sum += x;
        }
        double mean = sum / values.length;
        double squares = 0;
        for (double x : values) {
            squares += (x - mean) * (x - mean);
        }
        double variance = squares / values.length;

        assertEquals(1000, state.count(0));
        assertEquals(mean, state.mean(0), 1e-12 * Math.abs(mean));
        assertEquals(variance, state.variance(0), 1e-12 * variance);
    }

    @Test
    void aMissingValueIsNotLearned() {
        Preprocessing state = Specs.oneField("{\"path\": \"x\", \"type\": \"numeric\", \"missing\": \"mean\"}").newState();
        state.learn(new double[] {2});
        state.learn(new double[] {Double.NaN});
        state.learn(new double[] {4});
        assertEquals(2, state.count(0));
        assertEquals(3.0, state.mean(0));
        assertEquals(1.0, state.variance(0));
    }

    @Test
    void learningRejectsAValueTheEncoderNeverObservesAndLearnsNothingFromThatEvent() {
        FeatureSpec spec = Specs.spec("""
                {"fields": [{"path": "a", "type": "numeric", "missing": "mean"},
                            {"path": "b", "type": "numeric", "missing": "mean"}],
                 "label": {"path": "y", "type": "number"}}""");
        Preprocessing state = spec.newState();
        assertThrows(IllegalArgumentException.class, () -> state.learn(new double[] {1, Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> state.learn(new double[] {1}));
        assertEquals(0, state.count(0));
    }
}
