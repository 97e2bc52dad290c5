package dev.backstream.broker;

import dev.backstream.stream.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Creates the application's ten topics for the demo and the tests (replication factor 1; the snapshots topic compacted
 * and accepting large snapshots) and waits until every partition has a leader hosting its log: producing earlier can
 * silently expire a batch. Existing topics are left as they are. Production clusters create their topics with their
 * own tools; the application checks them at start-up ({@code app.StartupChecks}).
 */
public final class TopicCreator {
    private TopicCreator() {
    }

    /** Largest snapshot message accepted by the snapshots topic created here. */
    public static final int SNAPSHOT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** The topics, with {@code partitions} partitions for the inputs and predictions, one for the others. */
    public static List<NewTopic> topics(Topics topics, int partitions) {
        return List.of(
                new NewTopic(topics.samples(), partitions, (short) 1),
                new NewTopic(topics.scoreRequests(), partitions, (short) 1),
                new NewTopic(topics.predictions(), partitions, (short) 1),
                new NewTopic(topics.snapshots(), 1, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(SNAPSHOT_MAX_MESSAGE_BYTES))),
                new NewTopic(topics.deadLetters(), 1, (short) 1),
                new NewTopic(topics.metrics(), 1, (short) 1),
                new NewTopic(topics.control(), partitions, (short) 1),
                new NewTopic(topics.events(), partitions, (short) 1),
                new NewTopic(topics.labels(), partitions, (short) 1),
                new NewTopic(topics.modelEvents(), 1, (short) 1));
    }

    /** Creates {@link #topics} on the (plaintext) cluster at {@code bootstrapServers} and waits for their leaders. */
    public static void create(String bootstrapServers, Topics topics, int partitions) {
        create(plaintext(bootstrapServers), topics(topics, partitions));
    }

    /** Creates {@link #topics} with an admin client of {@code adminProperties} and waits for their leaders. */
    public static void create(Map<String, Object> adminProperties, Topics topics, int partitions) {
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
