package dev.backstream.snapshot;

import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Regenerates {@code src/test/resources/snapshots/adam-v1.json}, the golden file that pins the snapshot format with
 * optimizer state: a small model after a few Adam steps, plus the outputs it gives for a few inputs.
 * Run only when the format changes on purpose (and bump the format version):
 * {@code mvn test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.backstream.snapshot.GoldenSnapshots}
 */
public final class GoldenSnapshots {
    static final double[][] CHECK_INPUTS = {{0.5, -0.25, 1.0}, {-1.0, 0.0, 0.75}, {0.0, 0.0, 0.0}};

    public static void main(String[] args) throws IOException {
        Mlp model = adamModel();
        List<Map<String, Object>> checks = new ArrayList<>();
        for (double[] x : CHECK_INPUTS) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("features", x);
            check.put("output", model.predict(x).copyOutput());
            checks.add(check);
        }
        Path file = Path.of(args.length > 0 ? args[0] : "src/test/resources/snapshots/adam-v1.json");
        SnapshotJson.write(new Snapshot("golden-adam", model, Map.of("checks", checks)), file);
        System.out.println("wrote " + file);
    }

    /** The model in the golden file, rebuilt from scratch by the current code. */
    static Mlp adamModel() {
        Architecture architecture = Architecture.of(3, Loss.CATEGORICAL_CROSS_ENTROPY,
                new LayerSpec(4, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));
        Mlp model = Mlp.initialize(architecture, new OptimizerSpec.Adam(0.01, 0.9, 0.999, 1e-8, 1e-4, 5.0), 20261127);
        double[][] xs = {{1, 0, -1}, {0.5, 0.5, 0.5}, {-0.2, 0.9, 0.1}, {0.3, -0.7, 0.8}, {0, 1, 0}};
        for (int step = 0; step < xs.length; step++) {
            model.learn(xs[step], step % 3);
        }
        return model;
    }
}
