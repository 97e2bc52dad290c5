package dev.backstream.app;

import dev.backstream.stream.EventSettings;
import dev.backstream.stream.MetricsSettings;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.Topics;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Backstream's own settings, each declared once with type, default, validation and documentation (the README's
 * configuration table is checked against {@link #CONFIG}). Any other property in the file (for example
 * {@code commit.interval.ms} or {@code num.stream.threads}) is passed through to Kafka Streams and its clients.
 *
 * <p>Environment variables override the file: {@code BACKSTREAM_} followed by the property name in upper case with
 * dots (and dashes) as underscores, e.g. {@code BACKSTREAM_BOOTSTRAP_SERVERS=broker:9092} sets
 * {@code bootstrap.servers}, {@code BACKSTREAM_COMMIT_INTERVAL_MS=200} sets {@code commit.interval.ms}.
 *
 * <p>Security settings are Kafka's own client settings, passed through like any other ({@code security.protocol},
 * {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}, ...): Kafka Streams hands them to
 * every client it creates, and {@link #adminProperties()} gives them to Backstream's own admin clients. Secrets among
 * them are never printed ({@link Secrets}).
 */
public final class BackstreamConfig extends AbstractConfig {
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String MODELS_DIR = "models.dir";
    public static final String SAMPLES_TOPIC = "topic.samples";
    public static final String SCORE_REQUESTS_TOPIC = "topic.score.requests";
    public static final String PREDICTIONS_TOPIC = "topic.predictions";
    public static final String SNAPSHOTS_TOPIC = "topic.model.snapshots";
    public static final String DEAD_LETTERS_TOPIC = "topic.dead.letters";
    public static final String METRICS_TOPIC = "topic.metrics";
    public static final String CONTROL_TOPIC = "topic.control";
    public static final String MAX_MODELS = "max.models";
    public static final String MODELS_EVICT_IDLE_MS = "models.evict.idle.ms";
    public static final String COMMIT_EAGER_INTERVAL_MS = "commit.eager.interval.ms";
    public static final String COMMIT_EAGER_RECORDS_PER_MODEL = "commit.eager.records.per.model";
    public static final String SNAPSHOT_HISTORY = "snapshot.history";
    public static final String MODEL_EVENTS_TOPIC = "topic.model.events";
    public static final String EVENTS_TOPIC = "topic.events";
    public static final String LABELS_TOPIC = "topic.labels";
    public static final String EVENTS_MODEL = "events.model";
    public static final String LABELS_TTL_MS = "labels.ttl.ms";
    public static final String LABELS_MAX_PENDING = "labels.max.pending";
    public static final String METRICS_WINDOW = "metrics.window";
    public static final String METRICS_FADING_FACTOR = "metrics.fading.factor";
    public static final String METRICS_INTERVAL_MS = "metrics.interval.ms";
    public static final String METRICS_MODEL_SERIES_MAX = "metrics.model.series.max";
    public static final String SNAPSHOT_EVERY_UPDATES = "snapshot.every.updates";
    public static final String SNAPSHOT_INTERVAL_MS = "snapshot.interval.ms";
    public static final String MAX_RECORD_BYTES = "max.record.bytes";
    public static final String MAX_FEATURES = "max.features";
    public static final String DEAD_LETTER_MAX_VALUE_BYTES = "dead.letter.max.value.bytes";

    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_BIND = "http.bind";
    public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
    public static final String HTTP_MAX_BATCH = "http.max.batch";
    public static final String HTTP_MAX_BODY_BYTES = "http.max.body.bytes";
    public static final String HTTP_TOKEN = "http.token";
    public static final String HTTP_SSL_KEYSTORE_LOCATION = "http.ssl.keystore.location";
    public static final String HTTP_SSL_KEYSTORE_PASSWORD = "http.ssl.keystore.password";
    public static final String HTTP_SSL_KEYSTORE_TYPE = "http.ssl.keystore.type";
    public static final String HTTP_SSL_KEY_PASSWORD = "http.ssl.key.password";
    public static final String HTTP_SSL_TRUSTSTORE_LOCATION = "http.ssl.truststore.location";
    public static final String HTTP_SSL_TRUSTSTORE_PASSWORD = "http.ssl.truststore.password";
    public static final String HTTP_SSL_TRUSTSTORE_TYPE = "http.ssl.truststore.type";

    /** The prefix of environment variables that override settings. */
    public static final String ENVIRONMENT_PREFIX = "BACKSTREAM_";

    /**
     * Variables with that prefix that are no settings: {@code bin/backstream}'s JVM options (like Kafka's
     * {@code KAFKA_HEAP_OPTS} and {@code KAFKA_OPTS}); never read as settings, so never passed on to Kafka Streams.
     */
    public static final java.util.Set<String> LAUNCHER_VARIABLES = java.util.Set.of("BACKSTREAM_HEAP_OPTS", "BACKSTREAM_OPTS");

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, "localhost:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka brokers to connect to, host:port[,host:port...].")
            .define(APPLICATION_ID, Type.STRING, "backstream", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams application id: the consumer group, and the prefix of internal topics.")
            // Not under java.io.tmpdir, which the OS may clean (Kafka Streams warns at every start if it is there).
            .define(STATE_DIR, Type.STRING, System.getProperty("user.home") + "/.backstream/state", new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Directory of the RocksDB model stores; keep it out of temporary directories, which the OS may clean.")
            .define(PROCESSING_GUARANTEE, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                    ConfigDef.ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.HIGH,
                    "exactly_once_v2 (every sample applied exactly once, predictions published exactly once) or at_least_once.")
            .define(MODELS_DIR, Type.STRING, "models", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Directory of model definitions, one *.json file per model; a relative path resolves against the directory of the properties file.")
            .define(SAMPLES_TOPIC, Type.STRING, "backstream.samples", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Input: labeled samples, one SGD step each.")
            .define(SCORE_REQUESTS_TOPIC, Type.STRING, "backstream.score-requests", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Input: unlabeled samples to score with the current model.")
            .define(PREDICTIONS_TOPIC, Type.STRING, "backstream.predictions", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Output: one prediction per sample and per score request.")
            .define(SNAPSHOTS_TOPIC, Type.STRING, "backstream.model-snapshots", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Output (compacted): model snapshots in the backstream.mlp/v1 format.")
            .define(DEAD_LETTERS_TOPIC, Type.STRING, "backstream.dead-letters", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Output: records that could not be used, with the reason.")
            .define(METRICS_TOPIC, Type.STRING, "backstream.metrics", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Output: each model's prequential metrics in the backstream.metrics/v1 format, keyed by model id.")
            .define(CONTROL_TOPIC, Type.STRING, "backstream.control", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Input: commands that create, change and delete models (backstream.command/v1); as many partitions as the samples topic.")
            .define(MODEL_EVENTS_TOPIC, Type.STRING, "backstream.model-events", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Output: each command's outcome and each drift detection (backstream.model-event/v1), keyed by model id.")
            .define(EVENTS_TOPIC, Type.STRING, "backstream.events", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Input: raw events, encoded by their model's feature spec; learned when they carry their label, else scored and kept for a delayed label. As many partitions as the samples topic.")
            .define(LABELS_TOPIC, Type.STRING, "backstream.labels", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Input: delayed labels {\"model\", \"id\", \"label\"} joined to kept events by id; a label processed before its event waits for it. As many partitions as the samples topic.")
            .define(EVENTS_MODEL, Type.STRING, "", Importance.MEDIUM,
                    "The model of events and label records without a \"model\" field; empty: they must name their model.")
            .define(LABELS_TTL_MS, Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "A label is learned if its timestamp is at most this many milliseconds after its event's (record timestamps); later ones are LABEL_EXPIRED. A label processed before its event waits as long for it, then is UNKNOWN_EVENT_ID.")
            .define(LABELS_MAX_PENDING, Type.INT, 100_000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "The most events waiting for their labels and labels waiting for their events, per model; beyond it the oldest is evicted (an event counted in the metrics, a label an UNKNOWN_EVENT_ID dead letter).")
            .define(METRICS_WINDOW, Type.INT, 1000, ConfigDef.Range.between(1, MetricsSettings.MAX_WINDOW), Importance.MEDIUM,
                    "Window metrics (accuracy, log-loss, MAE, RMSE, class counts) cover a model's last this many labeled predictions.")
            .define(METRICS_FADING_FACTOR, Type.DOUBLE, 0.999, ConfigDef.Range.between(0.0, 1.0), Importance.MEDIUM,
                    "Fading metrics weigh the labeled prediction n steps back by this factor to the power n (1 = plain running mean).")
            .define(METRICS_INTERVAL_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Publish, every this many milliseconds of wall-clock time, the metrics of each model that changed since its last ones; 0 disables.")
            .define(METRICS_MODEL_SERIES_MAX, Type.INT, ModelSeriesSlots.DEFAULT_MAX, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "At most this many models per instance have per-model JMX (backstream-model-metrics) and Prometheus (backstream_model_*) series, the first to publish their metrics; the others are on the metrics topic and the HTTP API only.")
            .define(SNAPSHOT_EVERY_UPDATES, Type.LONG, 1000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Publish a snapshot of a model every this many updates (a model definition may override it).")
            .define(SNAPSHOT_INTERVAL_MS, Type.LONG, 10_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Also publish, every this many milliseconds of wall-clock time, a snapshot of each model that changed since its last one; 0 disables.")
            .define(SNAPSHOT_HISTORY, Type.INT, 10, ConfigDef.Range.between(0, 1000), Importance.MEDIUM,
                    "Each model keeps its last this many snapshots by update count (every snapshot.every.updates) in its store, so that a rollback command can name one; 0 keeps none.")
            .define(MAX_MODELS, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "The most models one task (one partition of the inputs) holds; a create command beyond it is rejected with TOO_MANY_MODELS.")
            .define(MODELS_EVICT_IDLE_MS, Type.LONG, 600_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "A model that no record, command or score request used for this many milliseconds of wall-clock time, with nothing to publish or commit, leaves memory; it stays in the store and its next record decodes it again, bit-identical. 0 keeps every model in memory.")
            .define(COMMIT_EAGER_INTERVAL_MS, Type.LONG, 100L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Each stream thread asks for a commit this often (predictions become visible to read_committed consumers at commits) while a commit is cheap: the models it writes take at most 1 MiB, or, beyond the first, there is one per commit.eager.records.per.model records since the last commit (a commit with outputs and no changed model is cheap too); otherwise commits wait for commit.interval.ms (2000 by default here), so that with many models each is written once for many records. 0: commits follow commit.interval.ms only.")
            .define(COMMIT_EAGER_RECORDS_PER_MODEL, Type.INT, 256, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "See commit.eager.interval.ms: beyond 1 MiB of changed models, an early commit is taken once there is one changed model (beyond the first) per this many records processed since the last commit.")
            .define(MAX_RECORD_BYTES, Type.INT, 1_048_576, ConfigDef.Range.atLeast(16), Importance.LOW,
                    "Input records larger than this many bytes go to dead letters unparsed (RECORD_TOO_LARGE).")
            .define(MAX_FEATURES, Type.INT, 1_000_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Feature or target arrays longer than this are rejected while parsing (RECORD_TOO_LARGE).")
            .define(DEAD_LETTER_MAX_VALUE_BYTES, Type.INT, 65_536, ConfigDef.Range.atLeast(64), Importance.LOW,
                    "A dead letter copies at most this many bytes of the record's value, and of its key, as JSON text (escapes and base64 "
                            + "included); longer ones are cut and marked valueTruncated/keyTruncated with their size. Lowered if needed so "
                            + "that every dead letter fits the producer's max.request.size.")
            .define(HTTP_PORT, Type.INT, 8080, ConfigDef.Range.between(0, 65535), Importance.MEDIUM,
                    "Port of the HTTP server (models API, dashboard, GET /metrics); 0 picks a free port, which the log names.")
            .define(HTTP_BIND, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address the HTTP server listens on; the default answers only on this host, 0.0.0.0 on every interface (e.g. in a container).")
            .define(HTTP_ADVERTISED_HOST, Type.STRING, "", Importance.MEDIUM,
                    "Host name the other instances reach this one's HTTP server at (Kafka Streams' application.server, with the port listened "
                            + "on); empty: http.bind, or this machine's name when bound to every interface.")
            .define(HTTP_MAX_BATCH, Type.INT, 1000, ConfigDef.Range.between(1, 1_000_000), Importance.LOW,
                    "The most feature arrays one POST /models/{id}/predict may hold in \"instances\".")
            .define(HTTP_MAX_BODY_BYTES, Type.INT, 16 * 1024 * 1024, ConfigDef.Range.atLeast(1024), Importance.LOW,
                    "Request bodies larger than this are refused with 413 (REQUEST_TOO_LARGE).")
            .define(HTTP_TOKEN, Type.PASSWORD, null, Importance.MEDIUM,
                    "Bearer token the endpoints that change models (create, update, reset, rollback, pause, resume, delete) require; "
                            + "unset: those endpoints are disabled (403).")
            .define(HTTP_SSL_KEYSTORE_LOCATION, Type.STRING, "", Importance.MEDIUM,
                    "Key store with the HTTP server's certificate and key; when set, the server speaks only HTTPS (and forwards to other instances over HTTPS).")
            .define(HTTP_SSL_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "Password of the HTTP key store.")
            .define(HTTP_SSL_KEYSTORE_TYPE, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"), Importance.LOW,
                    "Type of the HTTP key store.")
            .define(HTTP_SSL_KEY_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Password of the key in the HTTP key store, if it differs from the store's.")
            .define(HTTP_SSL_TRUSTSTORE_LOCATION, Type.STRING, "", Importance.LOW,
                    "Trust store for the other instances' HTTPS certificates when forwarding; empty: the JVM's default trust.")
            .define(HTTP_SSL_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Password of the HTTP trust store.")
            .define(HTTP_SSL_TRUSTSTORE_TYPE, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"), Importance.LOW,
                    "Type of the HTTP trust store.");

    private final Map<String, String> passThrough;
    private final Path baseDirectory;

    /**
     * @param properties    settings; unknown ones are passed through to Kafka Streams
     * @param baseDirectory where relative paths (models.dir) resolve
     * @throws ConfigException naming the setting and the bad value
     */
    public BackstreamConfig(Map<String, String> properties, Path baseDirectory) {
        super(CONFIG, properties, false);
        this.baseDirectory = baseDirectory;
        Map<String, String> rest = new HashMap<>(properties);
        rest.keySet().removeAll(CONFIG.names());
        rest.keySet().removeIf(name -> name.equals(StreamsConfig.APPLICATION_ID_CONFIG));
        this.passThrough = Map.copyOf(rest);
    }

    /** Loads a properties file, then applies {@code BACKSTREAM_*} variables from {@code environment}. */
    public static BackstreamConfig load(Path file, Map<String, String> environment) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).trim()));
        values.putAll(fromEnvironment(environment));
        Path base = file.toAbsolutePath().getParent();
        return new BackstreamConfig(values, base);
    }

    /** The settings named by {@code BACKSTREAM_*} variables. */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENVIRONMENT_PREFIX) && name.length() > ENVIRONMENT_PREFIX.length() && !LAUNCHER_VARIABLES.contains(name)) {
                values.put(propertyName(name), value);
            }
        });
        return values;
    }

    /** {@code BACKSTREAM_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}. */
    public static String propertyName(String environmentVariable) {
        return environmentVariable.substring(ENVIRONMENT_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** {@code bootstrap.servers} → {@code BACKSTREAM_BOOTSTRAP_SERVERS}. */
    public static String environmentVariable(String propertyName) {
        return ENVIRONMENT_PREFIX + propertyName.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public String applicationId() {
        return getString(APPLICATION_ID);
    }

    public String stateDir() {
        return getString(STATE_DIR);
    }

    public String processingGuarantee() {
        return getString(PROCESSING_GUARANTEE);
    }

    public Path modelsDir() {
        Path dir = Path.of(getString(MODELS_DIR));
        return dir.isAbsolute() || baseDirectory == null ? dir : baseDirectory.resolve(dir).normalize();
    }

    public long snapshotEveryUpdates() {
        return getLong(SNAPSHOT_EVERY_UPDATES);
    }

    public long snapshotIntervalMs() {
        return getLong(SNAPSHOT_INTERVAL_MS);
    }

    public int maxRecordBytes() {
        return getInt(MAX_RECORD_BYTES);
    }

    public int maxFeatures() {
        return getInt(MAX_FEATURES);
    }

    /** The configured {@value #DEAD_LETTER_MAX_VALUE_BYTES}; the limit applied is {@code StreamsSettings.deadLetterFieldBytes}. */
    public int deadLetterMaxValueBytes() {
        return getInt(DEAD_LETTER_MAX_VALUE_BYTES);
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    public String httpBind() {
        return getString(HTTP_BIND);
    }

    public String httpAdvertisedHost() {
        return getString(HTTP_ADVERTISED_HOST);
    }

    public long commitEagerIntervalMs() {
        return getLong(COMMIT_EAGER_INTERVAL_MS);
    }

    public int commitEagerRecordsPerModel() {
        return getInt(COMMIT_EAGER_RECORDS_PER_MODEL);
    }

    public long modelsEvictIdleMs() {
        return getLong(MODELS_EVICT_IDLE_MS);
    }

    public int snapshotHistory() {
        return getInt(SNAPSHOT_HISTORY);
    }

    public int maxModels() {
        return getInt(MAX_MODELS);
    }

    public int httpMaxBatch() {
        return getInt(HTTP_MAX_BATCH);
    }

    public int httpMaxBodyBytes() {
        return getInt(HTTP_MAX_BODY_BYTES);
    }

    /** The value of a setting of type password, or null if unset. */
    public String password(String name) {
        org.apache.kafka.common.config.types.Password password = getPassword(name);
        return password == null ? null : password.value();
    }

    public int metricsWindow() {
        return getInt(METRICS_WINDOW);
    }

    public double metricsFadingFactor() {
        return getDouble(METRICS_FADING_FACTOR);
    }

    public long metricsIntervalMs() {
        return getLong(METRICS_INTERVAL_MS);
    }

    /** {@code metrics.model.series.max}: the most models of this instance with per-model metric series. */
    public int metricsModelSeriesMax() {
        return getInt(METRICS_MODEL_SERIES_MAX);
    }

    /** The ten topic names. */
    public Topics topics() {
        return new Topics(getString(SAMPLES_TOPIC), getString(SCORE_REQUESTS_TOPIC), getString(PREDICTIONS_TOPIC),
                getString(SNAPSHOTS_TOPIC), getString(DEAD_LETTERS_TOPIC), getString(METRICS_TOPIC),
                getString(CONTROL_TOPIC), getString(MODEL_EVENTS_TOPIC), getString(EVENTS_TOPIC), getString(LABELS_TOPIC));
    }

    /** Raw events and delayed labels: {@code events.model} (null if empty), {@code labels.ttl.ms}, {@code labels.max.pending}. */
    public EventSettings eventSettings() {
        String model = getString(EVENTS_MODEL);
        return new EventSettings(model.isEmpty() ? null : model, getLong(LABELS_TTL_MS), getInt(LABELS_MAX_PENDING));
    }

    /** Settings that are not Backstream's own, for Kafka Streams and its clients. */
    public Map<String, String> passThrough() {
        return passThrough;
    }

    /**
     * Properties for an admin client of Backstream's own (topic checks and creation), connecting as Kafka Streams'
     * clients do: {@code bootstrap.servers}, every pass-through setting an admin client knows (so security settings
     * apply), then any {@code admin.}-prefixed setting, which wins as it does for Kafka Streams' admin client.
     */
    public Map<String, Object> adminProperties() {
        Map<String, Object> properties = new HashMap<>();
        passThrough.forEach((name, value) -> {
            if (AdminClientConfig.configNames().contains(name)) {
                properties.put(name, value);
            }
        });
        String adminPrefix = StreamsConfig.ADMIN_CLIENT_PREFIX;
        passThrough.forEach((name, value) -> {
            if (name.startsWith(adminPrefix) && AdminClientConfig.configNames().contains(name.substring(adminPrefix.length()))) {
                properties.put(name.substring(adminPrefix.length()), value);
            }
        });
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /**
     * Properties for a producer of Backstream's own (the HTTP API's commands), connecting as Kafka Streams' clients do:
     * every pass-through setting a producer knows, then {@code producer.}-prefixed ones, which win. A transactional id
     * is never taken over: Kafka Streams' producers own those.
     */
    public Map<String, Object> producerProperties() {
        Map<String, Object> properties = clientProperties(ProducerConfig.configNames(), StreamsConfig.PRODUCER_PREFIX);
        properties.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        return properties;
    }

    /**
     * Properties for a consumer of Backstream's own that reads without a group (the HTTP API's model events): every
     * pass-through setting a consumer knows, then {@code consumer.}-prefixed ones, which win; group settings
     * ({@code group.id}, {@code group.instance.id}) are Kafka Streams' and never taken over.
     */
    public Map<String, Object> consumerProperties() {
        Map<String, Object> properties = clientProperties(ConsumerConfig.configNames(), StreamsConfig.CONSUMER_PREFIX);
        properties.remove(ConsumerConfig.GROUP_ID_CONFIG);
        properties.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        properties.remove(ConsumerConfig.CLIENT_ID_CONFIG);
        return properties;
    }

    private Map<String, Object> clientProperties(java.util.Set<String> names, String prefix) {
        Map<String, Object> properties = new HashMap<>();
        passThrough.forEach((name, value) -> {
            if (names.contains(name)) {
                properties.put(name, value);
            }
        });
        passThrough.forEach((name, value) -> {
            if (name.startsWith(prefix) && names.contains(name.substring(prefix.length()))) {
                properties.put(name.substring(prefix.length()), value);
            }
        });
        properties.remove(ProducerConfig.CLIENT_ID_CONFIG);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /**
     * Every setting, Backstream's own and the pass-through ones, one {@code name=value} line each, sorted by name; the
     * value of every secret is {@value org.apache.kafka.common.config.types.Password#HIDDEN} ({@link Secrets}).
     */
    public String effectiveSettings() {
        Map<String, Object> all = new java.util.TreeMap<>(passThrough());
        for (String name : CONFIG.names()) {
            all.put(name, values().get(name));
        }
        StringBuilder lines = new StringBuilder();
        all.forEach((name, value) -> lines.append(name).append('=').append(Secrets.printable(name, value)).append('\n'));
        return lines.toString();
    }
}
