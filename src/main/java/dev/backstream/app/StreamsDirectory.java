package dev.backstream.app;

import dev.backstream.http.ModelDirectory;
import dev.backstream.stream.BackstreamTopology;
import dev.backstream.stream.CommittedModels;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.HostInfo;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@link ModelDirectory} of a running application, from Kafka Streams' metadata: every instance advertises its HTTP
 * address as {@code application.server}, and the model store's key (the model id, partitioned like the samples keyed by
 * it) tells which task, and so which instance, owns a model.
 */
final class StreamsDirectory implements ModelDirectory {
    private final StringSerializer keys = new StringSerializer();
    private final CommittedModels models;
    private volatile String self;
    private volatile KafkaStreams streams;

    StreamsDirectory(CommittedModels models) {
        this.models = models;
    }

    /** Sets this instance's advertised address (known once the HTTP server listens) and the Kafka Streams instance. */
    void attach(String self, KafkaStreams streams) {
        this.self = self;
        this.streams = streams;
    }

    @Override
    public String self() {
        return self;
    }

    @Override
    public Optional<Placement> placement(String id) {
        KafkaStreams running = streams;
        if (running == null) {
            return Optional.empty();
        }
        KeyQueryMetadata metadata;
        try {
            metadata = running.queryMetadataForKey(BackstreamTopology.STORE, id, keys);
        } catch (StreamsException | IllegalStateException e) { // not started, or shutting down
            return Optional.empty();
        }
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Optional.empty();
        }
        return Optional.of(new Placement(address(metadata.activeHost()), metadata.partition(),
                metadata.standbyHosts().stream().map(StreamsDirectory::address).sorted().toList()));
    }

    @Override
    public List<String> instances() {
        KafkaStreams running = streams;
        if (running == null) {
            return List.of();
        }
        try {
            return running.metadataForAllStreamsClients().stream().map(m -> address(m.hostInfo())).distinct().sorted().toList();
        } catch (StreamsException | IllegalStateException e) {
            return List.of();
        }
    }

    @Override
    public Readiness readiness() {
        KafkaStreams running = streams;
        if (running == null) {
            return new Readiness(false, "NOT_STARTED", "Kafka Streams has not started");
        }
        KafkaStreams.State state = running.state();
        if (state != KafkaStreams.State.RUNNING) {
            return new Readiness(false, state.name(), "Kafka Streams is " + state);
        }
        Set<Integer> owned = new TreeSet<>();
        try {
            for (StreamsMetadata instance : running.streamsMetadataForStore(BackstreamTopology.STORE)) {
                if (address(instance.hostInfo()).equals(self)) {
                    instance.topicPartitions().stream().map(TopicPartition::partition).forEach(owned::add);
                }
            }
        } catch (StreamsException | IllegalStateException e) {
            return new Readiness(false, state.name(), "the task assignment is not known yet");
        }
        Set<Integer> restoring = new TreeSet<>(owned);
        restoring.removeAll(models.servedPartitions());
        if (!restoring.isEmpty()) {
            return new Readiness(false, state.name(), "restoring the models of partition(s) " + restoring);
        }
        return new Readiness(true, state.name(), null);
    }

    @Override
    public Optional<byte[]> standbyValue(String id, int partition) {
        KafkaStreams running = streams;
        if (running == null) {
            return Optional.empty();
        }
        try {
            StateQueryResult<byte[]> result = running.query(StateQueryRequest.inStore(BackstreamTopology.STORE)
                    .withQuery(KeyQuery.<String, byte[]>withKey(id)).withPartitions(Set.of(partition)));
            QueryResult<byte[]> answer = result.getPartitionResults().get(partition);
            return answer != null && answer.isSuccess() ? Optional.ofNullable(answer.getResult()) : Optional.empty();
        } catch (StreamsException | IllegalStateException e) { // InvalidStateStoreException among them
            return Optional.empty();
        }
    }

    static String address(HostInfo host) {
        return host.host() + ":" + host.port();
    }
}
