package dev.backstream.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code --command-config FILE} of {@code produce} and {@code demo}, as Kafka's own tools have it: a properties
 * file of client settings (typically {@code security.protocol}, {@code sasl.*}, {@code ssl.*}) merged into every
 * producer, consumer and admin client the command creates.
 */
final class CommandConfig {
    private CommandConfig() {
    }

    /**
     * The client settings of {@code file} (none if {@code file} is null) with {@code bootstrap.servers} set to
     * {@code bootstrapServers}, which wins over the file's.
     *
     * @throws IllegalArgumentException with a one-line message if the file is missing or unreadable
     */
    static Map<String, Object> clientSettings(Path file, String bootstrapServers) {
        Map<String, Object> settings = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--command-config " + file + ": no such file");
            } catch (IOException e) {
                throw new IllegalArgumentException("--command-config " + file + ": cannot read it (" + e.getMessage() + ")");
            }
            properties.stringPropertyNames().forEach(name -> settings.put(name, properties.getProperty(name).trim()));
        }
        settings.put("bootstrap.servers", bootstrapServers);
        return settings;
    }
}
