package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.LayerSpec;
import dev.backstream.nn.Loss;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publications of one transaction stay within {@link PublicationSweep#BUDGET_BYTES}, whatever punctuations run
 * before the commit: 30 models of 8-256-256-1 (~540 KB stored, ~1.5 MB as a JSON snapshot) owing metrics and snapshots
 * are ~60 MB of publications; the metrics and snapshot punctuations of one loop share the budget, ask for a commit
 * when they spent it, and go on in the next transaction.
 */
@DisplayName("The publication budget of a transaction")
class PublicationBudgetTest {
    private static final Architecture WIDE = Architecture.of(8, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(256, Activation.SIGMOID),
            new LayerSpec(256, Activation.SIGMOID), new LayerSpec(1, Activation.SIGMOID));
    private static final int MODELS = 30;
    private static final ModelManagement EAGER = new ModelManagement(10, 10_000, 64 * 1024 * 1024, 1000, 0, 100, 32);

    private final ModelStoreHarness harness = new ModelStoreHarness();

    @Test
    void isSharedByThePunctuationsOfOneLoopWhichAskForACommitWhenTheySpentIt() {
        List<ModelDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < MODELS; i++) {
            definitions.add(new ModelDefinition("w" + i, Mlp.initialize(WIDE, OptimizerSpec.sgd(0.01), i), 1_000_000, "test"));
        }
        harness.context.setCurrentSystemTimeMs(0);
        ModelProcessor processor = harness.processor(new ModelCatalog(definitions), 5_000, 10_000, EAGER);
        for (int i = 0; i < MODELS; i++) {
            harness.context.setCurrentSystemTimeMs(10 + i);
            String line = new String(new Sample("w" + i, new double[8], 1, null, null).toJson(), StandardCharsets.UTF_8);
            processor.process(new Record<>(("w" + i).getBytes(StandardCharsets.UTF_8), new RoutedSample(new SampleParser().parse(line), true,
                    null, line.getBytes(StandardCharsets.UTF_8), new SourceRecord("backstream.samples", 0, i, 10 + i)), 10 + i));
        }
        harness.store.flushCache(); // the records' commit
        harness.context.resetForwards();
        harness.context.resetCommit();

        // wall-clock 10 s: both punctuations are due in the same loop, before the next commit
        harness.punctuate(5_000, 10_000);
        harness.punctuate(10_000, 10_000);
        long onePublication = 3L * BinaryModelFormat.encodedSize(definitions.get(0).newModel()) + 1024 * 1024; // a snapshot's, at most
        assertTrue(transactionBytes() <= PublicationSweep.BUDGET_BYTES + onePublication,
                transactionBytes() + " bytes in one transaction; the last publication may overshoot the budget, by one model's");
        assertTrue(harness.context.committed(), "a commit asked for, so that the rest goes into the next transaction");

        int published = harness.context.forwarded().size();
        harness.store.flushCache(); // Kafka Streams commits
        harness.context.resetForwards();
        harness.context.resetCommit();
        harness.punctuate(5_000, 15_000);
        harness.punctuate(10_000, 20_000);
        harness.punctuate(5_000, 20_000);
        assertTrue(transactionBytes() <= PublicationSweep.BUDGET_BYTES + onePublication);
        published += harness.context.forwarded().size();
        while (harness.context.committed()) { // as many transactions as it takes
            harness.store.flushCache();
            harness.context.resetForwards();
            harness.context.resetCommit();
            harness.punctuate(5_000, 25_000);
            harness.punctuate(10_000, 30_000);
            published += harness.context.forwarded().size();
        }
        assertEquals(2 * MODELS, published, "every model's metrics record and snapshot, once each, over the transactions");
    }

    /** What the open transaction holds: the records forwarded and the models written again at the commit. */
    private long transactionBytes() {
        long produced = harness.context.forwarded().stream().mapToLong(r -> r.record().value().json().length).sum();
        return produced + harness.store.dirtyBytes();
    }
}
