package dev.backstream.it;

import dev.backstream.app.BackstreamConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs with the unit tests: no broker, only the README and the list {@code SecuredClusterIT} proves on one. */
@DisplayName("The README's ACL commands")
class ReadmeAclsTest {

    @Test
    void grantExactlyTheAclsTheSecuredClusterTestRunsWith() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String start = "<!-- acls:start -->";
        String block = readme.substring(readme.indexOf(start) + start.length(), readme.indexOf("<!-- acls:end -->"));
        Set<AclBinding> granted = new HashSet<>();
        for (String line : block.lines().filter(l -> l.startsWith("bin/kafka-acls.sh ")).toList()) {
            granted.addAll(parse(line));
        }
        BackstreamConfig defaults = new BackstreamConfig(Map.of(), null);
        assertEquals(Set.copyOf(ReadmeAcls.forApplication("backstream", defaults)), granted);
    }

    /** The bindings one {@code kafka-acls.sh --add} command creates (the options the README uses). */
    private static List<AclBinding> parse(String command) {
        String[] words = command.trim().split("\\s+");
        String principal = null;
        ResourceType type = null;
        String name = null;
        PatternType pattern = PatternType.LITERAL;
        List<AclOperation> operations = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            switch (words[i]) {
                case "--allow-principal" -> principal = words[++i];
                case "--operation" -> operations.add(AclOperation.fromString(words[++i].toUpperCase(Locale.ROOT)));
                case "--topic" -> { type = ResourceType.TOPIC; name = words[++i]; }
                case "--group" -> { type = ResourceType.GROUP; name = words[++i]; }
                case "--transactional-id" -> { type = ResourceType.TRANSACTIONAL_ID; name = words[++i]; }
                case "--resource-pattern-type" -> pattern = PatternType.fromString(words[++i].toUpperCase(Locale.ROOT));
                case "--bootstrap-server", "--command-config" -> i++;
                case "--add" -> { }
                default -> throw new IllegalArgumentException("unexpected option " + words[i] + " in: " + command);
            }
        }
        List<AclBinding> bindings = new ArrayList<>();
        for (AclOperation operation : operations) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
        return bindings;
    }
}
