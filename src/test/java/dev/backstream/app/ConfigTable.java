package dev.backstream.app;

import org.apache.kafka.common.config.ConfigDef;

import java.util.ArrayList;
import java.util.List;

/**
 * The README's configuration table, generated from {@link BackstreamConfig#CONFIG}: {@code BackstreamConfigTest} fails
 * when the README's table differs, and writes the expected one to {@code target/config-table.md} to paste.
 */
final class ConfigTable {
    private ConfigTable() {
    }

    /** A Markdown table: setting, environment variable, type, default, description. */
    static String markdownTable() {
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
}
