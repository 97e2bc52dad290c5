package dev.backstream.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 client over one kept-alive socket, for load generation: it writes a prepared request and reads
 * the status line, the headers and a {@code Content-Length} or chunked body, nothing else. The JDK's HttpClient funnels every
 * connection through one selector thread, which capped a benchmark at the client's speed rather than the server's.
 * Not thread-safe: one per load thread.
 */
final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] request;
    private final StringBuilder line = new StringBuilder();

    /** A connection to {@code url}'s host that will POST {@code body} as JSON to its path. */
    RawHttpClient(String url, byte[] body) throws IOException {
        URI uri = URI.create(url);
        socket = new Socket(uri.getHost(), uri.getPort());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 65_536);
        byte[] head = ("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
    }

    /** Sends the request and reads the whole answer; returns its status. */
    int exchange() throws IOException {
        out.write(request);
        out.flush();
        String status = readLine();
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        String header;
        while (!(header = readLine()).isEmpty()) {
            if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Long.parseLong(header.substring(15).trim());
            } else if (header.regionMatches(true, 0, "Transfer-Encoding:", 0, 18) && header.toLowerCase().contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            long chunk;
            while ((chunk = Long.parseLong(readLine().trim(), 16)) > 0) {
                in.skipNBytes(chunk);
                readLine();
            }
            readLine();
        } else if (length >= 0) {
            in.skipNBytes(length);
        } else {
            throw new IOException("neither Content-Length nor chunked in the answer (status " + code + ")");
        }
        return code;
    }

    private String readLine() throws IOException {
        line.setLength(0);
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
