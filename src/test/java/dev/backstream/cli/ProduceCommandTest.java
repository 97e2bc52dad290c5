package dev.backstream.cli;

import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("produce: a CSV row becomes one sample")
class ProduceCommandTest {
    private final SampleParser parser = new SampleParser();

    @Test
    @DisplayName("features from every column but the last, the label from the last, cells trimmed")
    void featuresThenLabel() {
        Sample sample = parser.parse(ProduceCommand.csvSample("iris", " 5.1, 3.5 ,1e-3,-0.0, 2 ".split(","), "iris.csv:2"));
        assertEquals(new Sample("iris", new double[] {5.1, 3.5, 1e-3, -0.0}, 2, null, null), sample);
    }

    @Test
    @DisplayName("accepts an integral label written as a float, as CSV exports often do")
    void integralFloatLabel() {
        assertEquals(1, parser.parse(ProduceCommand.csvSample("m", "0.5,1.0".split(","), "f.csv:1")).label());
    }

    @Test
    @DisplayName("escapes a model id with quotes and backslashes: the record stays valid JSON with that id")
    void modelIdEscaped() {
        String model = "a\"b\\c\u0001é";
        assertEquals(model, parser.parse(ProduceCommand.csvSample(model, "1,0".split(","), "f.csv:1")).model());
    }

    @Test
    @DisplayName("refuses a cell that is not a finite number, naming file, line, column and cell")
    void refusesNonNumbers() {
        CommandException text = assertThrows(CommandException.class, () -> ProduceCommand.csvSample("m", "1,abc,0".split(","), "f.csv:7"));
        assertEquals("f.csv:7: column 2 is 'abc'; expected a finite number", text.getMessage());
        CommandException nan = assertThrows(CommandException.class, () -> ProduceCommand.csvSample("m", "NaN,0".split(","), "f.csv:8"));
        assertTrue(nan.getMessage().startsWith("f.csv:8: column 1 is 'NaN'"), nan.getMessage());
        CommandException label = assertThrows(CommandException.class, () -> ProduceCommand.csvSample("m", "1,0.5".split(","), "f.csv:9"));
        assertEquals("f.csv:9: column 2 (the label) is '0.5'; expected a class index (an integer >= 0)", label.getMessage());
    }
}
