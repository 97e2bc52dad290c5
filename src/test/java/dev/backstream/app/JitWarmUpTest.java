package dev.backstream.app;

import dev.backstream.model.ModelDefinition;
import dev.backstream.model.ModelCatalog;
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
import java.util.Set;
import java.util.stream.Collectors;

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

        new JitWarmUp(catalog, () -> false).run();

        for (ModelDefinition definition : catalog.all()) {
            Mlp fresh = definition.newModel();
            assertEquals(0, fresh.updates(), definition.id());
            assertTrue(fresh.bitIdentical(definition.id().equals("c") ? classifierBefore : regressorBefore), definition.id());
        }
    }

    @Test
    void warmsEveryKindOfModelOnceSoThatAFloat32ModelAfterManyFloat64OnesIsWarmedWithinTheBudget() {
        Architecture s2 = Architecture.of(8, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(32, Activation.SIGMOID),
                new LayerSpec(1, Activation.SIGMOID));
        List<ModelDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            definitions.add(new ModelDefinition("a-" + i, Mlp.initialize(s2, OptimizerSpec.sgd(0.01), i), 10, "test"));
        }
        definitions.add(new ModelDefinition("b-adam", Mlp.initialize(s2, OptimizerSpec.Adam.withDefaults(0.01), 1), 10, "test"));
        definitions.add(new ModelDefinition("z-half", Mlp.initialize(s2.withDtype(Dtype.FLOAT32), OptimizerSpec.sgd(0.01), 1), 10, "test"));

        List<ModelDefinition> warmed = JitWarmUp.oneOfEachKind(new ModelCatalog(definitions));

        // 50 float64 SGD models are one kind (the same compiled code), Adam another, the float32 model a third
        assertEquals(3, warmed.size(), warmed.toString());
        assertEquals(Set.of(Dtype.FLOAT64, Dtype.FLOAT32), warmed.stream().map(d -> d.architecture().dtype()).collect(Collectors.toSet()));
        assertTrue(warmed.stream().anyMatch(d -> d.id().equals("z-half")), warmed.toString());
    }

    @Test
    void warmsAChallengerOfAnotherKindThanItsChampion() {
        Architecture xor = Architecture.of(2, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(4, Activation.SIGMOID),
                new LayerSpec(1, Activation.SIGMOID));
        ModelDefinition challenger = new ModelDefinition("xor:half", Mlp.initialize(xor.withDtype(Dtype.FLOAT32), OptimizerSpec.sgd(0.5), 2), 10, "test");
        ModelDefinition champion = new ModelDefinition("xor", Mlp.initialize(xor, OptimizerSpec.sgd(0.5), 1), 10, "test", null,
                Map.of("half", challenger));

        List<ModelDefinition> warmed = JitWarmUp.oneOfEachKind(new ModelCatalog(List.of(champion)));

        assertEquals(List.of("xor", "xor:half"), warmed.stream().map(ModelDefinition::id).toList());
    }

    @Test
    void warmingUpLeavesADeclaredFloat32ModelUntouched() {
        Mlp float32 = Mlp.initialize(Architecture.of(5, Loss.CATEGORICAL_CROSS_ENTROPY, new LayerSpec(4, Activation.TANH),
                new LayerSpec(3, Activation.SOFTMAX)).withDtype(Dtype.FLOAT32), OptimizerSpec.Adam.withDefaults(0.01), 3);
        Mlp before = float32.copy();
        ModelCatalog catalog = new ModelCatalog(List.of(new ModelDefinition("f", float32, 10, "test")));

        new JitWarmUp(catalog, () -> false).run();

        Mlp fresh = catalog.find("f").orElseThrow().newModel();
        assertEquals(0, fresh.updates());
        assertTrue(fresh.bitIdentical(before));
    }

    @Test
    void stopsAsSoonAsLiveRecordsAreProcessed() {
        ModelCatalog catalog = new ModelCatalog(List.of(new ModelDefinition("m", Mlp.initialize(Architecture.of(3, Loss.SQUARED_ERROR,
                new LayerSpec(2, Activation.LINEAR)), OptimizerSpec.sgd(0.1), 1), 10, "test")));
        int[] asked = {0};

        int alone = new JitWarmUp(catalog, () -> false).warmUp();
        int untilLive = new JitWarmUp(catalog, () -> ++asked[0] > 5).warmUp();
        int live = new JitWarmUp(catalog, () -> true).warmUp();

        assertTrue(alone > 10, "steps without live records: " + alone);
        assertTrue(untilLive < 5, "steps once live records flow after the 5th check: " + untilLive);
        assertEquals(0, live);
    }
}
