package dev.backstream.model;

import dev.backstream.snapshot.Snapshot;
import dev.backstream.snapshot.SnapshotJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The model catalog")
class ModelCatalogTest {
    private static final String XOR = """
            {"format": "backstream.mlp/v1", "modelId": "xor", "inputs": 2, "loss": "binary_cross_entropy",
             "optimizer": {"type": "sgd", "learningRate": 0.5},
             "layers": [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": 7 EXTRA}
            """;

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void loadsDefinitionsWithTheirSnapshotInterval() throws IOException {
        write("xor.json", XOR.replace(" EXTRA", ", \"snapshotEveryUpdates\": 50"));
        ModelCatalog catalog = ModelCatalog.load(dir, 1000);
        ModelDefinition xor = catalog.find("xor").orElseThrow();
        assertEquals(50, xor.snapshotEveryUpdates());
        assertEquals(0, xor.newModel().updates());
        assertTrue(xor.newModel() != xor.newModel(), "every start gets its own copy");
    }

    @Test
    void warmStartsFromANamedSnapshot() throws IOException {
        write("xor.json", XOR.replace(" EXTRA", ""));
        ModelDefinition fresh = ModelCatalog.load(dir, 1000).find("xor").orElseThrow();
        var trained = fresh.newModel();
        for (int i = 0; i < 100; i++) {
            trained.learn(new double[] {i % 2, (i / 2) % 2}, (i % 2) ^ ((i / 2) % 2));
        }
        SnapshotJson.write(new Snapshot("xor", trained), dir.resolve("xor-trained.snapshot"));
        write("xor.json", XOR.replace(" EXTRA", ", \"initialSnapshot\": \"xor-trained.snapshot\""));
        ModelDefinition warm = ModelCatalog.load(dir, 1000).find("xor").orElseThrow();
        assertTrue(warm.newModel().bitIdentical(trained));
    }

    @Test
    void rejectsDuplicateIdsNamingBothFiles() throws IOException {
        write("a.json", XOR.replace(" EXTRA", ""));
        write("b.json", XOR.replace(" EXTRA", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.load(dir, 1000));
        assertTrue(e.getMessage().contains("a.json") && e.getMessage().contains("b.json"), e.getMessage());
    }

    @Test
    void rejectsAnInvalidDefinitionNamingTheFileAndTheProblem() throws IOException {
        write("bad.json", XOR.replace(" EXTRA", "").replace("\"sigmoid\"}]", "\"softmax\"}]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.load(dir, 1000));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("binary_cross_entropy cannot be paired with output activation softmax"),
                e.getMessage());
    }

    @Test
    void rejectsAModelIdContainingNulWhichSeparatesTheModelStoresKeys() throws IOException {
        write("nul.json", XOR.replace(" EXTRA", "").replace("\"xor\"", "\"xor\\u0000metrics-chunk-0\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.load(dir, 1000));
        assertTrue(e.getMessage().contains("nul.json") && e.getMessage().contains("contains U+0000 at index 3"), e.getMessage());
    }

    @Test
    void rejectsAnEmptyDirectory() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelCatalog.load(dir, 1000)).getMessage().contains("no *.json"));
    }

    @Test
    void rejectsAnUnknownDtypeNamingTheFileAndTheAcceptedOnes() throws IOException {
        write("half.json", XOR.replace(" EXTRA", ", \"dtype\": \"float16\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.load(dir, 1000));
        assertTrue(e.getMessage().contains("half.json") && e.getMessage().contains("float16")
                && e.getMessage().contains("float64, float32"), e.getMessage());
    }

    @Test
    void refusesAFloat64InitialSnapshotForAFloat32DefinitionNamingBothArchitectures() throws IOException {
        write("xor.json", XOR.replace(" EXTRA", ""));
        SnapshotJson.write(new Snapshot("xor", ModelCatalog.load(dir, 1000).find("xor").orElseThrow().newModel()),
                dir.resolve("xor-float64.snapshot"));
        write("xor.json", XOR.replace(" EXTRA", ", \"dtype\": \"float32\", \"initialSnapshot\": \"xor-float64.snapshot\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.load(dir, 1000));
        assertTrue(e.getMessage().contains("has architecture 2-4(sigmoid)-1(sigmoid) binary_cross_entropy, the definition declares "
                + "2-4(sigmoid)-1(sigmoid) binary_cross_entropy float32"), e.getMessage());
    }

    @Test
    void warmStartsAFloat32ModelFromAFloat64SnapshotThatSaysFloat32WithEveryValueRoundedToItsFloat() throws IOException {
        write("xor.json", XOR.replace(" EXTRA", ""));
        var trained = ModelCatalog.load(dir, 1000).find("xor").orElseThrow().newModel();
        for (int i = 0; i < 100; i++) {
            trained.learn(new double[] {i % 2, (i / 2) % 2}, (i % 2) ^ ((i / 2) % 2));
        }
        String snapshot = new String(SnapshotJson.toBytes(new Snapshot("xor", trained)), java.nio.charset.StandardCharsets.UTF_8);
        write("xor-float32.snapshot", snapshot.replaceFirst("\\{", "{\"dtype\": \"float32\", "));
        write("xor.json", XOR.replace(" EXTRA", ", \"dtype\": \"float32\", \"initialSnapshot\": \"xor-float32.snapshot\""));

        var warm = ModelCatalog.load(dir, 1000).find("xor").orElseThrow().newModel();
        assertEquals(dev.backstream.nn.Dtype.FLOAT32, warm.architecture().dtype());
        assertEquals(100, warm.updates());
        double[] expected = trained.parameters();
        double[] actual = warm.parameters();
        assertEquals(expected.length, actual.length);
        for (int k = 0; k < expected.length; k++) {
            assertEquals((double) (float) expected[k], actual[k], "parameter " + k + " is the float nearest the float64 one");
        }
    }
}
