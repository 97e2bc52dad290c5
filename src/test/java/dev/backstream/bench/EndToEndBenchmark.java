package dev.backstream.bench;

import dev.backstream.stream.Topics;
import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.broker.CommittedReader;
import dev.backstream.broker.TopicCreator;
import dev.backstream.broker.EmbeddedKafka;
import dev.backstream.json.Json;
import dev.backstream.message.Sample;
import dev.backstream.message.SampleParser;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.Dtype;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;
import dev.backstream.app.StreamsSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end benchmarks on a real embedded KRaft broker (broker and application share the machine):
 * <ol>
 *   <li>throughput: a fixed backlog per shape through the application (exactly_once_v2, default settings) and, on the
 *       same broker, through a pass-through Streams application (same topics, serdes and guarantee, no learning),
 *       plus the core-only learning rate of the same samples;</li>
 *   <li>latency at half the measured rate: produce timestamp to prediction visible to a read_committed consumer;</li>
 *   <li>recovery: SIGKILL of a child JVM holding an S4 model after 60 s at full rate, time to the first new
 *       prediction;</li>
 *   <li>scale: two S3 models on one stream thread, on two, and on two instances of one thread each (200,000 records,
 *       or {@code -Dbench.scale.records});</li>
 *   <li>models: N S2 models on one instance, a backlog of 100,000 samples round-robin over them (keyed by model id):
 *       records/s, start to RUNNING and to the first prediction, heap after a forced GC, the changelog's size.</li>
 * </ol>
 * {@code mvn -Pbench test-compile exec:exec -Dbench.main=dev.backstream.bench.EndToEndBenchmark -Djmh.args="all"}
 * (or {@code throughput [S1,S2,...]}, {@code latency}, {@code recovery}, {@code scale}, {@code models [1,1000,5000] [histogram]}); {@code package} first for recovery, which
 * runs the real jar. Prints a table at the end of each part.
 */
public final class EndToEndBenchmark {
    private static final Map<String, Integer> BACKLOG = Map.of("S1", 150_000, "S2", 150_000, "S3", 100_000, "S4", 15_000);
    static EmbeddedKafka kafka;
    private static int run;
    private static final Map<String, Double> LEARNER_RATE = new HashMap<>();
    private static final int WARM_UP_SECONDS = 2;

