package dev.backstream.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.Map;

/**
 * Replaces Kafka Streams' account of a normal exactly-once recovery, an ERROR and two WARNs with stack traces, by one
 * INFO line per task. Installed by {@code logback.xml}.
 *
 * <p>After a crash (kill -9, power loss) under exactly-once, a task's RocksDB store has no checkpoint, so it may hold
 * uncommitted writes. Kafka Streams then wipes the store and restores it from the changelog: nothing is lost, and there
 * is nothing for an operator to do. It reports this as {@code TaskCorruptedException}: a WARN from
 * {@code ProcessorStateManager} naming the store, an ERROR from {@code TaskManager} ("Get exceptions for the following
 * tasks") and WARNs with stack traces from {@code TaskManager} and {@code StreamThread}. This filter drops exactly those
 * events (a throwable or a task-to-exception map made only of {@code TaskCorruptedException}, and that one WARN), so
 * any other error of those loggers still shows.
 */
public final class ExactlyOnceRecoveryLogFilter extends TurboFilter {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(BackstreamApp.class);
    private static final String NO_CHECKPOINT = "State store {} did not find checkpoint offsets while stores are not empty";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // Called for every logging call before its level is checked: the common case returns after two type checks.
        if (t instanceof TaskCorruptedException) {
            return FilterReply.DENY;
        }
        if (params == null || params.length == 0 || format == null || !logger.getName().startsWith("org.apache.kafka.streams.")) {
            return FilterReply.NEUTRAL;
        }
        if (params.length == 1 && params[0] instanceof Map<?, ?> failures && !failures.isEmpty()
                && failures.values().stream().allMatch(TaskCorruptedException.class::isInstance)) {
            return FilterReply.DENY;
        }
        if (params.length >= 2 && format.startsWith(NO_CHECKPOINT)) {
            LOG.info("task {}: store {} was left without a checkpoint by an unclean shutdown; as exactly-once requires, it is wiped "
                    + "and restored from its changelog (normal recovery, nothing is lost)", params[1], params[0]);
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
