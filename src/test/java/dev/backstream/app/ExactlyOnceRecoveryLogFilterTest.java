package dev.backstream.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.apache.kafka.streams.processor.internals.ProcessorStateManager;
import org.apache.kafka.streams.processor.internals.StateDirectory;
import org.apache.kafka.streams.processor.internals.StreamThread;
import org.apache.kafka.streams.processor.internals.TaskManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The filter sees Kafka's messages as Kafka Streams' loggers hand them to Logback: most through Kafka's own
 * {@link LogContext} (formatted, with a prefix, without arguments), {@code StateDirectory} through plain SLF4J.
 */
@DisplayName("The log of an exactly-once recovery after a crash")
class ExactlyOnceRecoveryLogFilterTest {
    private static final List<Class<?>> LOGGERS = List.of(StateDirectory.class, ProcessorStateManager.class, TaskManager.class,
            StreamThread.class, ExactlyOnceRecoveryLogFilter.class);
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final LogContext kafka = new LogContext("stream-thread [app-1-StreamThread-1] ");

    /** The filter as logback.xml installs it, and an appender on the loggers of the messages concerned. */
    @BeforeEach
    void install() {
        context.resetTurboFilterList();
        context.addTurboFilter(new ExactlyOnceRecoveryLogFilter());
        appender.setContext(context);
        appender.start();
        LOGGERS.forEach(c -> {
            context.getLogger(c).addAppender(appender);
            context.getLogger(c).setLevel(Level.INFO);
        });
    }

    @AfterEach
    void uninstall() {
        LOGGERS.forEach(c -> {
            context.getLogger(c).detachAppender(appender);
            context.getLogger(c).setLevel(null);
        });
        context.resetTurboFilterList(); // back to logback-test.xml's filters
        context.addTurboFilter(new ExactlyOnceRecoveryLogFilter());
        context.addTurboFilter(new RecoverableMetadataLogFilter());
    }

    private Logger kafkaLogger(Class<?> type) {
        return kafka.logger(type);
    }

    private List<String> logged() {
        return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void isOneInfoLinePerTaskInsteadOfWarningsAndAnError() {
        TaskCorruptedException corrupted = new TaskCorruptedException(Set.of(new TaskId(0, 0)));
        LoggerFactory.getLogger(StateDirectory.class) // a plain SLF4J logger in Kafka Streams 4.3, unlike the others
                .warn("Failed to register startup state stores for task {}: {}", new TaskId(0, 0), corrupted.getMessage());
        kafkaLogger(ProcessorStateManager.class)
                .warn("State store {} did not find checkpoint offsets while stores are not empty, since under EOS it has the risk of getting "
                        + "uncommitted data in stores we have to treat it as a task corruption error and wipe out the local state of task {} "
                        + "before re-bootstrapping", "models", new TaskId(0, 0));
        kafkaLogger(TaskManager.class)
                .error("Get exceptions for the following tasks: {}", Map.of(new TaskId(0, 0), corrupted));
        kafkaLogger(StreamThread.class).warn("Detected the states of tasks are corrupted", corrupted);

        assertEquals(List.of("INFO task 0_0: its store was left without a checkpoint by an unclean shutdown; as exactly-once requires, it is "
                + "wiped and restored from its changelog (normal recovery, nothing is lost)"), logged());
    }

    @Test
    void letsEveryOtherErrorThrough() {
        Map<TaskId, RuntimeException> exceptions = new LinkedHashMap<>();
        exceptions.put(new TaskId(0, 0), new TaskCorruptedException(Set.of(new TaskId(0, 0))));
        exceptions.put(new TaskId(0, 1), new TaskMigratedException("fenced"));
        kafkaLogger(TaskManager.class).error("Get exceptions for the following tasks: {}", exceptions);
        kafkaLogger(StreamThread.class).error("Encountered the following exception", new IllegalStateException("boom"));

        assertEquals(2, logged().size(), logged().toString());
        assertEquals("ERROR", logged().get(0).substring(0, 5));
    }
}
