package dev.backstream.http;

import java.util.List;
import java.util.Optional;

/**
 * What the HTTP API needs to know about the application's instances: who this one is, which instance owns a model,
 * whether this one is ready, and what a standby replica here holds. The application implements it with Kafka Streams'
 * metadata ({@code application.server}); tests may implement it directly.
 */
public interface ModelDirectory {

    /** Where a model's task lives: the instance running it (host:port), its partition, and instances with standbys. */
    record Placement(String active, int partition, List<String> standbys) {
        public Placement {
            standbys = List.copyOf(standbys);
        }
    }

    /** Whether this instance serves: Kafka Streams' state, and whether all its active tasks have started. */
    record Readiness(boolean ready, String state, String reason) {
    }

    /** This instance's advertised address, {@code host:port}, as the other instances reach it. */
    String self();

    /** The placement of model {@code id}'s task; empty while it is unknown (before the first assignment, rebalancing). */
    Optional<Placement> placement(String id);

    /** Every instance of the application, this one included, as {@code host:port}; empty while unknown. */
    List<String> instances();

    /** Whether this instance is ready to serve its models. */
    Readiness readiness();

    /**
     * The stored value of model {@code id} in a standby replica of {@code partition} on this instance, if there is one
     * and it holds the model.
     */
    Optional<byte[]> standbyValue(String id, int partition);
}
