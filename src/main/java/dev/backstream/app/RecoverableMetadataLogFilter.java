package dev.backstream.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the Kafka clients' WARN "The metadata response from the cluster reported a recoverable issue", which a normal
 * first start logs several times while Kafka Streams creates its internal repartition and changelog topics
 * ({@code UNKNOWN_TOPIC_OR_PARTITION} until they exist). Installed by {@code logback.xml}.
 *
 * <p>Kafka itself calls the condition recoverable and retries; the topics the operator must create are checked at
 * start-up ({@link StartupChecks#checkBeforeStart}) with a message naming them, and a topic lost while running fails the
 * stream thread with its own error. Every other NetworkClient warning (an unreachable broker, for one) still shows.
 */
public final class RecoverableMetadataLogFilter extends TurboFilter {
    private static final String NETWORK_CLIENT = "org.apache.kafka.clients.NetworkClient";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == Level.WARN && format != null && logger.getName().equals(NETWORK_CLIENT)
                && format.contains("The metadata response from the cluster reported a recoverable issue")) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
