package dev.backstream.stream;

import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.message.SourceRecord;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.nn.Activation;
import dev.backstream.nn.Architecture;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the learner asks Kafka Streams for a commit ({@code commit.eager.interval.ms}): every 100 ms while a commit is
 * cheap, and otherwise not before {@code commit.interval.ms}, so that with many changed models each is written once
 * for many records.
 */
@DisplayName("Eager commits (commit.eager.interval.ms)")
class EagerCommitsTest {
    private static final long EAGER_MS = 100;
    private static final int RECORDS_PER_MODEL = 32;
    private static final ModelManagement EAGER = new ModelManagement(10, 10_000, 16 * 1024 * 1024, 1000, 0, EAGER_MS, RECORDS_PER_MODEL);
    /** 8-32-1: 321 parameters, ~2.7 KB encoded, so 500 changed models are more than the 1 MiB a commit may write at once. */
    private static final Architecture S2 = Architecture.of(8, Loss.BINARY_CROSS_ENTROPY, new LayerSpec(32, Activation.SIGMOID),
            new LayerSpec(1, Activation.SIGMOID));
    private static final int MANY = 500;

    private final ModelStoreHarness harness = new ModelStoreHarness();
    private long offset;

    @Test
    void oneBusyModelAsksForACommitOnceTheIntervalHasPassedSinceTheLast() {
        ModelProcessor processor = start(catalog(1), EAGER);
        process(processor, 0, 0);
        process(processor, 0, EAGER_MS - 1);
        assertFalse(harness.context.committed(), "within the interval");
        process(processor, 0, EAGER_MS);
        assertTrue(harness.context.committed(), "one changed model is a cheap commit");

        harness.store.flushCache(); // Kafka Streams commits
        harness.context.resetCommit();
        process(processor, 0, EAGER_MS + 1);
        process(processor, 0, 2 * EAGER_MS);
        assertFalse(harness.context.committed(), "the interval counts from the commit, seen at the first record after it");
        process(processor, 0, 2 * EAGER_MS + 1);
        assertTrue(harness.context.committed());
    }

    @Test
    void manyChangedModelsWaitForAsManyRecordsPerModelAsTheSettingSays() {
        ModelProcessor processor = start(catalog(MANY), EAGER);
        process(processor, 0, 0); // the count starts here
        for (int i = 1; i < MANY; i++) {
            process(processor, i, EAGER_MS / 2);
        }
        int records = MANY - 1;
        while (!harness.context.committed() && records < 100_000) {
            process(processor, records % MANY, 10 * EAGER_MS);
            records++;
        }
        // 500 models changed (more than 1 MiB): cheap only once they cost a write per 32 records
        assertEquals((MANY - 1) * RECORDS_PER_MODEL, records);
    }

    @Test
    void manyModelsChangingSlowlyCommitEveryInterval() {
        ModelProcessor processor = start(catalog(MANY), EAGER);
        process(processor, 0, 0);
        for (int i = 1; i <= 100; i++) {
            process(processor, i, EAGER_MS / 2);
        }
        assertFalse(harness.context.committed(), "within the interval");
        process(processor, 101, EAGER_MS);
        assertTrue(harness.context.committed(), "102 changed models, ~280 KB, are a cheap commit although each had one record");
    }

    @Test
    void aThreadsTasksAreCommittedTogetherSoTheirChangedModelsCountTogether() {
        // one stream thread, two tasks: a commit A asks for also writes B's 500 changed models
        ModelStoreHarness taskB = new ModelStoreHarness();
        taskB.pacings = harness.pacings;
        ModelProcessor a = start(catalog(1), EAGER);
        taskB.context.setCurrentSystemTimeMs(0);
        ModelProcessor b = taskB.processor(catalog(MANY), 0, 0, EAGER);
        process(a, 0, 0);
        for (int i = 0; i < MANY; i++) {
            process(taskB, b, i, EAGER_MS / 2);
        }
        process(a, 0, 10 * EAGER_MS);
        assertFalse(harness.context.committed(), "A's one model is cheap alone, not with B's 500 (more than 1 MiB, a write per record)");
        for (int i = 0; i < (MANY - 1) * RECORDS_PER_MODEL && !harness.context.committed(); i++) {
            process(a, 0, 10 * EAGER_MS);
        }
        assertTrue(harness.context.committed(), "32 records per model written, counted over the thread's tasks");
    }

    @Test
    void aRecordThatChangesNoModelIsCommittedWithinTheInterval() {
        // a dead letter (here for an unknown model) waits in the open transaction like a prediction
        ModelProcessor processor = start(catalog(1), EAGER);
        harness.punctuate(EAGER_MS, 0);
        harness.context.setCurrentSystemTimeMs(EAGER_MS / 2);
        String line = "{\"model\":\"nope\",\"features\":[1.0,0.0],\"label\":1}";
        processor.process(new Record<>("nope".getBytes(StandardCharsets.UTF_8), new RoutedSample(new SampleParser().parse(line), true, null,
                line.getBytes(StandardCharsets.UTF_8), new SourceRecord("backstream.samples", 0, 0, 0)), EAGER_MS / 2));
        assertEquals(1, harness.context.forwarded().size(), "the UNKNOWN_MODEL dead letter");
        harness.punctuate(EAGER_MS, EAGER_MS);
        assertTrue(harness.context.committed(), "asked at the first punctuation an interval after the last commit");
    }

    @Test
    void withoutEagerCommitsTheLearnerNeverAsks() {
        ModelProcessor processor = start(catalog(1), ModelManagement.DEFAULT);
        for (int i = 0; i < 10; i++) {
            process(processor, 0, i * EAGER_MS);
        }
        assertFalse(harness.context.committed(), "commits follow commit.interval.ms alone");
    }

    private ModelProcessor start(ModelCatalog catalog, ModelManagement management) {
        harness.context.setCurrentSystemTimeMs(0);
        return harness.processor(catalog, 0, 0, management);
    }

    private static ModelCatalog catalog(int models) {
        List<ModelDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            definitions.add(new ModelDefinition(id(i), Mlp.initialize(S2, OptimizerSpec.sgd(0.01), i), 1_000_000, "test"));
        }
        return new ModelCatalog(definitions);
    }

    private static String id(int model) {
        return String.format("m%04d", model);
    }

    /** One labeled sample for {@code model}, processed at wall-clock time {@code now}. */
    private void process(ModelProcessor processor, int model, long now) {
        process(harness, processor, model, now);
    }

    private void process(ModelStoreHarness harness, ModelProcessor processor, int model, long now) {
        harness.context.setCurrentSystemTimeMs(now);
        double[] x = new double[8];
        x[(int) (offset % 8)] = 1;
        String line = new String(new Sample(id(model), x, (int) (offset % 2), null, null).toJson(), StandardCharsets.UTF_8);
        RoutedSample routed = new RoutedSample(new SampleParser().parse(line), true, null, line.getBytes(StandardCharsets.UTF_8),
                new SourceRecord("backstream.samples", 0, offset, now));
        processor.process(new Record<>(id(model).getBytes(StandardCharsets.UTF_8), routed, now));
        offset++;
    }
}
