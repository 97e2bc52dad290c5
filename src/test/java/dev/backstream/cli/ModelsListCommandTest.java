package dev.backstream.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import static dev.backstream.cli.UserMistakesTest.assertOneLineNaming;
import static dev.backstream.cli.UserMistakesTest.backstream;
import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("backstream models list")
class ModelsListCommandTest {
    /** Two models as GET /models lists them: one learning (with metrics, paused), one whose owner is unknown. */
    private static final String MODELS = """
            {"models": [
              {"id": "digits", "architecture": "64-32-10", "modelVersion": 1200, "paused": true,
               "owner": {"instance": "10.0.0.5:8080", "partition": 3}, "servedBy": {"instance": "10.0.0.5:8080", "partition": 3, "replica": "active"},
               "metrics": {"format": "backstream.metrics/v1", "model": "digits", "windowAccuracy": 0.9234, "windowLogLoss": 0.25}},
              {"id": "xor", "architecture": "2-4-1", "modelVersion": null, "owner": null, "metrics": null}
            ], "unreachable": ["10.0.0.6:8080"]}
            """;

    private HttpServer server;

    private String serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void printsOneAlignedRowPerModelAndTheUnreachableInstances() throws IOException {
        UserMistakesTest.Outcome outcome = backstream("models", "list", "--url", serve(200, MODELS) + "/");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("""
                MODEL   VERSION  OWNER                        PAUSED  ACCURACY  LOSS
                digits  1200     10.0.0.5:8080 (partition 3)  yes     0.923     0.250
                xor     -        -                            -       -         -
                unreachable instances (their models are listed without a version): 10.0.0.6:8080
                """, outcome.out());
    }

    @Test
    void printsTheAnswerAsItIsWithJson() throws IOException {
        UserMistakesTest.Outcome outcome = backstream("models", "list", "--url", serve(200, MODELS), "--json");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals(MODELS.strip() + "\n", outcome.out());
    }

    @Test
    void anErrorAnswerIsOneLineAndExitCode1() throws IOException {
        UserMistakesTest.Outcome outcome = backstream("models", "list", "--url",
                serve(503, "{\"error\": \"NOT_READY\", \"message\": \"starting\"}"));
        assertEquals(1, outcome.exitCode());
        assertOneLineNaming(outcome, "503", "NOT_READY");
    }

    @Test
    void noApplicationIsOneLineAndExitCode2() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        UserMistakesTest.Outcome outcome = backstream("models", "list", "--url", "http://127.0.0.1:" + port);
        assertEquals(2, outcome.exitCode());
        assertOneLineNaming(outcome, "127.0.0.1:" + port, "running");
    }

    @Test
    void aUrlThatIsNotHttpIsAUsageError() {
        UserMistakesTest.Outcome outcome = backstream("models", "list", "--url", "localhost:8080");
        assertEquals(2, outcome.exitCode());
        assertOneLineNaming(outcome, "--url", "localhost:8080");
    }
}