    public static void main(String[] args) throws Exception {
        String part = args.length == 0 ? "all" : args[0];
        kafka = EmbeddedKafka.start();
        try {
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version")
                    + ", models " + DTYPE);
            if (part.equals("all") || part.equals("throughput") || part.equals("latency")) {
                List<String> shapes = args.length > 1 ? List.of(args[1].split(",")) : List.of("S1", "S2", "S3", "S4");
                throughput(part.equals("latency") ? List.of("S2", "S4") : shapes);
            }
            if (part.equals("all") || part.equals("latency")) {
                latency(List.of("S2", "S4"));
            }
            if (part.equals("all") || part.equals("scale")) {
                scale();
            }
            if (part.equals("all") || part.equals("recovery")) {
                recovery();
            }
            if (part.equals("all") || part.equals("models")) {
                String counts = args.length > 1 ? args[1] : "1,1000,5000";
                // a third argument "histogram" prints the class histogram of each run (as jcmd GC.class_histogram)
                histogram = args.length > 2 && args[2].equals("histogram");
                models(java.util.Arrays.stream(counts.split(",")).map(Integer::parseInt).toList());
            }
            if (part.equals("models-restart")) {
                String counts = args.length > 1 ? args[1] : "1,5000,100000";
                modelsRestart(java.util.Arrays.stream(counts.split(",")).map(Integer::parseInt).toList());
            }
        } finally {
            kafka.close();
        }
    }

    // ------------------------------------------------------------------------------------------ throughput

    private static void throughput(List<String> shapes) throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-5s %8s %14s %14s %10s %14s %10s", "shape", "records", "learner rec/s", "pass rec/s", "ratio", "core steps/s", "e2e/core"));
        // warm-up, not reported: the first application of a JVM also pays for loading and compiling the Kafka clients
        throughput("S2", 20_000);
        for (String shape : shapes) {
            rows.add(throughput(shape, Integer.getInteger("bench.records", BACKLOG.get(shape))));
            System.out.println(rows.get(rows.size() - 1));
        }
        print("throughput (exactly_once_v2, default settings, sustained rate from first to last committed record)", rows);
    }

    /** Learner, pass-through and core rates for a backlog of {@code n} samples of {@code shape}, as a table row. */
    private static String throughput(String shape, int n) throws Exception {
        List<byte[]> samples = samples(shape, n, 11);
        Map<String, String> settings = settings("tp-" + shape);
        BackstreamConfig config = new BackstreamConfig(settings, null);
        createTopics(config.topics(), 1);
        produce(config.topics().samples(), shape, samples, 0);
        ModelCatalog catalog = catalog(shape, 1);
        double learner;
        try (BackstreamApp app = new BackstreamApp(config, catalog)) {
            app.start();
            learner = sustainedRate(config.topics().predictions(), n);
        }
        double passThrough = passThroughRate(config, catalog, n);
        double core = coreRate(shape, samples);
        LEARNER_RATE.put(shape, learner);
        return String.format(Locale.ROOT, "%-5s %8d %14.0f %14.0f %10.2f %14.0f %10.2f", shape, n, learner, passThrough,
                learner / passThrough, core, learner / core);
    }

    private static double passThroughRate(BackstreamConfig config, ModelCatalog catalog, int n) throws Exception {
        Properties properties = StreamsSettings.properties(config, catalog);
        properties.put("application.id", config.applicationId() + "-pass");
        properties.put("state.dir", config.stateDir() + "-pass");
        // the learner with one model commits every commit.eager.interval.ms (its eager commits); the pass-through has no
        // learner to ask, so it gets that cadence as its commit.interval.ms, unless the run passes one through
        if (!config.passThrough().containsKey("commit.interval.ms")) {
            properties.put("commit.interval.ms", String.valueOf(config.commitEagerIntervalMs()));
        }
        StreamsBuilder builder = new StreamsBuilder();
        String target = config.topics().predictions() + "-pass";
        createRaw(List.of(new NewTopic(target, 1, (short) 1)));
        builder.stream(config.topics().samples(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(target, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        try (KafkaStreams streams = new KafkaStreams(builder.build(), properties)) {
            streams.start();
            return sustainedRate(target, n);
        }
    }

    private static double coreRate(String shape, List<byte[]> samples) {
        Mlp model = catalog(shape, 1).all().iterator().next().newModel();
        SampleParser parser = new SampleParser();
        List<Sample> parsed = samples.stream().map(parser::parse).toList();
        for (int warm = 0; warm < 2; warm++) {
            parsed.forEach(s -> s.learnOn(model));
        }
        long start = System.nanoTime();
        parsed.forEach(s -> s.learnOn(model));
        return parsed.size() / ((System.nanoTime() - start) / 1e9);
    }

    /** Reads read_committed until {@code n} records arrived; records/s from the first record seen to the last. */
    private static double sustainedRate(String topic, int n) {
        try (CommittedReader reader = reader(topic)) {
            RateCounter counter = new RateCounter();
            if (!reader.readUntil(() -> counter.count >= n, System.nanoTime() + Duration.ofMinutes(5).toNanos(), counter::add)) {
                throw new IllegalStateException("only " + counter.count + " of " + n + " records on " + topic);
            }
            // the first batch arrived at `first`; the rate counts the records committed after it
            return (n - counter.firstBatch) / ((System.nanoTime() - counter.first) / 1e9);
        }
    }

    /** Records read so far, and when the first of them arrived. */
    private static final class RateCounter {
        long first;
        long firstBatch;
        long count;

        void add(ConsumerRecords<byte[], byte[]> records) {
            if (records.count() > 0 && first == 0) {
                first = System.nanoTime();
                firstBatch = records.count();
            }
            count += records.count();
        }
    }

    // ------------------------------------------------------------------------------------------ latency

    private static void latency(List<String> shapes) throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-5s %10s %10s %10s %10s %10s", "shape", "rate/s", "samples", "p50 ms", "p99 ms", "max ms"));
        for (String shape : shapes) {
            double rate = Math.max(10, LEARNER_RATE.getOrDefault(shape, 1000.0) / 2);
            // 2 s of warm-up (not measured: a new application's first second includes its start) and 20 s measured
            int n = (int) Math.min(rate * (WARM_UP_SECONDS + 20), 600_000);
            List<byte[]> samples = samples(shape, n, 12);
            Map<String, String> settings = settings("lat-" + shape);
            BackstreamConfig config = new BackstreamConfig(settings, null);
            createTopics(config.topics(), 1);
            long[] latencies = new long[n];
            try (BackstreamApp app = new BackstreamApp(config, catalog(shape, 1)); CommittedReader reader = reader(config.topics().predictions())) {
                app.start();
                // warm up: one record through, so that the rebalance is not part of the measurement
                produce(config.topics().samples(), shape, samples.subList(0, 1), 0);
                List<ConsumerRecord<byte[], byte[]>> warmUp = new ArrayList<>();
                if (!reader.readUntil(() -> !warmUp.isEmpty(), System.nanoTime() + Duration.ofMinutes(5).toNanos(), records -> records.forEach(warmUp::add))) {
                    throw new IllegalStateException("no prediction of the warm-up record on " + config.topics().predictions());
                }
                Thread producer = new Thread(() -> produce(config.topics().samples(), shape, samples.subList(1, n), rate), "latency-producer");
                producer.start();
                int i = 0;
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                long[] producedAt = new long[n];
                while (i < n - 1 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        long produced = Json.MAPPER.readTree(record.value()).get("timestamp").asLong();
                        producedAt[i] = produced;
                        latencies[i++] = now - produced;
                    }
                }
                producer.join();
                printWorstSeconds(shape, producedAt, latencies, i);
                long measuredFrom = Arrays.stream(producedAt, 0, i).min().orElse(0) + WARM_UP_SECONDS * 1000L;
                long[] measured = java.util.stream.IntStream.range(0, i).filter(k -> producedAt[k] >= measuredFrom)
                        .mapToLong(k -> latencies[k]).sorted().toArray();
                rows.add(String.format(Locale.ROOT, "%-5s %10.0f %10d %10d %10d %10d", shape, rate, measured.length,
                        measured[measured.length / 2], measured[(int) (measured.length * 0.99)], measured[measured.length - 1]));
                System.out.println(rows.get(rows.size() - 1));
            }
        }
        print("latency at half the measured rate: produce timestamp to prediction visible to read_committed (one model: a commit every 100 ms, commit.eager.interval.ms; "
                + "20 s measured after " + WARM_UP_SECONDS + " s of warm-up)", rows);
    }

    /** The three seconds of the run (by produce time) with the highest latencies, to tell a stall from a steady delay. */
    private static void printWorstSeconds(String shape, long[] producedAt, long[] latencies, int n) {
        if (n == 0) {
            return;
        }
        long start = Arrays.stream(producedAt, 0, n).min().orElse(0);
        Map<Long, long[]> bySecond = new java.util.TreeMap<>(); // second -> {count, max, sum}
        for (int k = 0; k < n; k++) {
            long[] bucket = bySecond.computeIfAbsent((producedAt[k] - start) / 1000, x -> new long[3]);
            bucket[0]++;
            bucket[1] = Math.max(bucket[1], latencies[k]);
            bucket[2] += latencies[k];
        }
        bySecond.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(3).forEach(e ->
                System.out.printf(Locale.ROOT, "%s: second %d of the run: %d samples, mean %d ms, max %d ms%n", shape, e.getKey(),
                        e.getValue()[0], e.getValue()[2] / e.getValue()[0], e.getValue()[1]));
    }

    // ------------------------------------------------------------------------------------------ scale

    private static void scale() throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-28s %10s %12s", "setup", "records", "records/s"));
        int n = Integer.getInteger("bench.scale.records", 200_000);
        List<byte[]> samples = new ArrayList<>();
        List<byte[]> a = samples("S3", n / 2, 13);
        List<byte[]> b = samples("S3", n / 2, 14);
        // Two ids the default partitioner puts on different partitions: until 2026-11-29 this used S3a and S3b, which
        // both hash to partition 0, so every setup measured one busy thread (its 1.16x and 1.40x were noise).
        String modelA = "S3a";
        String modelB = secondPartitionModel(modelA);
        for (int i = 0; i < n / 2; i++) {
            samples.add(rename(a.get(i), "S3", modelA));
            samples.add(rename(b.get(i), "S3", modelB));
        }
        ModelCatalog catalog = new ModelCatalog(List.of(
                new ModelDefinition(modelA, Mlp.initialize(MlpLearnBenchmark.shape("S3").withDtype(DTYPE), OptimizerSpec.sgd(0.01), 1), 1_000_000_000L, "bench"),
                new ModelDefinition(modelB, Mlp.initialize(MlpLearnBenchmark.shape("S3").withDtype(DTYPE), OptimizerSpec.sgd(0.01), 2), 1_000_000_000L, "bench")));
        double one = 0;
        // the first pass (one thread) is a warm-up and not reported: run alone, this part would otherwise compare a
        // cold JVM against a warm one
        boolean warmUp = true;
        for (int threads : new int[] {1, 1, 2}) {
            Map<String, String> settings = settings("scale-" + threads);
            settings.put("num.stream.threads", String.valueOf(threads));
            BackstreamConfig config = new BackstreamConfig(settings, null);
            createTopics(config.topics(), 2);
            produceKeyed(config.topics().samples(), samples);
            double rate;
            try (BackstreamApp app = new BackstreamApp(config, catalog)) {
                app.start();
                rate = sustainedRate(config.topics().predictions(), n);
            }
            if (warmUp) {
                warmUp = false;
                continue;
            }
            if (threads == 1) {
                one = rate;
            }
            rows.add(String.format(Locale.ROOT, "%-28s %10d %12.0f%s", "2 S3 models, " + threads + " thread(s)", n, rate,
                    threads == 2 ? String.format(Locale.ROOT, "  (%.2fx)", rate / one) : ""));
            System.out.println(rows.get(rows.size() - 1));
        }
        // two instances of one thread each, in this JVM, sharing the application id: one partition (model) each once
        // the second has joined; the first may process alone until then, which the rate includes
        Map<String, String> settings = settings("scale-instances");
        BackstreamConfig first = new BackstreamConfig(settings, null);
        Map<String, String> secondSettings = new LinkedHashMap<>(settings);
        secondSettings.put(BackstreamConfig.STATE_DIR, Files.createTempDirectory("backstream-bench-state").toString());
        BackstreamConfig second = new BackstreamConfig(secondSettings, null);
        createTopics(first.topics(), 2);
        produceKeyed(first.topics().samples(), samples);
        double rate;
        try (BackstreamApp instanceA = new BackstreamApp(first, catalog); BackstreamApp instanceB = new BackstreamApp(second, catalog)) {
            instanceA.start();
            instanceB.start();
            rate = sustainedRate(first.topics().predictions(), n);
        }
        rows.add(String.format(Locale.ROOT, "%-28s %10d %12.0f  (%.2fx)", "2 S3 models, 2 instances", n, rate, rate / one));
        System.out.println(rows.get(rows.size() - 1));
        print("scale: two S3 models on two partitions", rows);
    }

    /** A model id {@code S3b}, {@code S3c}, … whose records the default partitioner sends to the other of two partitions. */
    private static String secondPartitionModel(String first) {
        for (char c = 'b'; c <= 'z'; c++) {
            String id = "S3" + c;
            if (partitionOf(id) != partitionOf(first)) {
                return id;
            }
        }
        throw new IllegalStateException("no S3 id on the other partition");
    }

    private static int partitionOf(String model) {
        return org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(model.getBytes(StandardCharsets.UTF_8))) % 2;
    }

    private static byte[] rename(byte[] sample, String from, String to) {
        return new String(sample, StandardCharsets.UTF_8).replace("\"model\":\"" + from + "\"", "\"model\":\"" + to + "\"").getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------ models

    /**
     * Samples in each run of the models part, whatever the number of models ({@code -Dbench.models.records}): enough
     * for the metrics (every 5 s) and snapshot (every 10 s) punctuations to run during the backlog.
     */
    private static final int MODELS_BACKLOG = Integer.getInteger("bench.models.records", 500_000);
    /** {@code models.evict.idle.ms} in the models part (unless -Dbench.streams.models.evict.idle.ms says otherwise). */
    private static final String MODELS_EVICT_IDLE_MS = "3000";
    private static boolean histogram;

    private static void models(List<Integer> counts) throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%8s %8s %10s %10s %12s %10s %12s %10s %12s %12s", "models", "records", "records/s", "RUNNING s",
                "1st pred. s", "heap MB", "KB/model", "idle MB", "KB/idle", "changelog MB"));
        // warm-up, not reported: the first application of a JVM also pays for loading and compiling the Kafka clients
        models(1, 20_000);
        double baseHeap = Double.NaN;
        double baseIdle = Double.NaN;
        for (int n : counts) {
            double[] measured = models(n, MODELS_BACKLOG);
            if (Double.isNaN(baseHeap)) {
                baseHeap = measured[0]; // the first count is the reference for the heap per model
                baseIdle = measured[6];
            }
            boolean first = n == counts.get(0);
            rows.add(String.format(Locale.ROOT, "%8d %8d %10.0f %10.2f %12.2f %10.1f %12s %10.1f %12s %12.1f", n, (long) measured[1], measured[2],
                    measured[3], measured[4], measured[0] / 1e6,
                    first ? "-" : String.format(Locale.ROOT, "%.1f", (measured[0] - baseHeap) / 1e3 / (n - counts.get(0))),
                    measured[6] / 1e6,
                    first ? "-" : String.format(Locale.ROOT, "%.1f", (measured[6] - baseIdle) / 1e3 / (n - counts.get(0))),
                    measured[5] / 1e6));
            System.out.println(rows.get(rows.size() - 1));
        }
        print("models: N S2 models (8-32-1, sgd) on one instance, " + MODELS_BACKLOG + " samples round-robin over them, keyed by model id "
                + "(exactly_once_v2, default settings but models.evict.idle.ms=" + MODELS_EVICT_IDLE_MS + " and any -Dbench.streams.*; "
                + "heap: live bytes of the class histogram (after a full GC) right after the backlog, broker included; "
                + "KB/model: heap growth per model above the first count; idle: the same once every model left memory (models-in-memory 0); "
                + "changelog: its size on the broker after the backlog)", rows);
    }

    /**
     * One run of the models part.
     *
     * @return heap used (bytes), records, records/s, seconds from {@code start()} to RUNNING and to the first
     *         prediction, changelog bytes, heap used once every model left memory (bytes)
     */
    private static double[] models(int count, int n) throws Exception {
        Architecture architecture = MlpLearnBenchmark.shape("S2");
        List<String> ids = new ArrayList<>(count);
        List<ModelDefinition> definitions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = String.format(Locale.ROOT, "m%06d", i);
            ids.add(id);
            definitions.add(new ModelDefinition(id, Mlp.initialize(architecture, OptimizerSpec.sgd(0.01), i), 1_000_000_000L, "bench"));
        }
        ModelCatalog catalog = new ModelCatalog(definitions);
        definitions = null;
        Map<String, String> settings = settings("models-" + count);
        settings.putIfAbsent(BackstreamConfig.MODELS_EVICT_IDLE_MS, MODELS_EVICT_IDLE_MS);
        BackstreamConfig config = new BackstreamConfig(settings, null);
        createTopics(config.topics(), 1);
        produceRoundRobin(config.topics().samples(), ids, n, 16);
        ids = null;
        double[] result = new double[7];
        result[1] = n;
        try (CommittedReader reader = reader(config.topics().predictions()); BackstreamApp app = new BackstreamApp(config, catalog)) {
            long start = System.nanoTime();
            app.start();
            AtomicLong running = new AtomicLong();
            Thread watcher = new Thread(() -> {
                while (app.streams() == null || app.streams().state() != KafkaStreams.State.RUNNING) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                running.set(System.nanoTime());
            }, "running-watcher");
            watcher.start();
            RateCounter counter = new RateCounter();
            if (!reader.readUntil(() -> counter.count >= n, System.nanoTime() + Duration.ofMinutes(20).toNanos(), counter::add)) {
                throw new IllegalStateException("only " + counter.count + " of " + n + " predictions with " + count + " models");
            }
            long end = System.nanoTime();
            watcher.join(1000);
            watcher.interrupt();
            result[2] = (n - counter.firstBatch) / ((end - counter.first) / 1e9);
            result[3] = running.get() == 0 ? Double.NaN : (running.get() - start) / 1e9;
            result[4] = (counter.first - start) / 1e9;
            // the live objects' bytes of the class histogram, which a full collection precedes (the memory bean's
            // "used" after System.gc() varied by hundreds of MB between runs)
            String classes = histogram();
            result[0] = histogramTotal(classes);
            if (histogram) {
                System.out.println("class histogram with " + count + " models (top 60):");
                classes.lines().limit(63).forEach(System.out::println);
            }
            result[5] = changelogBytes(config.applicationId() + "-models-changelog");
            // idle: every model published, committed and evicted
            long idleBy = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            double inMemory;
            while ((inMemory = modelsInMemory(app.streams())) > 0 && System.nanoTime() < idleBy) {
                Thread.sleep(200); // a gauge to poll: nothing to wait on
            }
            if (inMemory > 0) {
                throw new IllegalStateException(inMemory + " models still in memory 120 s after the backlog");
            }
            String idle = histogram();
            result[6] = histogramTotal(idle);
            if (histogram) {
                System.out.println("class histogram with " + count + " models, all idle (top 40):");
                idle.lines().limit(43).forEach(System.out::println);
            }
        }
        return result;
    }

    /** The models the application's tasks hold in memory now (their models-in-memory gauges summed). */
    private static double modelsInMemory(KafkaStreams streams) {
        return streams.metrics().entrySet().stream().filter(e -> e.getKey().name().equals("models-in-memory"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    // ------------------------------------------------------------------------------------------ models-restart

    /**
     * Start-up and restart after SIGKILL of the real jar with N declared S2 models (one definition file each, as a user
     * would declare them), default settings with static membership: the start to RUNNING, the backlog of
     * max(100,000, 2N) samples round-robin, the process's RSS after it, then a SIGKILL, new samples for every model, a
     * restart, and its times to RUNNING and to the first new committed prediction.
     */
    private static void modelsRestart(List<Integer> counts) throws Exception {
        Path jar = Path.of("target/backstream.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("run `mvn package -DskipTests` first: the models-restart part runs the real jar");
        }
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%8s %10s %10s %10s %9s %12s %12s %12s %12s", "models", "records", "start s", "records/s", "RSS MB",
                "changelog MB", "restart s", "1st new s", "restored s"));
        for (int n : counts) {
            rows.add(modelsRestart(jar, n));
            System.out.println(rows.get(rows.size() - 1));
        }
        print("models-restart: N S2 models declared in models.dir, the real jar (" + String.join(" ", MODELS_RESTART_JVM)
                + ", default settings, static membership); start s: process start to RUNNING; records/s over the backlog; RSS after it; "
                + "restart s: new process after SIGKILL to RUNNING; 1st new s: to the first committed prediction of a sample produced after the kill; "
                + "restored s: restart to the end of the store's restoration (from the log)", rows);
    }

    /** JVM options of the models-restart child ({@code -Dbench.restart.jvm}); 100,000 models in memory need ~2.5 GB. */
    private static final List<String> MODELS_RESTART_JVM = List.of(System.getProperty("bench.restart.jvm", "-Xmx6g").split("\\s+"));

    private static String modelsRestart(Path jar, int count) throws Exception {
        Path work = Files.createTempDirectory("backstream-models-restart");
        Path models = Files.createDirectories(work.resolve("models"));
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = String.format(Locale.ROOT, "m%06d", i);
            ids.add(id);
            Files.writeString(models.resolve(id + ".json"), String.format(Locale.ROOT, """
                    {"format": "backstream.mlp/v1", "modelId": "%s", "inputs": 8, "loss": "binary_cross_entropy",
                     "optimizer": {"type": "sgd", "learningRate": 0.01},
                     "layers": [{"units": 32, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}], "seed": %d}
                    """, id, i));
        }
        Map<String, String> settings = childSettings("models-restart-" + count, models, work);
        Path properties = writeProperties(settings, work.resolve("app.properties"));
        BackstreamConfig config = new BackstreamConfig(settings, null);
        createTopics(config.topics(), 1);
        int backlog = Math.max(100_000, 2 * count);
        produceRoundRobin(config.topics().samples(), ids, backlog, 16);
        Process process = null;
        try (CommittedReader reader = reader(config.topics().predictions())) {
            long startWallClock = System.currentTimeMillis();
            process = start(jar, properties, work.resolve("run-1.log"), MODELS_RESTART_JVM);
            RateCounter counter = new RateCounter();
            if (!reader.readUntil(() -> counter.count >= backlog, System.nanoTime() + Duration.ofMinutes(20).toNanos(), counter::add)) {
                throw new IllegalStateException("only " + counter.count + " of " + backlog + " predictions with " + count + " models; see "
                        + work.resolve("run-1.log"));
            }
            double rate = (backlog - counter.firstBatch) / ((System.nanoTime() - counter.first) / 1e9);
            double started = milestone(Files.readString(work.resolve("run-1.log")), "REBALANCING -> RUNNING", startWallClock);
            long rss = rssBytes(process.pid());
            process.destroyForcibly();
            process.waitFor();
            long changelog = changelogBytes(config.applicationId() + "-models-changelog");
            produceRoundRobin(config.topics().samples(), ids, Math.min(count, 10_000), 16);
            long restartWallClock = System.currentTimeMillis();
            long restart = System.nanoTime();
            Path secondLog = work.resolve("run-2.log");
            process = start(jar, properties, secondLog, MODELS_RESTART_JVM);
            while (reader.poll(Duration.ofMillis(20)).isEmpty()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the restarted instance exited; see " + secondLog);
                }
            }
            double firstNew = (System.nanoTime() - restart) / 1e9;
            String log = Files.readString(secondLog);
            return String.format(Locale.ROOT, "%8d %10d %10.2f %10.0f %9.0f %12.1f %12.2f %12.2f %12.2f", count, backlog, started, rate, rss / 1e6,
                    changelog / 1e6, milestone(log, "REBALANCING -> RUNNING", restartWallClock), firstNew,
                    milestone(log, "Finished restoring", restartWallClock));
        } finally {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    /** Seconds from {@code fromMillis} to the last log line containing {@code marker} (same machine clock), or NaN. */
    private static double milestone(String log, String marker, long fromMillis) {
        long dayStart = fromMillis - Math.floorMod(fromMillis, 86_400_000L);
        return log.lines().filter(line -> line.contains(marker)).reduce((first, last) -> last).map(line -> {
            var time = LOG_TIME.matcher(line);
            if (!time.find()) {
                return Double.NaN;
            }
            long at = dayStart + ((Long.parseLong(time.group(1)) * 60 + Long.parseLong(time.group(2))) * 60 + Long.parseLong(time.group(3))) * 1000
                    + Long.parseLong(time.group(4));
            return (at - fromMillis) / 1e3;
        }).orElse(Double.NaN);
    }

    /** The resident set size of process {@code pid} (Linux), in bytes. */
    private static long rssBytes(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(-1L);
    }

    /** {@code n} S2 samples, round-robin over {@code ids}, each keyed by its model id; {@code distinct} feature vectors reused. */
    private static void produceRoundRobin(String topic, List<String> ids, int n, int distinct) {
        List<byte[]> pool = samples("S2", distinct, 16);
        SampleParser parser = new SampleParser();
        List<Sample> parsed = pool.stream().map(parser::parse).toList();
        AtomicLong failures = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String id = ids.get(i % ids.size());
                Sample template = parsed.get(i % parsed.size());
                byte[] value = new Sample(id, template.features(), template.label(), null, null).toJson();
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value), (metadata, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " records could not be produced to " + topic);
        }
    }

    /** The bytes of the "Total" line of a class histogram. */
    private static double histogramTotal(String histogram) {
        return histogram.lines().filter(line -> line.startsWith("Total")).map(line -> line.trim().split("\\s+"))
                .mapToDouble(parts -> Double.parseDouble(parts[2])).findFirst().orElseThrow();
    }

    /** The class histogram of this JVM (as {@code jcmd <pid> GC.class_histogram}, which also collects first). */
    private static String histogram() throws Exception {
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        return (String) server.invoke(new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
    }

    // ------------------------------------------------------------------------------------------ recovery

    private static void recovery() throws Exception {
        Path jar = Path.of("target/backstream.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("run `mvn package -DskipTests` first: the recovery benchmark runs the real jar");
        }
        Path work = Files.createTempDirectory("backstream-recovery");
        Path archive = work.resolve("backstream.jsa");
        trainClassDataArchive(jar, archive, work.resolve("cds-training.log"));
        List<String> rows = new ArrayList<>();
        rows.addAll(recovery(jar, work.resolve("plain"), "plain JVM", List.of()));
        rows.addAll(recovery(jar, work.resolve("cds"), "JVM with the class-data archive", List.of("-XX:SharedArchiveFile=" + archive)));
        print("recovery after SIGKILL of an S4 instance that ran 60 s at full rate", rows);
    }

    /** The class-data sharing archive the README recommends: recorded by one run of the bundled XOR demo. */
    private static void trainClassDataArchive(Path jar, Path archive, Path log) throws Exception {
        Process training = new ProcessBuilder(java(), "--add-modules", "jdk.incubator.vector", "-XX:ArchiveClassesAtExit=" + archive,
                "-jar", jar.toString(), "demo", "--xor").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (training.waitFor() != 0 || !Files.exists(archive)) {
            throw new IllegalStateException("the class-data training run failed; see " + log);
        }
    }

    private static List<String> recovery(Path jar, Path work, String label, List<String> jvm) throws Exception {
        Path models = Files.createDirectories(work.resolve("models"));
        Files.writeString(models.resolve("S4.json"), """
                {"format": "backstream.mlp/v1", "modelId": "S4", "inputs": 784, "loss": "categorical_cross_entropy",
                 "dtype": "%s", "optimizer": {"type": "sgd", "learningRate": 0.01},
                 "layers": [{"units": 128, "activation": "sigmoid"}, {"units": 10, "activation": "softmax"}], "seed": 1}
                """.formatted(DTYPE.id()));
        Map<String, String> settings = childSettings("recovery", models, work);
        Path properties = writeProperties(settings, work.resolve("app.properties"));
        BackstreamConfig config = new BackstreamConfig(settings, null);
        createTopics(config.topics(), 1);
        AtomicBoolean producing = new AtomicBoolean(true);
        List<byte[]> pool = samples("S4", 2000, 15);
        Thread producer = new Thread(() -> {
            Properties p = producerProperties();
            try (KafkaProducer<byte[], byte[]> kafkaProducer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; producing.get(); i++) {
                    kafkaProducer.send(new ProducerRecord<>(config.topics().samples(), "S4".getBytes(StandardCharsets.UTF_8), pool.get(i % pool.size())));
                }
            }
        }, "recovery-producer");
        producer.start();
        Path secondLog = work.resolve("run-2.log");
        Process process = start(jar, properties, work.resolve("run-1.log"), jvm);
        try (CommittedReader reader = reader(config.topics().predictions())) {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long count = 0;
            while (System.nanoTime() < end || count == 0) {
                count += reader.poll(Duration.ofMillis(100)).count();
            }
            process.destroyForcibly();
            process.waitFor();
            long killedAt = System.nanoTime();
            // drain what was committed before the kill
            while (reader.poll(Duration.ofMillis(500)).count() > 0) {
                count++;
            }
            long changelog = changelogBytes(config.applicationId() + "-models-changelog");
            long restart = System.nanoTime();
            long restartWallClock = System.currentTimeMillis();
            process = start(jar, properties, secondLog, jvm);
            ConsumerRecord<byte[], byte[]> firstNew = null;
            while (firstNew == null) {
                var records = reader.poll(Duration.ofMillis(20));
                firstNew = records.isEmpty() ? null : records.iterator().next();
            }
            double toFirst = (System.nanoTime() - restart) / 1e9;
            long seenAt = System.currentTimeMillis();
            producing.set(false);
            producer.join();
            List<String> rows = new ArrayList<>();
            rows.add(label + ":");
            rows.add(String.format(Locale.ROOT, "  predictions in 60 s before the kill: %d (%.0f/s); changelog at the kill: %.1f MB",
                    count, count / 60.0, changelog / 1e6));
            rows.add(String.format(Locale.ROOT, "  restart (new JVM) to first new prediction: %.2f s (kill to restart: %.2f s)", toFirst,
                    (restart - killedAt) / 1e9));
            rows.add("  timeline of the restart (s after it): " + timeline(Files.readString(secondLog), restartWallClock)
                    + String.format(Locale.ROOT, ", first new prediction visible %.2f", (seenAt - restartWallClock) / 1e3));
            return rows;
        } finally {
            producing.set(false);
            producer.join();
            process.destroyForcibly();
        }
    }

    private static final java.util.regex.Pattern LOG_TIME = java.util.regex.Pattern.compile("^(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) ");

    /** When the restarted child logged its milestones, in seconds after {@code restartMillis} (same machine clock). */
    private static String timeline(String log, long restartMillis) {
        Map<String, String> milestones = new LinkedHashMap<>();
        milestones.put("Kafka Streams created", "connecting to");
        milestones.put("joining", "CREATED -> REBALANCING");
        milestones.put("restore started", "End offset for changelog");
        milestones.put("restore finished", "Finished restoring");
        milestones.put("running", "REBALANCING -> RUNNING");
        List<String> parts = new ArrayList<>();
        milestones.forEach((name, marker) -> {
            double at = milestone(log, marker, restartMillis);
            if (!Double.isNaN(at)) {
                parts.add(String.format(Locale.ROOT, "%s %.2f", name, at));
            }
        });
        return String.join(", ", parts);
    }

    /**
     * The settings of a child process running the real jar on the models of {@code models}, its state under
     * {@code work}, with static membership, as the README recommends: the restarted member takes its tasks back
     * without waiting for the crashed one's session to expire.
     */
    private static Map<String, String> childSettings(String name, Path models, Path work) throws IOException {
        Map<String, String> settings = settings(name);
        settings.put(BackstreamConfig.MODELS_DIR, models.toString());
        settings.put(BackstreamConfig.STATE_DIR, work.resolve("state").toString());
        settings.put("group.instance.id", name + "-bench");
        return settings;
    }

    /** {@code settings} as a properties file at {@code path}, for a child process's {@code --config}. */
    private static Path writeProperties(Map<String, String> settings, Path path) throws IOException {
        Properties file = new Properties();
        file.putAll(settings);
        try (Writer writer = Files.newBufferedWriter(path)) {
            file.store(writer, null);
        }
        return path;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Process start(Path jar, Path properties, Path log, List<String> jvm) throws IOException {
        // the restore milestones of the timeline come from StoreChangelogReader at INFO: the shipped configuration plus that logger
        Path logging = log.resolveSibling(log.getFileName() + ".logback.xml");
        try (var shipped = EndToEndBenchmark.class.getResourceAsStream("/logback.xml")) {
            Files.writeString(logging, new String(shipped.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).replace("</configuration>",
                    "  <logger name=\"org.apache.kafka.streams.processor.internals.StoreChangelogReader\" level=\"INFO\"/>\n</configuration>"));
        }
        List<String> command = new ArrayList<>(List.of(java(), "--add-modules", "jdk.incubator.vector", "-Xmx2g",
                "-Dlogback.configurationFile=" + logging));
        command.addAll(jvm);
        // -Dbench.child.jvm="..." adds JVM options to the child, e.g. log levels or a profiler
        String extra = System.getProperty("bench.child.jvm", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString(), "run", "--config", properties.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static long changelogBytes(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            return admin.describeLogDirs(List.of(1)).allDescriptions().get().values().stream()
                    .flatMap(dirs -> dirs.values().stream())
                    .flatMap(dir -> dir.replicaInfos().entrySet().stream())
                    .filter(e -> e.getKey().topic().equals(topic))
                    .mapToLong(e -> e.getValue().size()).sum();
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    static Map<String, String> settings(String name) throws IOException {
        String prefix = "bench-" + name + "-" + (++run);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(BackstreamConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        settings.put(BackstreamConfig.APPLICATION_ID, prefix);
        settings.put(BackstreamConfig.STATE_DIR, Files.createTempDirectory("backstream-bench-state").toString());
        settings.put(BackstreamConfig.SAMPLES_TOPIC, prefix + ".samples");
        settings.put(BackstreamConfig.SCORE_REQUESTS_TOPIC, prefix + ".score-requests");
        settings.put(BackstreamConfig.PREDICTIONS_TOPIC, prefix + ".predictions");
        settings.put(BackstreamConfig.SNAPSHOTS_TOPIC, prefix + ".model-snapshots");
        settings.put(BackstreamConfig.DEAD_LETTERS_TOPIC, prefix + ".dead-letters");
        settings.put(BackstreamConfig.METRICS_TOPIC, prefix + ".metrics");
        settings.put(BackstreamConfig.CONTROL_TOPIC, prefix + ".control");
        settings.put(BackstreamConfig.MODEL_EVENTS_TOPIC, prefix + ".model-events");
        settings.put(BackstreamConfig.SNAPSHOT_INTERVAL_MS, "0");
        settings.put(BackstreamConfig.SNAPSHOT_EVERY_UPDATES, "1000000000");
        settings.put(BackstreamConfig.HTTP_PORT, "0");
        // -Dbench.streams.<property>=value passes a Kafka Streams setting to both applications, for experiments.
        System.getProperties().stringPropertyNames().stream().filter(property -> property.startsWith("bench.streams."))
                .forEach(property -> settings.put(property.substring("bench.streams.".length()), System.getProperty(property)));
        return settings;
    }

    /** The benchmark models' number type: {@code -Dbench.dtype=float32} measures float32 models (default float64). */
    static final Dtype DTYPE = Dtype.of(System.getProperty("bench.dtype", "float64"));

    static ModelCatalog catalog(String shape, long seed) {
        Architecture architecture = MlpLearnBenchmark.shape(shape).withDtype(DTYPE);
        return new ModelCatalog(List.of(new ModelDefinition(shape, Mlp.initialize(architecture, OptimizerSpec.sgd(0.01), seed), 1_000_000_000L, "bench")));
    }

    /** Labeled samples for the shape; features take a few short values so that S4's JSON stays near 2 KB. */
    static List<byte[]> samples(String shape, int n, long seed) {
        Architecture architecture = MlpLearnBenchmark.shape(shape);
        Random random = new Random(seed);
        double[] values = {0, 0, 0.25, 0.5, 0.75, 1};
        List<byte[]> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] features = new double[architecture.inputs()];
            for (int j = 0; j < features.length; j++) {
                features[j] = values[random.nextInt(values.length)];
            }
            samples.add(new Sample(shape, features, random.nextInt(architecture.classes()), null, null).toJson());
        }
        return samples;
    }

    static void createTopics(Topics topics, int partitions) {
        TopicCreator.create(kafka.bootstrapServers(), topics, partitions);
    }

    private static void createRaw(List<NewTopic> topics) {
        kafka.createTopics(topics);
    }

    private static Properties producerProperties() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Not idempotent: on Kafka 4.3.1 a first batch refused with NOT_LEADER_OR_FOLLOWER right after the topic's
        // creation left the idempotent producer retrying it forever with OUT_OF_ORDER_SEQUENCE_NUMBER while the batches
        // behind it were appended. The order of random benchmark samples does not matter; their count is checked.
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        return properties;
    }

    /** Produces samples keyed by {@code key}, at {@code rate} records/s (0: as fast as possible). */
    static void produce(String topic, String key, List<byte[]> samples, double rate) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        AtomicLong failures = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < samples.size(); i++) {
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, System.currentTimeMillis(), keyBytes, samples.get(i));
                producer.send(record, (metadata, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " records could not be produced to " + topic);
        }
    }

    private static void produceKeyed(String topic, List<byte[]> samples) {
        SampleParser parser = new SampleParser();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] sample : samples) {
                producer.send(new ProducerRecord<>(topic, parser.parse(sample).model().getBytes(StandardCharsets.UTF_8), sample));
            }
            producer.flush();
        }
    }

    private static CommittedReader reader(String topic) {
        return new CommittedReader(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"), topic);
    }

    private static void print(String title, List<String> rows) {
        System.out.println();
        System.out.println("== " + title);
        rows.forEach(System.out::println);
        System.out.println();
    }
}
