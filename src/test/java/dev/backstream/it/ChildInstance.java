package dev.backstream.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One Backstream instance running the packaged jar ({@code backstream run}) in a child JVM: the only kind of instance
 * a test can crash for real. {@link #stop()} sends SIGTERM (the planned stop: the shutdown hook closes the
 * application), {@link #kill()} sends SIGKILL (nothing closed, flushed or committed). Each start writes its output to
 * its own log file beside the instance's state directory, named in every failure message.
 */
final class ChildInstance implements AutoCloseable {
    private static final Path JAR = Path.of("target/backstream.jar");
    /** Small heap, C1 only and serial GC: for tiny models, a child that starts sooner on a busy two-core machine. */
    static final List<String> SMALL_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final String name;
    private final Path work;
    private final Path propertiesFile;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;

    /**
     * @param settings the application's configuration; this instance gets its own {@code state.dir} under
     *                 {@code work} and {@code group.instance.id = name} (static membership)
     * @param jvmOptions options of the child JVM, e.g. {@link #SMALL_JVM}
     */
    ChildInstance(String name, Map<String, String> settings, Path work, List<String> jvmOptions) {
        this.name = name;
        this.work = work;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.propertiesFile = work.resolve(name + ".properties");
        Properties properties = new Properties();
        properties.putAll(settings);
        properties.put("state.dir", work.resolve("state-" + name).toString());
        properties.put("group.instance.id", name);
        try (Writer writer = Files.newBufferedWriter(propertiesFile)) {
            properties.store(writer, "child instance " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a new process; the previous one, if any, must have ended. */
    ChildInstance start() {
        assertTrue(Files.exists(JAR), "run `mvn package` first: " + name + " runs the real jar in a child JVM");
        assertTrue(process == null || !process.isAlive(), name + " is already running");
        starts++;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString(), "run", "--config", propertiesFile.toString()));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log().toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /** SIGTERM, then waits until the process has ended (its shutdown hook closes the application and leaves the group). */
    void stop() throws InterruptedException {
        process.destroy();
        awaitExit("SIGTERM");
    }

    /** SIGKILL, then waits until the process has ended. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        awaitExit("SIGKILL");
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String name() {
        return name;
    }

    /** The log of the current (or last) process. */
    Path log() {
        return work.resolve(name + "-" + starts + ".log");
    }

    private void awaitExit(String signal) throws InterruptedException {
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), name + " did not end within 60 s of " + signal + "; see " + log());
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            kill();
        }
    }
}
