package dev.backstream.app;

import org.apache.kafka.common.config.ConfigDef;

import java.util.ArrayList;
import java.util.List;

/** The README's configuration table, generated from {@link BackstreamConfig#CONFIG} (a test keeps the README in sync). */
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
                    : "`" + key.defaultValue + "`";
            lines.add("| `" + key.name + "` | `" + BackstreamConfig.environmentVariable(key.name) + "` | "
                    + key.type.name().toLowerCase(java.util.Locale.ROOT) + " | " + defaultValue + " | " + key.documentation + " |");
        }
        return String.join("\n", lines) + "\n";
    }

    public static void main(String[] args) {
        System.out.print(markdownTable());
    }
}
