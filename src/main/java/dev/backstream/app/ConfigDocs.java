package dev.backstream.app;

import org.apache.kafka.common.config.ConfigDef;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The README's configuration table, generated from {@link BackstreamConfig#CONFIG} (a test keeps the README in sync),
 * and the effective settings of a configuration, secrets hidden ({@link Secrets}).
 */
public final class ConfigDocs {
    private ConfigDocs() {
    }

    /** A Markdown table: setting, environment variable, type, default, description. */
    public static String markdownTable() {
        List<String> lines = new ArrayList<>();
        lines.add("| setting | environment variable | type | default | description |");
        lines.add("|---|---|---|---|---|");
        for (ConfigDef.ConfigKey key : BackstreamConfig.CONFIG.configKeys().values()) {
            String defaultValue = key.name.equals(BackstreamConfig.STATE_DIR) ? "`${user.home}/.backstream/state`"
                    : "`" + Secrets.printable(key.name, key.defaultValue) + "`";
            lines.add("| `" + key.name + "` | `" + BackstreamConfig.environmentVariable(key.name) + "` | "
                    + key.type.name().toLowerCase(java.util.Locale.ROOT) + " | " + defaultValue + " | " + key.documentation + " |");
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * Every setting of {@code config}, Backstream's own and the pass-through ones, one {@code name=value} line each,
     * sorted by name; the value of every secret is {@value org.apache.kafka.common.config.types.Password#HIDDEN}.
     */
    public static String effectiveSettings(BackstreamConfig config) {
        Map<String, Object> all = new TreeMap<>(config.passThrough());
        for (String name : BackstreamConfig.CONFIG.names()) {
            all.put(name, config.values().get(name));
        }
        StringBuilder lines = new StringBuilder();
        all.forEach((name, value) -> lines.append(name).append('=').append(Secrets.printable(name, value)).append('\n'));
        return lines.toString();
    }

    /** Without arguments the README table; with a properties file, its effective settings (environment applied). */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.out.print(markdownTable());
        } else {
            System.out.print(effectiveSettings(BackstreamConfig.load(Path.of(args[0]), System.getenv())));
        }
    }
}
