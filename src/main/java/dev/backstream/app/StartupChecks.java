package dev.backstream.app;

import dev.backstream.stream.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the application checks before Kafka Streams starts, so that a mistake in the cluster's set-up is named at once
 * instead of failing later and less clearly.
 */
public final class StartupChecks {
    private StartupChecks() {
    }

    /**
     * Checks, before Kafka Streams starts, what would otherwise fail later and less clearly: that a broker answers
     * (Kafka's clients would retry for a minute), that the application's user has the topic permissions it needs
     * ({@link #missingPermissions}), that every topic the application reads or writes exists (Kafka Streams notices a
     * missing output topic only when the first record is produced, and then kills the stream thread after
     * {@code max.block.ms}), and that the input topics are co-partitioned: a model's task is the one that owns partition
     * {@code hash(model id) mod N} of both inputs, so different counts would split a model between two tasks.
     *
     * @param adminProperties admin client settings: bootstrap servers and, on a secured cluster, the security settings
     * @throws IllegalStateException naming the unreachable broker, every missing permission, every missing topic, or the
     *                               inputs' partition counts
     */
    public static void checkBeforeStart(Map<String, Object> adminProperties, Topics topics) {
        Object bootstrapServers = adminProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        BrokerProbe.requireReachable(String.valueOf(bootstrapServers));
        List<String> names = topics.all();
        try (Admin admin = Admin.create(adminProperties)) {
            List<String> unauthorized = missingPermissions(admin, topics);
            if (!unauthorized.isEmpty()) {
                throw new IllegalStateException("not authorized on " + bootstrapServers + ": the application's user needs "
                        + String.join("; ", unauthorized) + " (README: \"Secured clusters\" lists every ACL)");
            }
            Map<String, Integer> partitions = new HashMap<>();
            List<String> missing = new ArrayList<>();
            for (var topic : admin.describeTopics(names).topicNameValues().entrySet()) {
                try {
                    partitions.put(topic.getKey(), topic.getValue().get(60, TimeUnit.SECONDS).partitions().size());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw new IllegalStateException("cannot describe topic " + topic.getKey() + " on " + bootstrapServers + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                    missing.add(topic.getKey());
                }
            }
            if (!missing.isEmpty()) {
                missing.sort(Comparator.comparing(names::indexOf));
                throw new IllegalStateException((missing.size() == 1 ? "topic " + missing.get(0) + " does not exist"
                        : "topics " + String.join(", ", missing) + " do not exist") + " on " + bootstrapServers
                        + "; the application reads or writes it (create the topics first, see the README's topics table)");
            }
            int samples = partitions.get(topics.samples());
            int scores = partitions.get(topics.scoreRequests());
            if (samples != scores) {
                throw new IllegalStateException("the input topics must have the same number of partitions, so that each model has one owner: "
                        + topics.samples() + " has " + samples + ", " + topics.scoreRequests() + " has " + scores);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer within 60 s from " + bootstrapServers + " about the topics " + names, e);
        }
    }

    /**
     * The topic permissions the application's user lacks: READ on each input, WRITE on each output. Kafka Streams
     * notices a missing WRITE only when it first writes there, which for the snapshots and dead-letter topics can be
     * hours after start-up; everything else it checks at once (the consumer group, the transactional ids, the internal
     * topics) and fails with an authorization error that {@link BackstreamApp} explains. A topic the user may not even
     * describe is reported as missing the permission it needs; a topic that does not exist is left to the caller.
     *
     * @return one phrase per missing permission, e.g. {@code WRITE on topic backstream.dead-letters}; empty if none
     */
    static List<String> missingPermissions(Admin admin, Topics topics) throws InterruptedException, TimeoutException {
        Map<String, AclOperation> needed = new LinkedHashMap<>();
        needed.put(topics.samples(), AclOperation.READ);
        needed.put(topics.scoreRequests(), AclOperation.READ);
        needed.put(topics.predictions(), AclOperation.WRITE);
        needed.put(topics.snapshots(), AclOperation.WRITE);
        needed.put(topics.deadLetters(), AclOperation.WRITE);
        needed.put(topics.metrics(), AclOperation.WRITE);
        var described = admin.describeTopics(needed.keySet(), new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
        List<String> missing = new ArrayList<>();
        for (var topic : needed.entrySet()) {
            try {
                Set<AclOperation> authorized = described.get(topic.getKey()).get(60, TimeUnit.SECONDS).authorizedOperations();
                // null: a broker that does not report them; without an authorizer a broker reports every operation
                if (authorized != null && !authorized.contains(topic.getValue())) {
                    missing.add(topic.getValue() + " on topic " + topic.getKey());
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicAuthorizationException) {
                    missing.add(topic.getValue() + " on topic " + topic.getKey());
                } else if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic " + topic.getKey() + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        return missing;
    }
}
