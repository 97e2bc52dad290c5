package dev.backstream.app;

import dev.backstream.model.ModelDefinition;
import dev.backstream.model.ModelCatalog;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitWarmUpTest {

    @Test
    void warmingUpLeavesEveryDeclaredModelUntouched() {
        Mlp classifier = Mlp.initialize(Architecture.of(5, Loss.CATEGORICAL_CROSS_ENTROPY,
                new LayerSpec(4, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)), OptimizerSpec.Adam.withDefaults(0.01), 3);
        Mlp regressor = Mlp.initialize(Architecture.of(2, Loss.SQUARED_ERROR,
                new LayerSpec(3, Activation.RELU), new LayerSpec(2, Activation.LINEAR)), OptimizerSpec.sgd(0.1), 4);
        Mlp classifierBefore = classifier.copy();
        Mlp regressorBefore = regressor.copy();
        ModelCatalog catalog = new ModelCatalog(List.of(new ModelDefinition("c", classifier, 10, "test"),
                new ModelDefinition("r", regressor, 10, "test")));

        new JitWarmUp(catalog).run();

        for (ModelDefinition definition : catalog.all()) {
            Mlp fresh = definition.newModel();
            assertEquals(0, fresh.updates(), definition.id());
            assertTrue(fresh.bitIdentical(definition.id().equals("c") ? classifierBefore : regressorBefore), definition.id());
        }
    }
}
