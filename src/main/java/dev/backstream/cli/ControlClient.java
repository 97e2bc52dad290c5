package dev.backstream.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.backstream.app.BrokerProbe;
import dev.backstream.broker.CommittedReader;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one command to the control topic and waits for its outcome on the model-events topic.
 *
 * <p>The end offsets of the events topic are taken before the command is produced, so the event that answers it is
 * after them whatever the timing; it is recognised by the command's id. The producer is idempotent with
 * {@code acks=all}; the events are read {@code read_committed}, as the application publishes them in transactions.
 */
final class ControlClient {
    /** What answered a command: the event and its JSON as published. */
    record Outcome(ModelEvent event, byte[] json) {
    }

    /** Tolerant of fields a later version of the v1 format may add. */
    private static final ObjectReader EVENTS = Json.MAPPER.readerFor(ModelEvent.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final ControlOptions options;
    private final Map<String, Object> client;
    private final Duration timeout;

    /** @throws CommandException if the options are unusable or the broker cannot be reached */
    ControlClient(ControlOptions options) {
        this.options = options;
        this.timeout = options.timeout();
        try {
            this.client = CommandConfig.clientSettings(options.commandConfig, options.bootstrapServers);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
    }

    /** Produces {@code command}, keyed by its model id, and returns once the broker acknowledged it. */
    void send(ModelCommand command) {
        long deadline = System.nanoTime() + timeout.toNanos();
        connect(deadline);
        produce(command, deadline);
    }

    /**
     * Produces {@code command} and waits for the event that carries its id.
     *
     * @return the outcome, or null if none arrived within the timeout
     */
    Outcome sendAndAwait(ModelCommand command) throws IOException {
        if (command.id() == null) {
            throw new IllegalArgumentException("a command without an id cannot be awaited");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        connect(deadline);
        Map<String, Object> consumer = new HashMap<>(client);
        consumer.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Outcome[] found = new Outcome[1];
        try (CommittedReader reader = new CommittedReader(consumer, options.eventsTopic)) {
            reader.skipToEnd(); // before producing: the answer cannot be missed
            produce(command, deadline);
            reader.readUntil(() -> found[0] != null, deadline, records -> {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    Outcome outcome = answer(command.id(), record.value());
                    if (outcome != null && found[0] == null) {
                        found[0] = outcome;
                    }
                }
            });
        } catch (KafkaException e) {
            throw new CommandException("reading " + options.eventsTopic + " failed: " + e.getMessage());
        }
        return found[0];
    }

    /** The outcome in {@code value} if it is the event of command {@code commandId}, else null (another command's, or unreadable). */
    static Outcome answer(String commandId, byte[] value) throws IOException {
        if (value == null) {
            return null;
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(value);
        } catch (IOException e) {
            return null; // not ours: ours is written by the application's one event writer
        }
        if (json == null || !commandId.equals(json.path("commandId").asText(null))) {
            return null;
        }
        try {
            return new Outcome(EVENTS.readValue(json), value);
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandException("the outcome of command " + commandId + " is not a " + ModelEvent.FORMAT + " event ("
                    + e.getMessage() + "): " + new String(value, StandardCharsets.UTF_8), CommandException.FAILED);
        }
    }

    /** A message for a command whose outcome did not arrive in time. */
    String timeoutMessage(ModelCommand command) {
        return "no outcome of command " + command.id() + " on " + options.eventsTopic + " within " + seconds(timeout)
                + ": the application may not be running, or may read another control topic than " + options.controlTopic
                + " (the command stays there and is applied when an application reads it)";
    }

    /** Fails with one line if the broker is unreachable or a topic is missing or not visible, before anything is sent. */
    private void connect(long deadline) {
        try {
            BrokerProbe.requireReachable(options.bootstrapServers);
        } catch (IllegalStateException e) {
            throw new CommandException(e.getMessage());
        }
        List<String> topics = options.noWait ? List.of(options.controlTopic) : List.of(options.controlTopic, options.eventsTopic);
        Properties properties = new Properties();
        properties.putAll(client);
        try (Admin admin = Admin.create(properties)) {
            for (String topic : topics) {
                try {
                    admin.describeTopics(List.of(topic)).allTopicNames().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        throw new CommandException("topic " + topic + " does not exist (is " + (topic.equals(options.controlTopic)
                                ? "--control-topic" : "--events-topic") + " the application's? it creates both when it starts)");
                    }
                    throw new CommandException("cannot describe topic " + topic + ": " + e.getCause().getMessage());
                }
            }
        } catch (TimeoutException e) {
            throw new CommandException("the broker at " + options.bootstrapServers + " did not answer within " + seconds(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted");
        } catch (KafkaException e) {
            throw new CommandException("cannot connect to " + options.bootstrapServers + ": " + e.getMessage());
        }
    }

    private void produce(ModelCommand command, long deadline) {
        Properties properties = new Properties();
        properties.putAll(client);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(remainingMillis(deadline)));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(options.controlTopic,
                command.model().getBytes(StandardCharsets.UTF_8), command.toJson());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(record).get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new CommandException("producing the command to " + options.controlTopic + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new CommandException("producing the command to " + options.controlTopic + " was not acknowledged within " + seconds(timeout)
                    + "; it may or may not have been written");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted");
        } catch (KafkaException e) {
            throw new CommandException("producing the command to " + options.controlTopic + " failed: " + e.getMessage());
        }
    }

    private static long remainingMillis(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() / 1000.0 + " s";
    }
}
