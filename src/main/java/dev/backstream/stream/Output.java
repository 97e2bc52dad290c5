package dev.backstream.stream;

/**
 * One record for an output topic, already serialized.
 *
 * @param kind which topic it goes to
 * @param json the value
 */
record Output(Kind kind, byte[] json) {
    enum Kind { PREDICTION, SNAPSHOT, DEAD_LETTER, METRICS, MODEL_EVENT }
}
