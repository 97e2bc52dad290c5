package dev.backstream.http;

import io.javalin.config.JavalinConfig;

/**
 * The live dashboard, {@code GET /}: one hand-written page, its script and style sheet, and the chart library uPlot
 * from its WebJar; no build step. The page polls {@code GET /models} every second and seeds each model's learning
 * curve from {@code GET /models/{id}}'s {@code recentMetrics}, so a reload starts from history.
 *
 * <p>Every file is read from the class path once, when the routes are registered: a missing file fails at start-up,
 * not on the first request. Only Javalin is used here.
 */
public final class Dashboard {
    /** Where the page and its assets are under the application's URL root. */
    static final String ASSETS = "/dashboard/";
    private static final String OWN = "/dev/backstream/http/dashboard/";
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String JS = "application/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";

    private Dashboard() {
    }

    /** Adds {@code GET /} and the assets it loads ({@code /dashboard/...}) to {@code config}. */
    public static void register(JavalinConfig config) {
        serve(config, "/", OWN + "index.html", HTML);
        serve(config, ASSETS + "dashboard.js", OWN + "dashboard.js", JS);
        serve(config, ASSETS + "dashboard.css", OWN + "dashboard.css", CSS);
        serve(config, ASSETS + "uPlot.iife.min.js", UPLOT + "uPlot.iife.min.js", JS);
        serve(config, ASSETS + "uPlot.min.css", UPLOT + "uPlot.min.css", CSS);
    }

    /**
     * One file at one path. {@code no-cache} lets the browser keep a copy but makes it revalidate each time, so a new
     * version of the application is never shown with an old script.
     */
    private static void serve(JavalinConfig config, String path, String resource, String contentType) {
        byte[] body = HttpServer.resource(resource);
        config.routes.get(path, ctx -> ctx.contentType(contentType).header("Cache-Control", "no-cache").result(body));
    }
}
