package dev.backstream.bench;

import dev.backstream.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.backstream.message.Prediction;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The contender that replaced the hand-written prediction writer (see {@link PredictionJsonBenchmark}): Jackson's streaming
 * generator, created once and reused over one reused buffer, writing the fields of {@code Prediction.toJson()} in the
 * same order with the same number forms (non-finite as {@code null}). Not thread-safe: one per thread.
 */
public final class ReusedGeneratorPredictionWriter {
    private final ByteArrayBuilder buffer = new ByteArrayBuilder(256);
    private final JsonGenerator generator;

    public ReusedGeneratorPredictionWriter() {
        try {
            generator = Json.FACTORY.createGenerator(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        generator.setRootValueSeparator(null); // one object per call, nothing between them
    }

    /** {@code prediction} as UTF-8 JSON. */
    public byte[] write(Prediction p) {
        try {
            write(generator, p);
            generator.flush();
            byte[] json = buffer.toByteArray();
            buffer.reset();
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code p} as one JSON object with {@code g}. */
    static void write(JsonGenerator g, Prediction p) throws IOException {
        g.writeStartObject();
        g.writeStringField("model", p.model());
        g.writeNumberField("modelVersion", p.modelVersion());
        if (p.id() != null) {
            g.writeStringField("id", p.id());
        }
        g.writeFieldName("output");
        numbers(g, p.output());
        if (p.predictedClass() != null) {
            g.writeNumberField("predictedClass", p.predictedClass().intValue());
        }
        if (p.label() != null) {
            g.writeNumberField("label", p.label().intValue());
        }
        if (p.target() != null) {
            g.writeFieldName("target");
            numbers(g, p.target());
        }
        if (p.loss() != null) {
            g.writeFieldName("loss");
            number(g, p.loss());
        }
        if (p.sourceTopic() != null) {
            g.writeStringField("sourceTopic", p.sourceTopic());
        }
        if (p.sourcePartition() != null) {
            g.writeNumberField("sourcePartition", p.sourcePartition().intValue());
        }
        if (p.sourceOffset() != null) {
            g.writeNumberField("sourceOffset", p.sourceOffset().longValue());
        }
        if (p.line() != null) {
            g.writeNumberField("line", p.line().longValue());
        }
        if (p.timestamp() != null) {
            g.writeNumberField("timestamp", p.timestamp().longValue());
        }
        g.writeEndObject();
    }

    private static void numbers(JsonGenerator g, double[] values) throws IOException {
        g.writeStartArray();
        for (double value : values) {
            number(g, value);
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumber(value);
        } else {
            g.writeNull(); // JSON has no NaN or infinity; never a string in a numeric field
        }
    }
}
