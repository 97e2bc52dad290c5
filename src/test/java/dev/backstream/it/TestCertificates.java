package dev.backstream.it;

import dev.backstream.broker.EmbeddedKafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker certificate made at test time with the JDK's {@code keytool}, so that no key or certificate is checked in
 * and none can expire in the repository: a self-signed EC certificate for {@code localhost} and {@code 127.0.0.1}
 * (clients verify the host name), in a PKCS12 key store, and a PKCS12 trust store holding just that certificate.
 */
final class TestCertificates {
    private TestCertificates() {
    }

    /**
     * Writes {@code broker.p12} and {@code truststore.p12} into {@code directory} and returns the broker's security
     * settings with a super user {@code admin}.
     */
    static EmbeddedKafka.Security generate(Path directory, String password) throws IOException, InterruptedException {
        Path keyStore = directory.resolve("broker.p12");
        Path certificate = directory.resolve("broker.crt");
        Path trustStore = directory.resolve("truststore.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", password,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", password);
        return new EmbeddedKafka.Security(keyStore, trustStore, password, "admin", "admin-" + password);
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("keytool " + arguments[0] + " failed: " + output);
        }
    }
}
