package dev.backstream.http;

import dev.backstream.message.ModelMetrics;
import dev.backstream.message.RejectReason;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.PublishedMetrics;
import dev.backstream.stream.Totals;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Everything {@code GET /metrics} shows, in Prometheus naming: Kafka Streams' client, thread, task and store metrics
 * and its clients' ({@link KafkaStreamsMetrics}), the JVM's, and the models'. Micrometer names them and the Prometheus
 * Java client writes the exposition format; a Micrometer name {@code backstream.model.accuracy} is exposed as
 * {@code backstream_model_accuracy}, a counter {@code backstream.model.updates} as {@code backstream_model_updates_total}.
 *
 * <p>Two sources for the models: {@link Totals}, what this process did since it started (counters), and
 * {@link PublishedMetrics}, the latest {@value ModelMetrics#FORMAT} record of each model this instance owns (gauges,
 * refreshed on every scrape; a model whose task moved away disappears from them).
 *
 * <p>The per-model series (the {@code backstream_model_*} gauges and the per-model {@code backstream_model_updates_total}
 * and {@code backstream_model_predictions_total} counters) exist only for the models holding one of the instance's
 * {@link ModelSeriesSlots} ({@code metrics.model.series.max}): the same models as the Kafka Streams per-model metrics,
 * so both views agree. A model's counters disappear with its slot (its task moved away, it was deleted). Two
 * instance-wide gauges show the cap at work: {@code backstream_models}, the models with published metrics here, and
 * {@code backstream_models_without_series}, those of them beyond the cap.
 */
public final class PrometheusMetrics implements AutoCloseable {
    /** Micrometer names of the model metrics (Prometheus adds {@code _total} to counters, turns dots into underscores). */
    static final String UPDATES = "backstream.model.updates";
    static final String PREDICTIONS = "backstream.model.predictions";
    static final String DEAD_LETTERS = "backstream.dead.letters";

