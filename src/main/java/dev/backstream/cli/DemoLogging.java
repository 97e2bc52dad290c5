package dev.backstream.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * The demo's logging: the demo's own lines are the point, so the application logs warnings and errors only, and Kafka (the embedded broker, the clients and Kafka
 * Streams) logs at INFO to a file, and only Kafka's errors still reach the console. The broker logs retriable
 * conditions as errors during normal operation (Kafka 4.3's transactions v2 logs {@code OutOfOrderSequenceException}
 * from {@code ReplicaManager}), so its loggers go to the file alone.
 *
 * <p>Left as configured when the user chose a configuration ({@code -Dlogback.configurationFile}) or Kafka's level
 * ({@code -Dbackstream.log.kafka}).
 */
final class DemoLogging {
    /** Loggers of the broker and controller (the clients and Kafka Streams use {@code org.apache.kafka.clients}, {@code .common}, {@code .streams}). */
    private static final List<String> BROKER_LOGGERS = List.of("kafka", "state.change.logger", "org.apache.kafka.server",
            "org.apache.kafka.controller", "org.apache.kafka.raft", "org.apache.kafka.metadata", "org.apache.kafka.image",
            "org.apache.kafka.storage", "org.apache.kafka.coordinator", "org.apache.kafka.network", "org.apache.kafka.queue",
            "org.apache.kafka.snapshot", "org.apache.kafka.security", "org.apache.kafka.timeline", "org.apache.kafka.deferred");

    private DemoLogging() {
    }

    /** Whether the user chose how Kafka logs, in which case the demo leaves logging alone. */
    static boolean userConfigured() {
        return System.getProperty("logback.configurationFile") != null || System.getProperty("backstream.log.kafka") != null
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext);
    }

    /** Sends Kafka's logs to {@code file}; Kafka's clients' and Kafka Streams' errors also to the console. */
    static void kafkaToFile(Path file) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> toFile = new FileAppender<>();
        toFile.setContext(context);
        toFile.setName("kafka-file");
        toFile.setFile(file.toString());
        toFile.setEncoder(encoder);
        toFile.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> console = root.getAppender("console");
        Logger kafka = context.getLogger("org.apache.kafka");
        kafka.setLevel(Level.INFO);
        kafka.setAdditive(false);
        kafka.addAppender(toFile);
        if (console != null) {
            kafka.addAppender(errorsOnly(context));
        }
        // the application's own INFO lines (state changes, summaries) would interleave with the demo's progress lines
        context.getLogger("dev.backstream").setLevel(Level.WARN);
        for (String name : BROKER_LOGGERS) {
            Logger broker = context.getLogger(name);
            broker.setLevel(Level.INFO);
            broker.setAdditive(false);
            broker.addAppender(toFile);
        }
    }

    /** A second console appender, for errors only (a logger's level applies to all its appenders). */
    private static Appender<ILoggingEvent> errorsOnly(LoggerContext context) {
        ThresholdFilter errors = new ThresholdFilter();
        errors.setLevel("ERROR");
        errors.start();
        ch.qos.logback.core.ConsoleAppender<ILoggingEvent> appender = new ch.qos.logback.core.ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("kafka-errors");
        appender.setTarget("System.err");
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        encoder.start();
        appender.setEncoder(encoder);
        appender.addFilter(errors);
        appender.start();
        return appender;
    }
}
