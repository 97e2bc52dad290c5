package dev.backstream.app;

import dev.backstream.stream.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.HashMap;
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
     * (Kafka's clients would retry for a minute), that the application's user may READ each input and WRITE each output
     * (Kafka Streams notices a missing WRITE only when it first writes there, which for the snapshots, dead-letter and
     * metrics topics can be hours after start-up; the group, transactional-id and internal-topic permissions it uses at
     * once, and {@link BackstreamApp} explains their failure), that every topic the application reads or writes exists
     * (Kafka Streams notices a missing output topic only when the first record is produced, and then kills the stream
     * thread after {@code max.block.ms}), and that the input topics are co-partitioned: a model's task is the one that
     * owns partition {@code hash(model id) mod N} of both inputs, so different counts would split a model between two
     * tasks. One request describes the topics with the operations the user is authorized for.
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
            var described = admin.describeTopics(names, new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
            Map<String, Integer> partitions = new HashMap<>();
            List<String> unauthorized = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                AclOperation needed = topics.inputs().contains(name) ? AclOperation.READ : AclOperation.WRITE;
                try {
                    TopicDescription description = described.get(name).get(60, TimeUnit.SECONDS);
                    partitions.put(name, description.partitions().size());
                    Set<AclOperation> authorized = description.authorizedOperations();
                    // null: a broker that does not report them; without an authorizer a broker reports every operation
                    if (authorized != null && !authorized.contains(needed)) {
                        unauthorized.add(needed + " on topic " + name);
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        unauthorized.add(needed + " on topic " + name); // not even allowed to describe it
                    } else if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(name);
                    } else {
                        throw new IllegalStateException("cannot describe topic " + name + " on " + bootstrapServers + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            if (!unauthorized.isEmpty()) {
                throw new IllegalStateException("not authorized on " + bootstrapServers + ": the application's user needs "
                        + String.join("; ", unauthorized) + " (README: \"Secured clusters\" lists every ACL)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException((missing.size() == 1 ? "topic " + missing.get(0) + " does not exist"
                        : "topics " + String.join(", ", missing) + " do not exist") + " on " + bootstrapServers
                        + "; the application reads or writes it (create the topics first, see the README's topics table)");
            }
            if (topics.inputs().stream().map(partitions::get).distinct().count() > 1) {
                throw new IllegalStateException("the input topics must have the same number of partitions, so that each model has one owner: "
                        + topics.inputs().stream().map(topic -> topic + " has " + partitions.get(topic)).collect(java.util.stream.Collectors.joining(", ")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer within 60 s from " + bootstrapServers + " about the topics " + names, e);
        }
    }
}
