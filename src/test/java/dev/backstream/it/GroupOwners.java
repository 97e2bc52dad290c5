package dev.backstream.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Which instance owns which active task, as the group coordinator sees it: the same answer for instances in this JVM
 * and in child processes. Kafka Streams gives each stream thread's consumer the {@code group.instance.id}
 * {@code <instance>-<thread>}, and a consumer's assignment holds the input partitions of its active tasks (never its
 * standbys).
 */
final class GroupOwners {
    private GroupOwners() {
    }

    /**
     * The owner of each partition of {@code topic}, if the group has settled: it is stable, its members are exactly
     * {@code instances}, and each of the {@code partitions} partitions is assigned to exactly one member. Empty while
     * it has not (a rebalance in progress, a crashed member whose session has not expired, a partition revoked and not
     * yet reassigned).
     */
    static Optional<Map<Integer, String>> settled(Admin admin, String applicationId, String topic, int partitions, Set<String> instances) {
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(applicationId)).all().get().get(applicationId);
        } catch (ExecutionException e) {
            return Optional.empty(); // e.g. the coordinator is loading the group: not settled yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (group.groupState() != GroupState.STABLE) {
            return Optional.empty();
        }
        Map<Integer, String> owners = new HashMap<>();
        Set<String> members = new HashSet<>();
        for (MemberDescription member : group.members()) {
            String instance = instanceOf(member);
            members.add(instance);
            for (TopicPartition partition : member.assignment().topicPartitions()) {
                if (partition.topic().equals(topic) && owners.put(partition.partition(), instance) != null) {
                    return Optional.empty();
                }
            }
        }
        return members.equals(instances) && owners.size() == partitions ? Optional.of(owners) : Optional.empty();
    }

    /** {@code a} for the member {@code a-1} (stream thread 1 of the instance with {@code group.instance.id = a}). */
    private static String instanceOf(MemberDescription member) {
        String id = member.groupInstanceId().orElseThrow(() -> new AssertionError("member without group.instance.id: " + member));
        return id.substring(0, id.lastIndexOf('-'));
    }
}
