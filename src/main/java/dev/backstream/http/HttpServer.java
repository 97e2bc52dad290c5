package dev.backstream.http;

import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's HTTP server: {@code GET /metrics} in the Prometheus text format. It listens on {@code http.bind}
 * (127.0.0.1 by default: nothing is reachable from other hosts unless configured) and {@code http.port}; port 0 picks
 * a free port, which {@link #port()} and the log line tell.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final Javalin javalin;
    private final String host;

    private HttpServer(Javalin javalin, String host) {
        this.javalin = javalin;
        this.host = host;
    }

    /**
     * Starts listening.
     *
     * @throws IllegalStateException naming the address if it cannot be bound (port in use, unknown host)
     */
    public static HttpServer start(String host, int port, PrometheusMetrics metrics) {
        Javalin javalin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = host;
            config.jetty.port = port;
            config.routes.get("/metrics", ctx -> ctx.contentType(PrometheusMetrics.contentType()).result(metrics.scrape()));
            Dashboard.register(config);
        });
        try {
            javalin.start();
        } catch (RuntimeException e) {
            javalin.stop();
            throw new IllegalStateException("cannot listen for HTTP on " + host + ":" + port + " (http.bind, http.port): "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        HttpServer server = new HttpServer(javalin, host);
        LOG.info("Prometheus metrics on {}", server.url("/metrics"));
        return server;
    }

    /** The port listened on (the chosen one when configured as 0). */
    public int port() {
        return javalin.port();
    }

    /** {@code http://host:port} followed by {@code path}. */
    public String url(String path) {
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + shown + ":" + port() + path;
    }

    @Override
    public void close() {
        javalin.stop();
    }
}
