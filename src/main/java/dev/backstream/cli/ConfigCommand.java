package dev.backstream.cli;

import dev.backstream.app.BackstreamConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code backstream config}: the effective settings of a properties file, environment applied, secrets hidden. */
@Command(name = "config", description = "Print the effective settings of a properties file (BACKSTREAM_* environment applied), secrets hidden.",
        mixinStandardHelpOptions = true)
final class ConfigCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The properties file, e.g. config/backstream.properties.")
    private Path config;

    @Override
    public Integer call() throws Exception {
        InputFiles.readable("--config", config);
        try {
            spec.commandLine().getOut().print(BackstreamConfig.load(config, System.getenv()).effectiveSettings());
        } catch (ConfigException e) {
            throw new CommandException(config + ": " + e.getMessage());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
