package dev.backstream.app;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
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
import java.util.stream.Collectors;

/**
 * Creates the application's five topics (the snapshots topic compacted and accepting large snapshots) and waits until
 * every partition has a leader: producing earlier can silently expire a batch. Existing topics are left as they are.
 * Also checks, at start-up, that they exist ({@link #checkBeforeStart}).
 */
public final class TopicSetup {
    /** Largest snapshot message accepted by the snapshots topic created here. */
    public static final int SNAPSHOT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private TopicSetup() {
    }

    /** The topics, with {@code partitions} partitions for the inputs and predictions, one for the others. */
    public static List<NewTopic> topics(BackstreamConfig.Topics topics, int partitions) {
        return List.of(
                new NewTopic(topics.samples(), partitions, (short) 1),
                new NewTopic(topics.scoreRequests(), partitions, (short) 1),
                new NewTopic(topics.predictions(), partitions, (short) 1),
                new NewTopic(topics.snapshots(), 1, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(SNAPSHOT_MAX_MESSAGE_BYTES))),
                new NewTopic(topics.deadLetters(), 1, (short) 1));
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
    public static void checkBeforeStart(Map<String, Object> adminProperties, BackstreamConfig.Topics topics) {
        Object bootstrapServers = adminProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        BrokerProbe.requireReachable(String.valueOf(bootstrapServers));
        List<String> names = List.of(topics.samples(), topics.scoreRequests(), topics.predictions(), topics.snapshots(), topics.deadLetters());
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
    static List<String> missingPermissions(Admin admin, BackstreamConfig.Topics topics) throws InterruptedException, TimeoutException {
        Map<String, AclOperation> needed = new LinkedHashMap<>();
        needed.put(topics.samples(), AclOperation.READ);
        needed.put(topics.scoreRequests(), AclOperation.READ);
        needed.put(topics.predictions(), AclOperation.WRITE);
        needed.put(topics.snapshots(), AclOperation.WRITE);
        needed.put(topics.deadLetters(), AclOperation.WRITE);
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

    /** Creates {@link #topics} on the (plaintext) cluster at {@code bootstrapServers} and waits for their leaders. */
    public static void create(String bootstrapServers, BackstreamConfig.Topics topics, int partitions) {
        create(plaintext(bootstrapServers), topics(topics, partitions));
    }

    /** Creates {@link #topics} with an admin client of {@code adminProperties} and waits for their leaders. */
    public static void create(Map<String, Object> adminProperties, BackstreamConfig.Topics topics, int partitions) {
        create(adminProperties, topics(topics, partitions));
    }

    /** Creates any topics on the (plaintext) cluster at {@code bootstrapServers}; see {@link #create(Map, List)}. */
    public static void create(String bootstrapServers, List<NewTopic> wanted) {
        create(plaintext(bootstrapServers), wanted);
    }

    /**
     * Creates any topics (existing ones are kept) and waits until every partition has a leader hosting its log.
     *
     * @param adminProperties admin client settings: bootstrap servers and, on a secured cluster, the security settings
     */
    public static void create(Map<String, Object> adminProperties, List<NewTopic> wanted) {
        try (Admin admin = Admin.create(adminProperties)) {
            for (var result : admin.createTopics(wanted).values().values()) {
                try {
                    result.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topics " + wanted, e.getCause());
                    }
                }
            }
            List<String> names = wanted.stream().map(NewTopic::name).toList();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!allHaveLeaders(admin, names)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + names + " have no leader after 60 s");
                }
                Thread.sleep(50); // polling metadata: there is no leader-elected callback
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not create topics " + wanted, e);
        }
    }

    private static Map<String, Object> plaintext(String bootstrapServers) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /**
     * Whether every partition of {@code names} has a leader that already hosts its log; false while the new topics'
     * metadata is still propagating. A leader known to the metadata but without the log yet answers produce requests
     * with NOT_LEADER_OR_FOLLOWER, and Kafka 4.3.1's idempotent producer was seen to retry the first batch forever
     * after that (OUT_OF_ORDER_SEQUENCE_NUMBER) while appending the ones behind it.
     */
    private static boolean allHaveLeaders(Admin admin, List<String> names) throws InterruptedException, TimeoutException {
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        try {
            for (var description : admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS).values()) {
                for (var partition : description.partitions()) {
                    if (partition.leader() == null || partition.leader().isEmpty()) {
                        return false;
                    }
                    byLeader.computeIfAbsent(partition.leader().id(), id -> new ArrayList<>())
                            .add(new TopicPartition(description.name(), partition.partition()));
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // created, but not yet in the metadata this broker answers from
            }
            throw new IllegalStateException("could not describe topics " + names, e.getCause());
        }
        try {
            var logDirs = admin.describeLogDirs(byLeader.keySet()).allDescriptions().get(60, TimeUnit.SECONDS);
            return byLeader.entrySet().stream().allMatch(leader -> {
                var hosted = logDirs.getOrDefault(leader.getKey(), Map.of()).values().stream()
                        .flatMap(dir -> dir.replicaInfos().keySet().stream()).collect(Collectors.toSet());
                return hosted.containsAll(leader.getValue());
            });
        } catch (ExecutionException e) {
            return true; // log directories not visible to this client (e.g. no DESCRIBE on the cluster): leaders must do
        }
    }
}
