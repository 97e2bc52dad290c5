package dev.backstream.app;

import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up log line summarizes the catalog instead of listing it (issue 17: 288 KB at 5,000 models). */
class StartupMessageTest {
    private static final Architecture S2 = Architecture.of(8, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(32, Activation.SIGMOID),
            new LayerSpec(1, Activation.SIGMOID));
    private static final Architecture XOR = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(2, Activation.SIGMOID),
            new LayerSpec(1, Activation.SIGMOID));

    private static ModelCatalog catalog(int s2Models, int xorModelsWithAdam) {
        List<ModelDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < s2Models; i++) {
            definitions.add(new ModelDefinition("device-" + i, Mlp.initialize(S2, OptimizerSpec.sgd(0.01), i), 1000, "test"));
        }
        for (int i = 0; i < xorModelsWithAdam; i++) {
            definitions.add(new ModelDefinition("xor-" + i, Mlp.initialize(XOR, OptimizerSpec.Adam.withDefaults(0.01), i), 1000, "test"));
        }
        return new ModelCatalog(definitions);
    }

    @Test
    void manyModelsAreCountedPerArchitectureAndOptimizerWithoutTheirIds() {
        String line = BackstreamApp.startupMessage(new BackstreamConfig(Map.of(), null), catalog(5000, 3));
        assertTrue(line.endsWith("serving 5003 model(s): 5000 × 8-32(sigmoid)-1(sigmoid) binary_cross_entropy sgd; "
                + "3 × 2-2(sigmoid)-1(sigmoid) binary_cross_entropy adam"), line);
        assertFalse(line.contains("device-"), "no id is listed above " + BackstreamApp.STARTUP_IDS_LISTED + " models");
        assertTrue(line.length() < 300, "the line stays short: " + line.length() + " characters");
    }

    @Test
    void upToTenModelsAreNamedInTheirGroup() {
        assertEquals("2 model(s): 1 × 2-2(sigmoid)-1(sigmoid) binary_cross_entropy adam (xor-0); "
                + "1 × 8-32(sigmoid)-1(sigmoid) binary_cross_entropy sgd (device-0)", BackstreamApp.describe(catalog(1, 1)));
        String ten = BackstreamApp.describe(catalog(10, 0));
        assertTrue(ten.startsWith("10 model(s): 10 × 8-32(sigmoid)-1(sigmoid) binary_cross_entropy sgd (device-0, device-1, "), ten);
        assertFalse(BackstreamApp.describe(catalog(11, 0)).contains("device-"));
    }

    @Test
    void float32ModelsAreCountedApartFromFloat64ModelsOfTheSameShapeAndSayTheirDtype() {
        List<ModelDefinition> definitions = new ArrayList<>(catalog(2, 0).all());
        definitions.add(new ModelDefinition("half-0", Mlp.initialize(S2.withDtype(Dtype.FLOAT32), OptimizerSpec.sgd(0.01), 0), 1000, "test"));
        assertEquals("3 model(s): 2 × 8-32(sigmoid)-1(sigmoid) binary_cross_entropy sgd (device-0, device-1); "
                + "1 × 8-32(sigmoid)-1(sigmoid) binary_cross_entropy float32 sgd (half-0)", BackstreamApp.describe(new ModelCatalog(definitions)));
    }
}
