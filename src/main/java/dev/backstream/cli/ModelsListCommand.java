package dev.backstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code backstream models list}: the models of a running application, from its HTTP API ({@code GET /models}), as a
 * table: id, version, owner, whether paused, and the window accuracy and loss of the latest metrics.
 */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the models of a running application (its HTTP API, GET /models): version, owner, paused, window accuracy and loss.")
final class ModelsListCommand implements Callable<Integer> {
    private static final List<String> HEADER = List.of("MODEL", "VERSION", "OWNER", "PAUSED", "ACCURACY", "LOSS");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", paramLabel = "URL",
            description = "The application's HTTP address (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30", description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--json", description = "Print the application's JSON answer as it is.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new CommandException("--timeout " + timeoutSeconds + ": expected a number of seconds > 0 and <= 86400");
        }
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
        String address = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        URI uri;
        try {
            uri = URI.create(address + "/models");
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected http://HOST:PORT or https://HOST:PORT");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--url " + url + ": " + e.getMessage());
        }
        HttpResponse<byte[]> response;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
            response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new CommandException("cannot connect to " + address + ": is the application running, with its HTTP API there (--url)?");
        } catch (HttpTimeoutException e) {
            throw new CommandException("no answer from " + uri + " within " + timeoutSeconds + " s");
        } catch (IOException e) {
            throw new CommandException("GET " + uri + " failed: " + e.getMessage());
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200) {
            throw new CommandException("GET " + uri + " answered " + response.statusCode() + ": " + oneLine(body), CommandException.FAILED);
        }
        JsonNode list;
        try {
            list = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            list = null;
        }
        if (list == null || !list.path("models").isArray()) {
            throw new CommandException("GET " + uri + " did not answer a model list: " + oneLine(body), CommandException.FAILED);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(body.strip());
        } else {
            out.print(table(list));
            if (list.path("unreachable").isArray() && !list.get("unreachable").isEmpty()) {
                List<String> instances = new ArrayList<>();
                list.get("unreachable").forEach(instance -> instances.add(instance.asText()));
                out.println("unreachable instances (their models are listed without a version): " + String.join(", ", instances));
            }
        }
        out.flush();
        return 0;
    }

    /** The table of a {@code GET /models} answer: a header row, then one row per model, columns aligned. */
    static String table(JsonNode list) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (JsonNode model : list.path("models")) {
            JsonNode metrics = model.path("metrics");
            rows.add(List.of(model.path("id").asText("?"), number(model.path("modelVersion")), owner(model.path("owner")),
                    paused(model.path("paused")), decimal(metrics.path("windowAccuracy")), decimal(metrics.path("windowLogLoss"))));
        }
        int[] widths = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder table = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%-" + widths[i] + "s", row.get(i)));
            }
            table.append(line.toString().stripTrailing()).append('\n');
        }
        return table.toString();
    }

    private static String number(JsonNode value) {
        return value.isIntegralNumber() ? value.asText() : "-";
    }

    private static String owner(JsonNode owner) {
        if (!owner.isObject() || !owner.path("instance").isTextual()) {
            return "-";
        }
        return owner.get("instance").asText() + (owner.path("partition").isIntegralNumber() ? " (partition " + owner.get("partition").asInt() + ")" : "");
    }

    /** yes or no if the answer says; {@code -} if it does not (an application without pause, or an unknown owner). */
    private static String paused(JsonNode paused) {
        return paused.isBoolean() ? (paused.asBoolean() ? "yes" : "no") : "-";
    }

    private static String decimal(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.3f", value.asDouble()) : "-";
    }

    private static String oneLine(String body) {
        String line = body.strip().replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
