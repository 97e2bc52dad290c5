package dev.backstream.cli;

import dev.backstream.nn.Kernels;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the command line says about the numeric core's kernels: a line of {@code --version}, and one notice on stderr
 * when a command that learns ({@code demo}, {@code run}, {@code train}) runs the scalar kernels because the JVM was
 * started without {@code jdk.incubator.vector} (a plain {@code java -jar}). {@code bin/backstream} adds the module.
 */
final class KernelReport {
    static final String SCALAR_NOTICE = "backstream: the scalar kernels are in use (same results, slower); for the vector kernels"
            + " run bin/backstream, or add --add-modules jdk.incubator.vector to the java command";

    private static final AtomicBoolean NOTICED = new AtomicBoolean();

    private KernelReport() {
    }

    /** {@code kernels: vector (512-bit)}, or {@code kernels: scalar} and, without the module, how to turn the vector ones on. */
    static String versionLine() {
        String line = "kernels: " + Kernels.description();
        return Kernels.vectorModulePresent() ? line : line + " (jdk.incubator.vector not added: run bin/backstream)";
    }

    /**
     * Prints {@link #SCALAR_NOTICE}, once per process, if the module is missing. With the module present the kernels
     * are scalar only when asked for ({@code -Dbackstream.vector=false}), which needs no advice.
     */
    static void noticeIfScalar(PrintWriter err) {
        if (!Kernels.vectorModulePresent() && NOTICED.compareAndSet(false, true)) {
            err.println(SCALAR_NOTICE);
            err.flush();
        }
    }
}
