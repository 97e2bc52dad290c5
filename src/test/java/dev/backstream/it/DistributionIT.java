package dev.backstream.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distribution as a user gets it: {@code target/backstream-<version>.tar.gz} unpacked with {@code tar}, then
 * {@code bin/backstream} run with {@code JAVA_HOME} set to this test's JVM. The launcher turns the vector kernels on,
 * honours {@code BACKSTREAM_HEAP_OPTS} and {@code BACKSTREAM_OPTS}, finds its directory through a symbolic link and
 * maps the class-data archive under {@code lib/} once there is one; a plain {@code java -jar} still works and says
 * once that it runs the scalar kernels.
 */
@DisplayName("The distribution (bin/backstream, config/, lib/)")
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DistributionIT {
    private static final String VERSION = System.getProperty("project.version", "");
    private static final Pattern HEAP = Pattern.compile("Max\\. Heap Size(?: \\(Estimated\\))?: (\\S+)");
    private static final String SCALAR_NOTICE = "the scalar kernels are in use";

    @TempDir
    static Path unpacked;

    private static Path home;

    @TempDir
    Path work;

    record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }

        long lines(String text) {
            return err.lines().filter(line -> line.contains(text)).count();
        }
    }

    @BeforeAll
    static void unpack() throws Exception {
        assertTrue(!VERSION.isEmpty(), "failsafe passes project.version");
        Path tarball = Path.of("target", "backstream-" + VERSION + ".tar.gz").toAbsolutePath();
        assertTrue(Files.exists(tarball), "run `mvn package` first: this test unpacks " + tarball);
        Result tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), Map.of(), unpacked);
        assertEquals(0, tar.exit(), tar.all());
        home = unpacked.resolve("backstream-" + VERSION);
    }

    /** Runs a command to its end (the class's timeout guards against a hang), its output kept in files. */
    private static Result run(List<String> command, Map<String, String> environment, Path directory) throws Exception {
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("BACKSTREAM_") || name.equals("JAVA_HOME"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            int exit = process.waitFor();
            return new Result(exit, Files.readString(out), Files.readString(err));
        } finally {
            process.destroyForcibly();
        }
    }

    /** {@code bin/backstream args...} in the distribution's directory, with {@code JAVA_HOME} this test's JVM. */
    private static Result launcher(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/backstream").toString()));
        command.addAll(List.of(args));
        Map<String, String> withJava = new HashMap<>(environment);
        withJava.put("JAVA_HOME", System.getProperty("java.home"));
        return run(command, withJava, home);
    }

    private static String javaHome() throws IOException {
        return Path.of(System.getProperty("java.home")).toRealPath().toString();
    }

    @Test
    void hasTheLauncherTheConfigurationAndTheJar() throws IOException {
        assertTrue(Files.isExecutable(home.resolve("bin/backstream")), "bin/backstream is executable");
        assertArrayEquals(Files.readAllBytes(Path.of("target/backstream.jar")), Files.readAllBytes(home.resolve("lib/backstream.jar")),
                "lib/backstream.jar is the shaded jar");
        for (String file : List.of("backstream.properties", "models/xor.json", "models/digits.json", "prometheus/prometheus.yml")) {
            assertEquals(Files.readString(Path.of("config", file)), Files.readString(home.resolve("config").resolve(file)), file);
        }
    }

    @Test
    void runsOnJavaHomeWithTheVectorKernelsAndTheDefaultHeap() throws Exception {
        Result version = launcher(Map.of("BACKSTREAM_OPTS", "-XshowSettings:vm"), "--version");
        assertEquals(0, version.exit(), version.all());
        List<String> lines = version.out().lines().toList();
        assertEquals("backstream 0.1.0", lines.get(0), version.all());
        assertTrue(lines.get(1).matches("kernels: vector \\((256|512)-bit\\)"), version.all());
        assertTrue(lines.get(2).startsWith("java: " + Runtime.version() + " (" + javaHome()), version.all());
        Matcher heap = HEAP.matcher(version.err());
        assertTrue(heap.find() && heap.group(1).equals("1.00G"), "-Xmx1g by default:\n" + version.all());
    }

    @Test
    void takesTheHeapFromBackstreamHeapOptsAndOtherJvmOptionsFromBackstreamOpts() throws Exception {
        Result version = launcher(Map.of("BACKSTREAM_HEAP_OPTS", "-Xmx300m", "BACKSTREAM_OPTS", "-XshowSettings:vm -Dbackstream.vector=false"),
                "--version");
        assertEquals(0, version.exit(), version.all());
        Matcher heap = HEAP.matcher(version.err());
        assertTrue(heap.find() && heap.group(1).equals("300.00M"), version.all());
        assertTrue(version.out().contains("\nkernels: scalar\n"), "the module is there, the kernels switched off on purpose:\n" + version.all());
        assertEquals(0, version.lines(SCALAR_NOTICE), "no advice for a deliberate choice:\n" + version.all());
    }

    @Test
    void findsItsDistributionThroughASymbolicLink() throws Exception {
        // inside the distribution's temporary directory, which JUnit deletes with the link's target
        Path link = Files.createSymbolicLink(Files.createDirectories(unpacked.resolve("on-the-path")).resolve("backstream"),
                home.resolve("bin/backstream"));
        Result version = run(List.of(link.toString(), "--version"), Map.of("JAVA_HOME", System.getProperty("java.home")), work);
        assertEquals(0, version.exit(), version.all());
        assertTrue(version.out().contains("kernels: vector"), version.all());
    }

    @Test
    void trainsWithTheVectorKernelsWhilePlainJavaDashJarSaysOnceThatItRunsTheScalarOnesAndLearnsTheSameBits() throws Exception {
        Path samples = work.resolve("xor.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            lines.append("{\"model\":\"xor\",\"features\":[0,0],\"label\":0}\n{\"model\":\"xor\",\"features\":[0,1],\"label\":1}\n")
                    .append("{\"model\":\"xor\",\"features\":[1,0],\"label\":1}\n{\"model\":\"xor\",\"features\":[1,1],\"label\":0}\n");
        }
        Files.writeString(samples, lines);
        Path vectorSnapshot = work.resolve("vector.json");
        Path scalarSnapshot = work.resolve("scalar.json");

        Result launched = launcher(Map.of(), "train", "--init", "config/models/xor.json", "--samples", samples.toString(),
                "--snapshot-out", vectorSnapshot.toString());
        assertEquals(0, launched.exit(), launched.all());
        assertEquals(0, launched.lines(SCALAR_NOTICE), launched.all());

        Result plain = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "lib/backstream.jar",
                "train", "--init", "config/models/xor.json", "--samples", samples.toString(), "--snapshot-out", scalarSnapshot.toString()), Map.of(), home);
        assertEquals(0, plain.exit(), plain.all());
        assertEquals(1, plain.lines(SCALAR_NOTICE), "one line:\n" + plain.all());
        String notice = plain.err().lines().filter(line -> line.contains(SCALAR_NOTICE)).findFirst().orElseThrow();
        assertTrue(notice.contains("bin/backstream") && notice.contains("--add-modules jdk.incubator.vector"), "says how to turn the vector kernels on: " + notice);
        assertTrue(!Pattern.compile("\\b(ERROR|WARN)\\b").matcher(notice).find(), "a notice, not a log warning: " + notice);
        assertTrue(plain.out().contains("wrote " + scalarSnapshot), plain.all());

        assertEquals(Files.readString(vectorSnapshot), Files.readString(scalarSnapshot), "the kernels change speed, never results");
    }

    @Test
    void mapsTheClassDataArchiveUnderLibOnceRecorded() throws Exception {
        Path archive = home.resolve("lib/backstream.jsa");
        try {
            Result record = launcher(Map.of("BACKSTREAM_OPTS", "-XX:ArchiveClassesAtExit=lib/backstream.jsa"), "--version");
            assertEquals(0, record.exit(), record.all());
            assertTrue(Files.size(archive) > 0, "recorded " + archive);

            Result mapped = launcher(Map.of("BACKSTREAM_OPTS", "-Xlog:cds=info"), "--version");
            assertEquals(0, mapped.exit(), mapped.all());
            assertTrue(mapped.out().contains(archive.toRealPath().toString()) || mapped.out().contains(archive.toString()),
                    "the JVM opened the archive:\n" + mapped.all());
        } finally {
            Files.deleteIfExists(archive); // the other tests run without one
        }
    }
}
