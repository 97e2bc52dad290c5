package dev.backstream.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of the files named on the command line, made before any work starts, so that a mistake is reported with the
 * option that named the file instead of as an I/O exception halfway through.
 */
final class InputFiles {
    private InputFiles() {
    }

    /**
     * @return {@code file}, a regular file this process can read
     * @throws CommandException naming {@code option}, the file and what is wrong with it
     */
    static Path readable(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new CommandException(option + " " + file + ": is a directory, expected a file");
        }
        if (!Files.exists(file)) {
            throw new CommandException(option + " " + file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw new CommandException(option + " " + file + ": cannot be read (permission denied)");
        }
        return file;
    }

    /**
     * @return {@code file}, whose directory exists and is writable (the file itself is created or replaced later)
     * @throws CommandException naming {@code option} and the directory
     */
    static Path writable(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new CommandException(option + " " + file + ": is a directory, expected a file");
        }
        Path directory = file.toAbsolutePath().getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new CommandException(option + " " + file + ": the directory " + directory + " does not exist");
        }
        if (!Files.isWritable(directory)) {
            throw new CommandException(option + " " + file + ": the directory " + directory + " is not writable");
        }
        return file;
    }
}
