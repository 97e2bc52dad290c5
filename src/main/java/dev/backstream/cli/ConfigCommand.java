package dev.backstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code backstream config}: the effective settings of a properties file, environment applied, secrets hidden. */
@Command(name = "config", description = "Print the effective settings of a properties file (BACKSTREAM_* environment applied), secrets hidden.",
        mixinStandardHelpOptions = true)
final class ConfigCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ConfigFileOption config;

    @Override
    public Integer call() throws Exception {
        spec.commandLine().getOut().print(config.load().effectiveSettings());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
