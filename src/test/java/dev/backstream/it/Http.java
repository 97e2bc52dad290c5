package dev.backstream.it;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.backstream.json.TestJson.json;

/**
 * An HTTP client for the integration tests: kept-alive connections, whole answers as strings. The static methods use
 * a plain client; an instance made with an {@link SSLContext} trusts the tests' certificates for HTTPS.
 */
final class Http {
    private static final Http PLAIN = new Http(null);
    private final HttpClient client;

    Http(SSLContext trust) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (trust != null) {
            builder.sslContext(trust);
        }
        this.client = builder.build();
    }

    /** A client trusting the certificates of the PKCS12 {@code trustStore}. */
    static Http trusting(java.nio.file.Path trustStore, String password) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(trustStore)) {
            store.load(in, password.toCharArray());
        }
        javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return new Http(context);
    }

    Answer fetch(String url) {
        return exchange(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    Answer postJsonTo(String url, String body) {
        return exchange(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** An answer: status, body, and the content type and model version headers. */
    record Answer(int status, String body, String contentType, String modelVersion) {
        JsonNode json() {
            return dev.backstream.json.TestJson.json(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    static Answer get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    static Answer post(String url, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request);
    }

    static Answer postJson(String url, String body) {
        return post(url, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static Answer send(HttpRequest.Builder request) {
        return PLAIN.exchange(request);
    }

    Answer exchange(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Content-Type").orElse(null),
                    response.headers().firstValue("Backstream-Model-Version").orElse(null));
        } catch (IOException e) {
            throw new AssertionError("HTTP request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static JsonNode parse(String body) {
        return json(body.getBytes(StandardCharsets.UTF_8));
    }
}
