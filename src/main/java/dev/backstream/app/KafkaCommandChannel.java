package dev.backstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.http.CommandChannel;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP API's commands on Kafka, one per application instance: an idempotent producer ({@code acks=all}) writes
 * each command to the control topic keyed by its model, and one {@code read_committed} consumer without a group tails
 * the model-events topic from where it ended when the channel opened, completing the waiting write whose command id
 * an event carries. Events of commands nobody waits for here (other instances', other tools') are skipped.
 */
final class KafkaCommandChannel implements CommandChannel, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaCommandChannel.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String controlTopic;
    private final String eventsTopic;
    private final Map<String, Object> producerSettings;
    private final Map<String, Object> consumerSettings;
    private final Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
    private volatile KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread reader;
    private volatile boolean closed;

    KafkaCommandChannel(BackstreamConfig config) {
        this.controlTopic = config.topics().control();
        this.eventsTopic = config.topics().modelEvents();
        this.producerSettings = new HashMap<>(config.producerProperties());
        producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
        producerSettings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerSettings.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000"); // an unknown topic fails the write, not the HTTP thread's minute
        producerSettings.put(ProducerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-http-commands");
        this.consumerSettings = new HashMap<>(config.consumerProperties());
        consumerSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerSettings.put(ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-http-model-events");
    }

    /**
     * Connects: positions the consumer at the current end of every partition of the model-events topic (so that the
     * event of any command sent from now on is read), then starts reading and accepts commands.
     *
     * @throws KafkaException if the broker cannot be reached or the topic is not readable
     */
    synchronized void open() {
        consumer = new KafkaConsumer<>(consumerSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(eventsTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(eventsTopic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolves the end offsets now, before any command is sent
            producer = new KafkaProducer<>(producerSettings, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        reader = new Thread(this::read, "backstream-model-events");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public CompletableFuture<byte[]> send(ModelCommand command) {
        KafkaProducer<byte[], byte[]> open = producer;
        if (open == null || closed) {
            throw new IllegalStateException("the application is " + (closed ? "stopping" : "starting"));
        }
        CompletableFuture<byte[]> outcome = new CompletableFuture<>();
        waiting.put(command.id(), outcome);
        outcome.whenComplete((event, failure) -> waiting.remove(command.id(), outcome)); // also when the caller gives up
        try {
            open.send(new ProducerRecord<>(controlTopic, command.model().getBytes(StandardCharsets.UTF_8), command.toJson()),
                    (metadata, failure) -> {
                        if (failure != null) {
                            outcome.completeExceptionally(failure);
                        }
                    });
        } catch (KafkaException e) {
            outcome.completeExceptionally(e);
        }
        return outcome;
    }

    /** The reading thread: hands each event of an awaited command to its writer. */
    private void read() {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (waiting.isEmpty() || record.value() == null) {
                        continue;
                    }
                    String commandId = commandId(record.value());
                    CompletableFuture<byte[]> outcome = commandId == null ? null : waiting.get(commandId);
                    if (outcome != null) {
                        outcome.complete(record.value());
                    }
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                LOG.error("reading {} stopped unexpectedly; writes over HTTP will time out", eventsTopic, e);
            }
        } catch (RuntimeException e) {
            LOG.error("reading {} failed; writes over HTTP will time out (504) until the application restarts", eventsTopic, e);
        } finally {
            consumer.close(Duration.ZERO);
        }
    }

    private static String commandId(byte[] event) {
        try {
            JsonNode id = Json.MAPPER.readTree(event).get("commandId");
            return id != null && id.isTextual() ? id.asText() : null;
        } catch (IOException e) {
            return null; // not an event of ours to read
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (reader != null) {
            consumer.wakeup();
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        KafkaProducer<byte[], byte[]> open = producer;
        if (open != null) {
            open.close(Duration.ofSeconds(5));
        }
    }
}
