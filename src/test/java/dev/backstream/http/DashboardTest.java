package dev.backstream.http;

import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The dashboard's routes")
class DashboardTest {
    private Javalin javalin;

    @BeforeEach
    void start() {
        javalin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            Dashboard.register(config);
        }).start();
    }

    @AfterEach
    void stop() {
        javalin.stop();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + javalin.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageAsUtf8HtmlThatTheBrowserRevalidatesEachTime() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html;charset=utf-8", page.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase(), "Jetty may drop the space");
        assertEquals("no-cache", page.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(page.body().contains("<script src=\"/dashboard/dashboard.js\"></script>"), page.body());
    }

    @Test
    void servesEveryAssetThePageLoadsWithItsContentType() throws Exception {
        String page = get("/").body();
        for (String[] asset : new String[][] {
                {"/dashboard/dashboard.js", "application/javascript"}, {"/dashboard/uPlot.iife.min.js", "application/javascript"},
                {"/dashboard/dashboard.css", "text/css"}, {"/dashboard/uPlot.min.css", "text/css"}}) {
            assertTrue(page.contains("\"" + asset[0] + "\""), "the page loads " + asset[0]);
            HttpResponse<String> response = get(asset[0]);
            assertEquals(200, response.statusCode(), asset[0]);
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(asset[1]), asset[0] + ": " + response.headers());
            assertTrue(response.body().length() > 500, asset[0] + " has content");
        }
        assertTrue(get("/dashboard/uPlot.iife.min.js").body().contains("uPlot"), "the chart library from its WebJar");
    }

    @Test
    void theScriptNeverWritesServerTextAsHtml() throws Exception {
        String script = get("/dashboard/dashboard.js").body();
        assertTrue(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML") && !script.contains("document.write"),
                "model ids are user input: text goes through textContent only");
    }
}
