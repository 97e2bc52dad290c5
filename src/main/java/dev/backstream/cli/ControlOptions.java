package dev.backstream.cli;

import dev.backstream.app.BackstreamConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The options of every {@code backstream models} subcommand that sends a command (a picocli mixin): where the broker
 * and the two topics are, how long to wait for the outcome, and how to print it.
 */
final class ControlOptions {
    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "Kafka brokers.")
    String bootstrapServers;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Client settings for a secured cluster (security.protocol, sasl.*, ssl.*), as for Kafka's own tools.")
    Path commandConfig;

    @Option(names = "--control-topic", paramLabel = "TOPIC", defaultValue = ControlOptions.DEFAULT_CONTROL_TOPIC,
            description = "The application's control topic (" + BackstreamConfig.CONTROL_TOPIC + "; default: ${DEFAULT-VALUE}).")
    String controlTopic;

    @Option(names = "--events-topic", paramLabel = "TOPIC", defaultValue = ControlOptions.DEFAULT_EVENTS_TOPIC,
            description = "The application's model-events topic (" + BackstreamConfig.MODEL_EVENTS_TOPIC + "; default: ${DEFAULT-VALUE}).")
    String eventsTopic;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for the command's outcome (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--no-wait", description = "Send the command and exit without waiting for its outcome.")
    boolean noWait;

    @Option(names = "--json", description = "Print the outcome as the model event's JSON instead of a sentence.")
    boolean json;

    /** {@link BackstreamConfig}'s default of {@value BackstreamConfig#CONTROL_TOPIC} (checked by a test). */
    static final String DEFAULT_CONTROL_TOPIC = "backstream.control";
    /** {@link BackstreamConfig}'s default of {@value BackstreamConfig#MODEL_EVENTS_TOPIC} (checked by a test). */
    static final String DEFAULT_EVENTS_TOPIC = "backstream.model-events";

    /** @throws CommandException if the timeout is not a positive number of seconds */
    Duration timeout() {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new CommandException("--timeout " + timeoutSeconds + ": expected a number of seconds > 0 and <= 86400");
        }
        return Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
    }
}
