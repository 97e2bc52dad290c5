package dev.backstream.nn;

import java.util.Objects;

/**
 * A sample that a model cannot learn from or score. The model is untouched. {@link #problem()} classifies the
 * failure for routing (for example to a dead-letter topic); the message names the value, the index, what was
 * expected and what was found.
 */
public final class InvalidSampleException extends IllegalArgumentException {

    /** The stable classification of an invalid sample. */
    public enum Problem {
        /** The number of features differs from the model's inputs. */
        WRONG_FEATURE_COUNT,
        /** The number of target values differs from the model's outputs. */
        WRONG_TARGET_COUNT,
        /** A feature or target is NaN or infinite. */
        NON_FINITE_VALUE,
        /** A class-index label is outside the model's classes. */
        LABEL_OUT_OF_RANGE,
        /** A target value is outside what the loss accepts (probabilities for cross-entropies). */
        TARGET_OUT_OF_RANGE,
        /** A class-index label was given to a model that is not a classifier (it needs a target vector). */
        LABEL_NOT_SUPPORTED
    }

    private final Problem problem;

    public InvalidSampleException(Problem problem, String message) {
        super(message);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The classification of this failure. */
    public Problem problem() {
        return problem;
    }
}
