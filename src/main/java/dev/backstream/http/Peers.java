package dev.backstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The other instances of the application, as an HTTP client sees them: forwards a model request to the owner and asks
 * for listings. One client, kept-alive connections; each request carries {@value ModelsApi#FORWARDED_BY} so that the
 * owner answers itself.
 */
public final class Peers {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** The headers of an owner's answer that are relayed to the caller. */
    private static final String[] RELAYED = {ModelsApi.MODEL_VERSION, "Backstream-Replica"};

    private final HttpClient client;
    private final String scheme;

    /** An owner's answer, relayed as it is. */
    record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
    }

    /** @param sslContext the trust for the other instances' certificates when the API is served over TLS, else null */
    public Peers(SSLContext sslContext) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT);
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.client = builder.build();
        this.scheme = sslContext != null ? "https" : "http";
    }

    /**
     * Sends the request to {@code instance} and returns its answer.
     *
     * @throws ApiException 502 {@code OWNER_UNREACHABLE} if the instance does not answer
     */
    Answer forward(String self, String instance, String method, String pathAndQuery, byte[] body, String contentType) {
        HttpRequest.Builder request = request(self, instance, pathAndQuery)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            for (String name : RELAYED) {
                response.headers().firstValue(name).ifPresent(value -> headers.put(name, value));
            }
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse("application/json"),
                    response.body(), headers);
        } catch (IOException e) {
            throw unreachable(instance, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(instance, e);
        }
    }

    /** Asks {@code instance} for a JSON document; the future completes with null if it does not answer with one. */
    CompletableFuture<JsonNode> getJson(String self, String instance, String pathAndQuery) {
        return client.sendAsync(request(self, instance, pathAndQuery).GET().build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        return null;
                    }
                    try {
                        return Json.MAPPER.readTree(response.body());
                    } catch (IOException e) {
                        return null;
                    }
                })
                .exceptionally(failure -> null);
    }

    /** The value of {@code answer}, or null if it failed or was interrupted. */
    static JsonNode await(CompletableFuture<JsonNode> answer) {
        try {
            return answer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** A request to {@code instance} from {@code self} (this instance's advertised address). */
    private HttpRequest.Builder request(String self, String instance, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(scheme + "://" + instance + pathAndQuery))
                .timeout(REQUEST_TIMEOUT)
                .header(ModelsApi.FORWARDED_BY, self);
    }

    private static ApiException unreachable(String instance, Exception e) {
        return new ApiException(502, HttpReason.OWNER_UNREACHABLE.name(), "the instance owning the model, " + instance
                + ", did not answer: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
    }
}
