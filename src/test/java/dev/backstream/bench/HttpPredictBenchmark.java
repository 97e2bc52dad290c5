package dev.backstream.bench;

import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.broker.EmbeddedKafka;
import dev.backstream.nn.Architecture;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Synchronous predictions over HTTP against an application on an embedded broker, idle and while it learns at full
 * rate from a backlog: closed-loop throughput ({@code bench.http.clients} kept-alive connections sending back to back)
 * and latency at a fixed open-loop rate (each request's latency measured from the time it was due, so a stall counts
 * for every request it delays). Load generator ({@link RawHttpClient}), application and broker share the machine.
 *
 * <p>{@code mvn -Pbench test-compile exec:exec -Dbench.main=dev.backstream.bench.HttpPredictBenchmark -Djmh.args="S2,S4"}
 */
public final class HttpPredictBenchmark {
    private static final int CLIENTS = Integer.getInteger("bench.http.clients", 8);
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final Duration MEASURED = Duration.ofSeconds(10);
    private static final double RATE = Double.parseDouble(System.getProperty("bench.http.rate", "1000"));
    private static final int BATCH = 100;

    private HttpPredictBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<String> shapes = List.of((args.length == 0 ? "S2,S4" : args[0]).split(","));
        EndToEndBenchmark.kafka = EmbeddedKafka.start();
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-5s %-9s %-8s %14s %12s %9s %9s %9s %9s", "shape", "app", "request", "requests/s", "predictions/s",
                "at req/s", "p50 ms", "p99 ms", "max ms"));
        try {
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version"));
            for (String shape : shapes) {
                run(shape, rows);
            }
        } finally {
            EndToEndBenchmark.kafka.close();
        }
        System.out.println();
        System.out.println("== POST /models/{id}/predict, " + CLIENTS + " closed-loop clients for throughput, " + RATE
                + " requests/s open loop (at most half the throughput) for latency; " + MEASURED.toSeconds() + " s measured after " + WARM_UP.toSeconds() + " s of warm-up");
        rows.forEach(System.out::println);
    }

    private static void run(String shape, List<String> rows) throws Exception {
        BackstreamConfig config = new BackstreamConfig(EndToEndBenchmark.settings("http-" + shape), null);
        EndToEndBenchmark.createTopics(config.topics(), 1);
        Architecture architecture = MlpLearnBenchmark.shape(shape);
        try (BackstreamApp app = new BackstreamApp(config, EndToEndBenchmark.catalog(shape, 1))) {
            app.start();
            // one sample, so that the model exists in the store and its task is running
            EndToEndBenchmark.produce(config.topics().samples(), shape, EndToEndBenchmark.samples(shape, 1, 3), 0);
            String url = app.httpUrl("/models/" + shape + "/predict");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            awaitVersion(client, url, body(architecture, 1, 5));
            byte[] single = body(architecture, 1, 7);
            byte[] batch = body(architecture, BATCH, 8);

            closedLoop(url, single); // unreported: the first run in a JVM also compiles the server's and the client's code
            measure(rows, shape, "idle", "single", url, single, 1);
            measure(rows, shape, "idle", "batch" + BATCH, url, batch, BATCH);

            // A backlog that lasts beyond the measurement, produced before it, so that only the application (learning
            // at full rate), the broker and the load generator run while it is measured.
            int backlog = shape.equals("S4") ? 200_000 : 1_200_000;
            EndToEndBenchmark.produce(config.topics().samples(), shape, EndToEndBenchmark.samples(shape, backlog, 11), 0);
            long before = app.activity().totals().learned(shape);
            long started = System.nanoTime();
            measure(rows, shape, "learning", "single", url, single, 1);
            long learned = app.activity().totals().learned(shape) - before;
            double learnedPerSecond = learned / ((System.nanoTime() - started) / 1e9);
            if (learned >= backlog - 1) {
                System.out.println(shape + ": the backlog ran out during the measurement; the learning rows are not at full rate");
            }
            System.out.printf(Locale.ROOT, "%s: the application learned %.0f samples/s meanwhile%n", shape, learnedPerSecond);
            rows.add(String.format(Locale.ROOT, "%-5s (learned %.0f samples/s during the learning rows)", shape, learnedPerSecond));
        }
    }

    /** A closed-loop throughput run, then an open-loop latency run at {@link #RATE}; one row. */
    private static void measure(List<String> rows, String shape, String app, String request, String url,
                                byte[] body, int predictionsPerRequest) throws Exception {
        double throughput = closedLoop(url, body);
        // at most half the measured capacity: an open loop above capacity measures only its own queue
        double rate = Math.min(RATE, throughput / 2);
        long[] latencies = openLoop(url, body, rate);
        Arrays.sort(latencies);
        String row = String.format(Locale.ROOT, "%-5s %-9s %-8s %14.0f %12.0f %9.0f %9.2f %9.2f %9.2f", shape, app, request, throughput,
                throughput * predictionsPerRequest, rate, latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6,
                latencies[latencies.length - 1] / 1e6);
        rows.add(row);
        System.out.println(row);
    }

    private static double closedLoop(String url, byte[] body) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread thread = new Thread(() -> {
                try (RawHttpClient client = new RawHttpClient(url, body)) {
                    while (running.get()) {
                        check(client.exchange());
                        if (counting.get()) {
                            done.incrementAndGet();
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "bench-client-" + c);
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(WARM_UP.toMillis());
        counting.set(true);
        long start = System.nanoTime();
        Thread.sleep(MEASURED.toMillis());
        counting.set(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        return done.get() / seconds;
    }

    /**
     * Request i is due at i/RATE s; {@link #CLIENTS} connections take turns (connection k sends requests k, k+CLIENTS,
     * ...), and each latency counts from the due time to the end of the answer.
     */
    private static long[] openLoop(String url, byte[] body, double rate) throws Exception {
        int warmUp = (int) (rate * WARM_UP.toSeconds());
        int total = warmUp + (int) (rate * MEASURED.toSeconds());
        long[] latencies = new long[total - warmUp];
        long start = System.nanoTime() + 10_000_000;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int first = c;
            Thread thread = new Thread(() -> {
                try (RawHttpClient client = new RawHttpClient(url, body)) {
                    for (int i = first; i < total; i += CLIENTS) {
                        long due = start + (long) (i * 1e9 / rate);
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            if (wait > 200_000) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                            } else {
                                Thread.onSpinWait();
                            }
                        }
                        check(client.exchange());
                        if (i >= warmUp) {
                            latencies[i - warmUp] = System.nanoTime() - due;
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "bench-open-loop-" + c);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return latencies;
    }

    private static void check(int status) {
        if (status != 200) {
            throw new IllegalStateException("HTTP " + status);
        }
    }

    private static HttpRequest request(String url, byte[] body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static void awaitVersion(HttpClient client, String url, byte[] body) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = client.send(request(url, body), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && !response.body().contains("\"modelVersion\":0")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the model was not served at version 1 within 2 minutes: " + url);
    }

    /** A predict body: one feature vector, or a batch of {@code n}. */
    private static byte[] body(Architecture architecture, int n, long seed) {
        Random random = new Random(seed);
        StringBuilder json = new StringBuilder(n == 1 ? "{\"features\":" : "{\"instances\":[");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "" : ",").append('[');
            for (int j = 0; j < architecture.inputs(); j++) {
                json.append(j == 0 ? "" : ",").append(random.nextInt(5) / 4.0);
            }
            json.append(']');
        }
        json.append(n == 1 ? "}" : "]}");
        return json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
