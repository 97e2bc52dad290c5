package dev.backstream.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distribution's launcher, {@code src/assembly/bin/backstream}, read as a file: a POSIX sh script that shellcheck
 * finds nothing in. ({@code DistributionIT} runs it from the unpacked tarball.)
 */
@DisplayName("bin/backstream, the launcher")
class LauncherScriptTest {
    private static final Path LAUNCHER = Path.of("src/assembly/bin/backstream");

    private static String run(int expectedExit, String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(expectedExit, process.waitFor(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    @Test
    void isAPosixShellScriptThatParses() throws Exception {
        assertTrue(Files.readString(LAUNCHER).startsWith("#!/bin/sh\n"), "a POSIX sh script");
        assertTrue(Files.isExecutable(LAUNCHER), "executable in the repository too");
        run(0, "sh", "-n", LAUNCHER.toString());
    }

    @Test
    void isShellcheckCleanWhenShellcheckIsInstalled() throws Exception {
        Path shellcheck = Path.of("/usr/bin/shellcheck");
        Assumptions.assumeTrue(Files.isExecutable(shellcheck), "shellcheck not installed; .ci/run installs it");
        run(0, shellcheck.toString(), "--shell=sh", LAUNCHER.toString());
    }
}
