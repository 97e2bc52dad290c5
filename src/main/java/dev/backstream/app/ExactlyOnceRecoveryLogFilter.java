package dev.backstream.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces Kafka Streams' account of a normal exactly-once recovery, WARNs and an ERROR with stack traces, by one INFO
 * line per task. Installed by {@code logback.xml}.
 *
 * <p>After a crash (kill -9, power loss) under exactly-once, a task's RocksDB store has no checkpoint, so it may hold
 * uncommitted writes. Kafka Streams then wipes the store and restores it from the changelog: nothing is lost, and there
 * is nothing for an operator to do. Kafka Streams 4.3 reports it as {@code TaskCorruptedException}: a WARN from
 * {@code StateDirectory} ("Failed to register startup state stores for task ...") or from
 * {@code ProcessorStateManager} ("State store ... did not find checkpoint offsets while stores are not empty"), an
 * ERROR from {@code TaskManager} ("Get exceptions for the following tasks: {0_0=...TaskCorruptedException...}") and
 * WARNs with the exception's stack trace. This filter drops exactly those events and says once per task, at INFO,
 * what happened; any other message of those loggers still shows.
 *
 * <p>Most of Kafka's loggers format their messages themselves (with a prefix such as {@code stream-thread [...]})
 * before handing them to Logback, without arguments; {@code StateDirectory} logs through plain SLF4J, with arguments.
 * The filter matches the formatted text either way.
 */
public final class ExactlyOnceRecoveryLogFilter extends TurboFilter {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(ExactlyOnceRecoveryLogFilter.class);
    private static final Pattern STARTUP = Pattern.compile("Failed to register startup state stores for task (\\S+): "
            + "Tasks \\[[^]]*] are corrupted and hence need to be re-initialized");
    private static final Pattern NO_CHECKPOINT = Pattern.compile("State store (\\S+) did not find checkpoint offsets while stores are not "
            + "empty.*local state of task (\\S+) before re-bootstrapping", Pattern.DOTALL);
    private static final Pattern TASK_EXCEPTIONS = Pattern.compile("Get exceptions for the following tasks: \\{(.*)}", Pattern.DOTALL);
    private static final Pattern TASK_EXCEPTION = Pattern.compile("(?:^|, )\\d+_\\d+=([\\w.$]+)");
    private static final String CORRUPTED = TaskCorruptedException.class.getName();
    /** A task reported in the last minute is not reported again: one recovery logs several of these messages. */
    private static final long REPORT_AGAIN_AFTER_NANOS = 60_000_000_000L;

    private final Map<String, Long> reported = new ConcurrentHashMap<>();

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // Called for every logging call before its level is checked: the common case returns after a few comparisons.
        if (t instanceof TaskCorruptedException) {
            return FilterReply.DENY;
        }
        if (format == null || level.levelInt < Level.WARN_INT || !logger.getName().startsWith("org.apache.kafka.streams.")) {
            return FilterReply.NEUTRAL;
        }
        String message = params == null || params.length == 0 ? format : MessageFormatter.arrayFormat(format, params).getMessage();
        Matcher startup = STARTUP.matcher(message);
        if (startup.find()) {
            report(startup.group(1), null);
            return FilterReply.DENY;
        }
        Matcher noCheckpoint = NO_CHECKPOINT.matcher(message);
        if (noCheckpoint.find()) {
            report(noCheckpoint.group(2), noCheckpoint.group(1));
            return FilterReply.DENY;
        }
        Matcher exceptions = TASK_EXCEPTIONS.matcher(message);
        if (exceptions.find() && onlyCorruptedTasks(exceptions.group(1))) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    /** Whether every entry of a task-to-exception map's text is a {@code TaskCorruptedException}. */
    private static boolean onlyCorruptedTasks(String entries) {
        Matcher entry = TASK_EXCEPTION.matcher(entries);
        int found = 0;
        while (entry.find()) {
            if (!entry.group(1).equals(CORRUPTED)) {
                return false;
            }
            found++;
        }
        return found > 0;
    }

    private void report(String task, String store) {
        long now = System.nanoTime();
        Long last = reported.put(task, now);
        if (last == null || now - last > REPORT_AGAIN_AFTER_NANOS) {
            LOG.info("task {}: {} left without a checkpoint by an unclean shutdown; as exactly-once requires, it is wiped and "
                    + "restored from its changelog (normal recovery, nothing is lost)", task, store == null ? "its store was" : "store " + store + " was");
        }
    }
}
