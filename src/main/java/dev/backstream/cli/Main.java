package dev.backstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The single entry point of {@code backstream.jar}; each subcommand is a class of its own.
 *
 * <p>A user's mistake is answered with one line on stderr and a non-zero exit code: bad options print picocli's
 * message and where to find the usage, and a {@link CommandException} or a file-system error prints its message.
 * Anything else is a bug and keeps its stack trace, which is what a bug report needs.
 */
@Command(name = "backstream",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Online multi-layer perceptrons trained one SGD step per record.",
        subcommands = {DemoCommand.class, RunCommand.class, TrainCommand.class, ProduceCommand.class, ModelsCommand.class, ConfigCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        dev.backstream.nn.Kernels.installCompilerDirective(); // before any model: lets models use the Vector API kernels
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler(Main::badOptions);
        commandLine.setExecutionExceptionHandler(Main::failure);
        return commandLine;
    }

    /** {@code --version}: the release, the kernels new models use, and the JVM running them. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"backstream 0.1.0", KernelReport.versionLine(),
                    "java: " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int badOptions(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        command.getErr().println("error: " + e.getMessage() + " (usage: " + command.getCommandSpec().qualifiedName() + " --help)");
        command.getErr().flush();
        return CommandException.CANNOT_START;
    }

    private static int failure(Exception e, CommandLine command, CommandLine.ParseResult parseResult) throws Exception {
        PrintWriter err = command.getErr();
        String message;
        int exitCode = CommandException.CANNOT_START;
        if (e instanceof CommandException problem) {
            message = problem.getMessage();
            exitCode = problem.exitCode();
        } else if (e instanceof NoSuchFileException missing) {
            message = missing.getFile() + ": no such file or directory";
        } else if (e instanceof AccessDeniedException denied) {
            message = denied.getFile() + ": permission denied";
        } else if (e instanceof FileSystemException other) {
            message = other.getFile() + ": " + other.getReason();
        } else if (e instanceof IOException io) {
            message = io.getMessage();
        } else {
            throw e;
        }
        err.println("error: " + message);
        err.flush();
        return exitCode;
    }
}
