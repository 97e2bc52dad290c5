package dev.backstream.app;

import dev.backstream.http.HttpServer;
import org.apache.kafka.streams.StreamsConfig;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;

/** The HTTP server's settings from the application's configuration ({@code http.*}). */
final class HttpSettings {
    private final BackstreamConfig config;

    HttpSettings(BackstreamConfig config) {
        this.config = config;
    }

    /** Where to listen, and the key store for HTTPS if {@code http.ssl.keystore.location} is set. */
    HttpServer.Settings server() {
        HttpServer.Tls tls = null;
        String keyStore = config.getString(BackstreamConfig.HTTP_SSL_KEYSTORE_LOCATION);
        if (!keyStore.isEmpty()) {
            tls = new HttpServer.Tls(keyStore, config.password(BackstreamConfig.HTTP_SSL_KEYSTORE_PASSWORD),
                    config.getString(BackstreamConfig.HTTP_SSL_KEYSTORE_TYPE), config.password(BackstreamConfig.HTTP_SSL_KEY_PASSWORD));
        }
        return new HttpServer.Settings(config.httpBind(), config.httpPort(), tls);
    }

    /**
     * The trust for forwarding to the other instances over HTTPS: the configured trust store, or the JVM's default;
     * null when the API is plain HTTP.
     *
     * @throws IllegalStateException naming the trust store if it cannot be read
     */
    SSLContext peerTrust() {
        if (config.getString(BackstreamConfig.HTTP_SSL_KEYSTORE_LOCATION).isEmpty()) {
            return null;
        }
        String location = config.getString(BackstreamConfig.HTTP_SSL_TRUSTSTORE_LOCATION);
        try {
            if (location.isEmpty()) {
                return SSLContext.getDefault();
            }
            KeyStore trusted = KeyStore.getInstance(config.getString(BackstreamConfig.HTTP_SSL_TRUSTSTORE_TYPE));
            String password = config.password(BackstreamConfig.HTTP_SSL_TRUSTSTORE_PASSWORD);
            try (InputStream in = Files.newInputStream(Path.of(location))) {
                trusted.load(in, password == null ? null : password.toCharArray());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the HTTP trust store " + location + " (" + BackstreamConfig.HTTP_SSL_TRUSTSTORE_LOCATION
                    + "): " + e.getMessage(), e);
        }
    }

    /**
     * This instance's address as the others reach it, {@code host:port}: Kafka Streams' {@code application.server} if
     * it was set explicitly, else {@code http.advertised.host} (or {@code http.bind}, or this machine's name when bound
     * to every interface) with the port listened on.
     */
    String advertised(int port, Map<Object, Object> streamsProperties) {
        Object explicit = streamsProperties.get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (explicit != null && !explicit.toString().isEmpty()) {
            return explicit.toString();
        }
        String host = config.httpAdvertisedHost();
        if (host.isEmpty()) {
            host = config.httpBind();
            if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
                try {
                    host = InetAddress.getLocalHost().getHostName();
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("bound to every interface, and this machine's name is unknown: set "
                            + BackstreamConfig.HTTP_ADVERTISED_HOST, e);
                }
            }
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
