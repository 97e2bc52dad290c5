package dev.backstream.app;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tells within seconds whether anything listens at the bootstrap servers, before a Kafka client is created. Kafka's
 * clients treat an unreachable broker as a transient condition: they retry for a minute ({@code max.block.ms},
 * {@code default.api.timeout.ms}) and log a warning per attempt, and end with a timeout that does not say why. A plain
 * TCP connection answers at once: refused, unknown host, or no answer within the timeout.
 *
 * <p>It checks reachability only; a listener that is not Kafka, or a broker advertising addresses this machine cannot
 * reach, still surfaces later as the Kafka client's own timeout.
 */
public final class BrokerProbe {
    /** How long one address may take to accept a connection: a reachable broker does so in milliseconds. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private BrokerProbe() {
    }

    /**
     * Returns when at least one of {@code bootstrapServers} accepts a TCP connection.
     *
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @throws IllegalStateException naming every address and why it could not be reached, or the malformed entry
     */
    public static void requireReachable(String bootstrapServers) {
        List<String> failures = new ArrayList<>();
        for (String entry : bootstrapServers.split(",")) {
            String address = entry.trim();
            if (address.isEmpty()) {
                continue;
            }
            InetSocketAddress socketAddress = parse(address);
            if (socketAddress.isUnresolved()) {
                failures.add(address + " (unknown host)");
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(socketAddress, (int) CONNECT_TIMEOUT.toMillis());
                return;
            } catch (ConnectException e) {
                failures.add(address + " (connection refused)");
            } catch (SocketTimeoutException e) {
                failures.add(address + " (no answer within " + CONNECT_TIMEOUT.toSeconds() + " s)");
            } catch (IOException e) {
                failures.add(address + " (" + e.getMessage() + ")");
            }
        }
        if (failures.isEmpty()) {
            throw new IllegalStateException("no broker address given in bootstrap servers '" + bootstrapServers + "'");
        }
        throw new IllegalStateException("cannot reach the Kafka broker at " + String.join(", ", failures)
                + "; is it running, and is the address right?");
    }

    private static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalStateException("bootstrap server '" + address + "' is not host:port");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // [IPv6]:port
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("bootstrap server '" + address + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalStateException("bootstrap server '" + address + "' has port " + port + ", expected 1..65535");
        }
        return new InetSocketAddress(host, port);
    }
}
