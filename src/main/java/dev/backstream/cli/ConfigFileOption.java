package dev.backstream.cli;

import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --config FILE} option of the commands that read the application's properties file (a picocli mixin). */
final class ConfigFileOption {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The properties file, e.g. config/backstream.properties.")
    private Path file;

    /**
     * The configuration in the file, {@code BACKSTREAM_*} environment applied.
     *
     * @throws CommandException naming the file and the problem (unreadable, a bad value)
     */
    BackstreamConfig load() throws IOException {
        InputFiles.readable("--config", file);
        try {
            return BackstreamConfig.load(file, System.getenv());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CommandException(file + ": " + e.getMessage());
        }
    }

    /** The models the configuration declares. @throws CommandException naming the file and the problem */
    ModelCatalog catalog(BackstreamConfig config) throws IOException {
        try {
            return ModelCatalog.load(config.modelsDir(), config.snapshotEveryUpdates());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CommandException(file + ": " + e.getMessage());
        }
    }
}