    /** How often the Kafka Streams binder looks for new Kafka metrics (tasks assigned, clients created). */
    static final Duration REFRESH = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PublishedMetrics published;
    private final Totals totals;
    private final ModelSeriesSlots series;
    /** The per-model counters registered, by model: removed when the model no longer holds a series slot. */
    private final Map<String, List<Meter>> counters = new HashMap<>();
    /** Read by the two instance-wide gauges; written by each scrape before the registry is read. */
    private volatile int models;
    private volatile int modelsWithoutSeries;
    private final List<Gauges> gauges = new ArrayList<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private KafkaStreamsMetrics streamsMetrics;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "backstream-metrics-refresh");
        thread.setDaemon(true);
        return thread;
    });
    /** The rows registered by the last scrape: a gauge may hold its value weakly, so they are kept until the next. */
    private final List<MultiGauge.Row<?>> rows = new ArrayList<>();

    /** One gauge per model from a field of its latest {@link ModelMetrics}; no row while the field is null. */
    private record Gauges(MultiGauge gauge, Function<ModelMetrics, Number> field, boolean windowed) {
    }

    public PrometheusMetrics(PublishedMetrics published, Totals totals, ModelSeriesSlots series) {
        this.published = published;
        this.series = series;
        this.totals = totals;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (RejectReason reason : RejectReason.values()) {
            if (!reason.deadLetter()) {
                continue;
            }
            // every reason from the start, at 0: a dashboard's rate() needs the series before the first dead letter
            FunctionCounter.builder(DEAD_LETTERS, totals, t -> t.deadLetters(reason)).tag("reason", reason.name())
                    .description("Dead letters written by this process since it started, by reason").register(registry);
        }
        Gauge.builder("backstream.models", this, m -> m.models)
                .description("Models with published metrics on this instance (with or without per-model series)").register(registry);
        Gauge.builder("backstream.models.without.series", this, m -> m.modelsWithoutSeries)
                .description("Models with published metrics on this instance but no per-model series: beyond metrics.model.series.max")
                .register(registry);
        gauge("backstream.model.version", "Updates applied to the model (its version)", false, ModelMetrics::modelVersion);
        gauge("backstream.model.accuracy", "Prequential accuracy over the last `window` labeled predictions", true, ModelMetrics::windowAccuracy);
        gauge("backstream.model.log.loss", "Prequential mean log loss over the last `window` labeled predictions", true, ModelMetrics::windowLogLoss);
        gauge("backstream.model.mae", "Prequential mean absolute error over the last `window` labeled predictions", true, ModelMetrics::windowMae);
        gauge("backstream.model.rmse", "Prequential root mean squared error over the last `window` labeled predictions", true, ModelMetrics::windowRmse);
        gauge("backstream.model.fading.accuracy", "Prequential accuracy, exponentially fading average", false, ModelMetrics::fadingAccuracy);
        gauge("backstream.model.fading.log.loss", "Prequential log loss, exponentially fading average", false, ModelMetrics::fadingLogLoss);
        gauge("backstream.model.fading.mae", "Prequential mean absolute error, exponentially fading average", false, ModelMetrics::fadingMae);
        gauge("backstream.model.fading.rmse", "Prequential root mean squared error, exponentially fading average", false, ModelMetrics::fadingRmse);
        gauge("backstream.model.window.count", "Labeled predictions in the window now (at most `window`)", true, ModelMetrics::windowCount);
        gauge("backstream.model.score.requests", "Score requests the model answered (predictions without a label), as of its last metrics record",
                false, ModelMetrics::scoreRequests);
        gauge("backstream.model.divergent.updates", "Updates the model rejected because they would have made a parameter non-finite",
                false, ModelMetrics::divergentUpdates);
        gauge("backstream.model.last.update.timestamp.seconds", "Timestamp of the record of the last update applied (Unix seconds)", false,
                m -> m.lastUpdateTime() < 0 ? null : m.lastUpdateTime() / 1000.0);
    }

    private void gauge(String name, String description, boolean windowed, Function<ModelMetrics, Number> field) {
        gauges.add(new Gauges(MultiGauge.builder(name).description(description).register(registry), field, windowed));
    }

    /** Adds Kafka Streams' metrics and its clients' (consumer, producer, admin) of {@code streams}, replacing earlier ones. */
    public synchronized void bind(KafkaStreams streams) {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        // Kafka Streams creates task and store metrics when tasks are assigned, after this call; the binder looks for new
        // ones every REFRESH (Micrometer's default is a minute, too slow for a task that moved or a restore in progress)
        streamsMetrics = new KafkaStreamsMetrics(streams, Tags.empty(), refresher, REFRESH);
        streamsMetrics.bindTo(registry);
    }

    /** The Prometheus text exposition of every metric, the models' read now. */
    public synchronized String scrape() {
        refreshModels();
        return registry.scrape();
    }

    /** The content type of {@link #scrape()}. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    private void refreshModels() {
        Set<String> withSeries = series.models();
        for (Iterator<Map.Entry<String, List<Meter>>> it = counters.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<Meter>> model = it.next();
            if (!withSeries.contains(model.getKey())) {
                model.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        for (String model : withSeries) {
            // new models appear on the next scrape; the values come from Totals, so a counter re-added later goes on
            // from where it was
            counters.computeIfAbsent(model, m -> List.of(
                    FunctionCounter.builder(UPDATES, totals, t -> t.learned(m)).tag("model", m)
                            .description("Samples this process learned from (updates applied) since it started").register(registry),
                    FunctionCounter.builder(PREDICTIONS, totals, t -> t.predictions(m)).tag("model", m)
                            .description("Predictions this process made since it started, for samples and score requests").register(registry)));
        }
        Collection<ModelMetrics> all = published.all();
        List<ModelMetrics> latest = new ArrayList<>(Math.min(all.size(), withSeries.size()));
        for (ModelMetrics metrics : all) {
            if (withSeries.contains(metrics.model())) {
                latest.add(metrics);
            }
        }
        models = all.size();
        modelsWithoutSeries = all.size() - latest.size();
        this.rows.clear();
        for (Gauges g : gauges) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (ModelMetrics metrics : latest) {
                Number value = g.field.apply(metrics);
                if (value != null) {
                    Tags tags = g.windowed ? Tags.of("model", metrics.model(), "window", String.valueOf(metrics.windowSize()))
                            : Tags.of("model", metrics.model());
                    rows.add(MultiGauge.Row.of(tags, value));
                }
            }
            g.gauge.register(rows, true); // overwrite: new values, and models no longer owned here disappear
            this.rows.addAll(rows);
        }
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        refresher.shutdownNow();
        gc.close();
        registry.close();
    }
}
