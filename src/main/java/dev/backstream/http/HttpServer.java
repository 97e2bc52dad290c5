package dev.backstream.http;

import dev.backstream.json.Json;
import dev.backstream.message.InvalidMessageException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The application's HTTP server: the models API ({@link ModelsApi}), {@code GET /metrics} in the Prometheus text
 * format and {@code GET /openapi.json}. It listens on {@code http.bind} (127.0.0.1 by default: nothing is reachable
 * from other hosts unless configured) and {@code http.port}; port 0 picks a free port, which {@link #port()} and the
 * log line tell. With a key store configured it speaks only HTTPS.
 *
 * <p>Every refusal is JSON, {@code {"error": CODE, "message": ...}}, with a 4xx status and a stable code; a client
 * error never produces a 500 or a stack trace.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final String OPENAPI = "/dev/backstream/http/openapi.json";

    private final Javalin javalin;
    private final String host;
    private final boolean tls;

    /**
     * Where and how to listen.
     *
     * @param tls the key store to serve HTTPS with, or null for plain HTTP
     */
    public record Settings(String host, int port, Tls tls) {
    }

    /** A key store holding the server's certificate and private key (PKCS12 or JKS). */
    public record Tls(String keyStoreLocation, String keyStorePassword, String keyStoreType, String keyPassword) {
        @Override
        public String toString() {
            return "Tls[keyStoreLocation=" + keyStoreLocation + ", keyStoreType=" + keyStoreType + ", passwords hidden]";
        }
    }

    private HttpServer(Javalin javalin, String host, boolean tls) {
        this.javalin = javalin;
        this.host = host;
        this.tls = tls;
    }

    /**
     * Starts listening.
     *
     * @param api the models API, or null to serve only the metrics
     * @throws IllegalStateException naming the address if it cannot be bound (port in use, unknown host, bad key store)
     */
    public static HttpServer start(Settings settings, PrometheusMetrics metrics, ModelsApi api) {
        byte[] openApi = resource(OPENAPI);
        Javalin javalin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            config.jetty.host = settings.host();
            config.jetty.port = settings.port();
            if (settings.tls() != null) {
                addTlsConnector(config, settings);
            }
            config.routes.get("/metrics", ctx -> ctx.contentType(PrometheusMetrics.contentType()).result(metrics.scrape()));
            config.routes.get("/openapi.json", ctx -> ModelsApi.json(ctx, 200, openApi));
            if (api != null) {
                api.register(config);
            }
            Dashboard.register(config);
            registerErrors(config);
        });
        try {
            javalin.start();
        } catch (RuntimeException e) {
            javalin.stop();
            throw new IllegalStateException("cannot listen for HTTP on " + settings.host() + ":" + settings.port() + " (http.bind, http.port"
                    + (settings.tls() != null ? ", http.ssl.*" : "") + "): "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        HttpServer server = new HttpServer(javalin, settings.host(), settings.tls() != null);
        LOG.info("HTTP API on {} (models {}, Prometheus metrics {})", server.url("/"), server.url("/models"), server.url("/metrics"));
        return server;
    }

    private static void addTlsConnector(JavalinConfig config, Settings settings) {
        Tls tls = settings.tls();
        config.jetty.addConnector((server, httpConfiguration) -> {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(tls.keyStoreLocation());
            ssl.setKeyStorePassword(tls.keyStorePassword());
            ssl.setKeyStoreType(tls.keyStoreType());
            if (tls.keyPassword() != null) {
                ssl.setKeyManagerPassword(tls.keyPassword());
            }
            ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                    new HttpConnectionFactory(httpConfiguration));
            connector.setHost(settings.host());
            connector.setPort(settings.port());
            return connector;
        });
    }

    private static void registerErrors(JavalinConfig config) {
        config.routes.exception(ApiException.class, (e, ctx) -> refuse(ctx, e.status(), e.code(), e.getMessage(), e.details()));
        config.routes.exception(InvalidMessageException.class, (e, ctx) -> {
            ApiException refused = ModelsApi.refused(e);
            refuse(ctx, refused.status(), refused.code(), refused.getMessage(), Map.of());
        });
        config.routes.exception(HttpResponseException.class, (e, ctx) -> refuse(ctx, e.getStatus(), codeOf(e.getStatus()), e.getMessage(), Map.of()));
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("HTTP {} {} failed", ctx.method(), ctx.path(), e);
            refuse(ctx, 500, HttpReason.INTERNAL_ERROR.name(), "the request failed inside the application (logged); it is not the request's fault", Map.of());
        });
        config.routes.error(404, "*", ctx -> {
            if (!isRefusal(ctx)) {
                refuse(ctx, 404, HttpReason.NOT_FOUND.name(), "no such path: " + ctx.path() + " (GET /openapi.json lists the API)", Map.of());
            }
        });
        config.routes.error(405, "*", ctx -> refuse(ctx, 405, HttpReason.METHOD_NOT_ALLOWED.name(),
                ctx.method() + " is not allowed on " + ctx.path() + " (GET /openapi.json lists the API)", Map.of()));
    }

    private static final String REFUSAL = "backstream.refusal";

    /** Whether the answer is already one of ours (a 404 for an unknown model goes through the 404 error handler too). */
    private static boolean isRefusal(Context ctx) {
        return ctx.attribute(REFUSAL) != null;
    }

    private static void refuse(Context ctx, int status, String code, String message, Map<String, Object> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        body.putAll(details);
        ctx.attribute(REFUSAL, code);
        try {
            ModelsApi.json(ctx, status, Json.MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String codeOf(int status) {
        return switch (status) {
            case 404 -> HttpReason.NOT_FOUND.name();
            case 405 -> HttpReason.METHOD_NOT_ALLOWED.name();
            case 413 -> HttpReason.REQUEST_TOO_LARGE.name();
            case 415 -> HttpReason.UNSUPPORTED_MEDIA_TYPE.name();
            default -> status >= 500 ? HttpReason.INTERNAL_ERROR.name() : "BAD_REQUEST";
        };
    }

    /** A file the server serves, read once from the class path; a missing one fails the start. */
    static byte[] resource(String name) {
        try (InputStream in = HttpServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the HTTP server's file " + name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port listened on (the chosen one when configured as 0). */
    public int port() {
        return javalin.port();
    }

    /** {@code http://host:port} (or {@code https://}) followed by {@code path}. */
    public String url(String path) {
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return (tls ? "https" : "http") + "://" + shown + ":" + port() + path;
    }

    @Override
    public void close() {
        javalin.stop();
    }
}
