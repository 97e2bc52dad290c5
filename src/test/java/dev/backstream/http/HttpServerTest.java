package dev.backstream.http;

import dev.backstream.stream.Activity;
import dev.backstream.stream.ModelSeriesSlots;
import dev.backstream.stream.PublishedMetrics;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The HTTP server")
class HttpServerTest {
    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesPrometheusTextOnAFreePortChosenForPortZero() throws Exception {
        try (PrometheusMetrics metrics = new PrometheusMetrics(new PublishedMetrics(), new Activity().totals(), new ModelSeriesSlots(ModelSeriesSlots.DEFAULT_MAX));
             HttpServer server = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, null), metrics, null)) {
            assertTrue(server.port() > 0, "a port was chosen");
            assertEquals("http://127.0.0.1:" + server.port() + "/metrics", server.url("/metrics"));
            HttpResponse<String> response = get(server.url("/metrics"));
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    response.headers().toString());
            assertTrue(response.body().contains("# TYPE backstream_dead_letters_total counter"), response.body());
            assertEquals(404, get(server.url("/nothing-here")).statusCode());
        }
    }

    @Test
    void refusesToStartOnAPortInUseNamingTheAddressAndTheSettings() {
        try (PrometheusMetrics metrics = new PrometheusMetrics(new PublishedMetrics(), new Activity().totals(), new ModelSeriesSlots(ModelSeriesSlots.DEFAULT_MAX));
             HttpServer first = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, null), metrics, null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HttpServer.start(new HttpServer.Settings("127.0.0.1", first.port(), null), metrics, null));
            assertTrue(e.getMessage().startsWith("cannot listen for HTTP on 127.0.0.1:" + first.port() + " (http.bind, http.port)"), e.getMessage());
        }
    }
}
