package dev.backstream.bench;

import dev.backstream.message.Prediction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("The contenders of PredictionJsonBenchmark")
class ReusedGeneratorPredictionWriterTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"S2", "S3"})
    @DisplayName("write the same bytes as Prediction.toJson for the benchmark's inputs, call after call")
    void sameBytesAsToJson(String shape) {
        Prediction prediction = PredictionJsonBenchmark.prediction(shape);
        ReusedGeneratorPredictionWriter reused = new ReusedGeneratorPredictionWriter();
        String expected = new String(prediction.toJson(), StandardCharsets.UTF_8);
        for (int call = 0; call < 3; call++) {
            assertEquals(expected, new String(reused.write(prediction), StandardCharsets.UTF_8), "call " + call);
        }
    }
}
