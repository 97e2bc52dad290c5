package dev.backstream.it;

import dev.backstream.stream.Topics;
import dev.backstream.app.BackstreamConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.List;

/**
 * The ACLs the README's "Secured clusters" section lists for the application's user, as {@link AclBinding}s:
 * {@code SecuredClusterIT} proves them sufficient (and each one necessary) on a real broker, {@code ReadmeAclsTest}
 * that the README's {@code kafka-acls.sh} commands grant exactly these.
 */
final class ReadmeAcls {
    private ReadmeAcls() {
    }

    /**
     * Read the inputs, write the outputs, the consumer group (= application.id), the exactly-once producers'
     * transactional ids ({@code <application.id>-<process id>-<thread>}) and the internal topics (repartition and
     * changelog, named {@code <application.id>-...}), which the application creates, reads, writes and purges. No
     * cluster ACL: a transactional producer needs no IdempotentWrite.
     */
    static List<AclBinding> forApplication(String user, BackstreamConfig config) {
        Topics topics = config.topics();
        String internal = config.applicationId() + "-";
        List<AclBinding> acls = new ArrayList<>();
        acls.add(allow(user, ResourceType.TOPIC, topics.samples(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(user, ResourceType.TOPIC, topics.scoreRequests(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(user, ResourceType.TOPIC, topics.control(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(user, ResourceType.TOPIC, topics.events(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(user, ResourceType.TOPIC, topics.labels(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(user, ResourceType.TOPIC, topics.predictions(), PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(user, ResourceType.TOPIC, topics.snapshots(), PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(user, ResourceType.TOPIC, topics.deadLetters(), PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(user, ResourceType.TOPIC, topics.metrics(), PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(user, ResourceType.TOPIC, topics.modelEvents(), PatternType.LITERAL, AclOperation.WRITE));
        acls.add(allow(user, ResourceType.GROUP, config.applicationId(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(user, ResourceType.TRANSACTIONAL_ID, internal, PatternType.PREFIXED, AclOperation.WRITE));
        for (AclOperation operation : List.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE)) {
            acls.add(allow(user, ResourceType.TOPIC, internal, PatternType.PREFIXED, operation));
        }
        return acls;
    }

    /** A producer of samples and score requests: write on both input topics, nothing else. */
    static List<AclBinding> forSampleProducer(String user, BackstreamConfig config) {
        return List.of(allow(user, ResourceType.TOPIC, config.topics().samples(), PatternType.LITERAL, AclOperation.WRITE),
                allow(user, ResourceType.TOPIC, config.topics().scoreRequests(), PatternType.LITERAL, AclOperation.WRITE));
    }

    static AclBinding allow(String user, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }
}
