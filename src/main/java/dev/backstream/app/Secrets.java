package dev.backstream.app;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Decides which settings are secrets, so that whatever prints settings (the start-up log, {@code backstream config}) shows
 * {@value Password#HIDDEN} in their place. Pass-through settings are plain strings here, so Kafka's own
 * {@code Password} type cannot protect them on its own: a setting is a secret if any Kafka client declares it as a
 * {@code PASSWORD} (for example {@code sasl.jaas.config}, {@code ssl.keystore.password}), also behind a client prefix
 * such as {@code producer.} or {@code admin.}, or if its name mentions a password, a secret, a token or JAAS at all: better to
 * hide a harmless value than to print a credential under a name Kafka does not know.
 */
public final class Secrets {
    private static final Set<String> KAFKA_PASSWORDS = Stream.of(StreamsConfig.configDef(), ProducerConfig.configDef(),
                    ConsumerConfig.configDef(), AdminClientConfig.configDef())
            .flatMap(def -> def.configKeys().values().stream())
            .filter(key -> key.type == ConfigDef.Type.PASSWORD)
            .map(key -> key.name)
            .collect(Collectors.toUnmodifiableSet());

    private static final Set<String> SECRET_WORDS = Set.of("password", "secret", "jaas", "credential", "token");

    private Secrets() {
    }

    /** Whether the value of the setting {@code name} must not be printed. */
    public static boolean isSecret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (SECRET_WORDS.stream().anyMatch(lower::contains)) {
            return true;
        }
        for (String password : KAFKA_PASSWORDS) {
            if (lower.equals(password) || lower.endsWith("." + password)) {
                return true;
            }
        }
        return false;
    }

    /** {@code value}, or {@value Password#HIDDEN} if {@code name} is a secret. */
    public static String printable(String name, Object value) {
        return isSecret(name) ? Password.HIDDEN : String.valueOf(value);
    }

    /** {@code name=value} pairs sorted by name, separated by ", ", secrets hidden. */
    public static String describe(Map<String, ?> settings) {
        return new TreeMap<>(settings).entrySet().stream()
                .map(e -> e.getKey() + "=" + printable(e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
