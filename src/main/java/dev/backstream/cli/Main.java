package dev.backstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single entry point of {@code backstream.jar}; each subcommand is a class of its own. */
@Command(name = "backstream",
        mixinStandardHelpOptions = true,
        version = "backstream 0.1.0",
        description = "Online multi-layer perceptrons trained one SGD step per record.",
        subcommands = {DemoCommand.class, RunCommand.class, TrainCommand.class, ProduceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
