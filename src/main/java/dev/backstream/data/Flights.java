package dev.backstream.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The BTS on-time flights data set bundled with the application: every 15th flight of January–June 2001 (200,000 rows,
 * ordered by departure; attribution, license and the commands that made it in {@code datasets/README.md} beside it).
 * The file is CSV with a header, {@code date,delay,distance,origin,destination}, the date as {@code 2001-01-01 00:01}.
 */
public final class Flights {
    /** The number of rows in the bundled file. */
    public static final int ROWS = 200_000;
    private static final String RESOURCE = "/datasets/flights-200k.csv.gz";
    private static final String HEADER = "date,delay,distance,origin,destination";

    private Flights() {
    }

    /**
     * The first {@code limit} rows in file order (all of them when {@code limit >= ROWS}), read lazily from the
     * bundled file: close the stream to close the file.
     *
     * @throws IllegalArgumentException for a negative limit
     * @throws IllegalStateException    (when the stream is consumed) for a malformed row, naming its line
     */
    public static Stream<Flight> stream(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, found " + limit);
        }
        BufferedReader reader = open();
        try {
            String header = reader.readLine();
            if (!HEADER.equals(header)) {
                throw new IllegalStateException(RESOURCE + ": expected the header '" + HEADER + "', found '" + header + "'");
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(reader, e);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        long[] line = {1};
        return reader.lines()
                .limit(limit)
                .map(text -> parse(text, ++line[0]))
                .onClose(() -> {
                    try {
                        reader.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    /** The first {@code limit} rows in file order, in a list. */
    public static List<Flight> load(long limit) {
        try (Stream<Flight> rows = stream(limit)) {
            List<Flight> list = new ArrayList<>((int) Math.min(limit, ROWS));
            rows.forEach(list::add);
            return List.copyOf(list);
        }
    }

    /** Parses one CSV row; {@code line} (1-based, the header is line 1) is for messages. */
    static Flight parse(String text, long line) {
        String[] cells = text.split(",", -1);
        if (cells.length != 5) {
            throw new IllegalStateException(RESOURCE + " line " + line + ": expected 5 cells, found " + cells.length + ": '" + text + "'");
        }
        try {
            return new Flight(departure(cells[0]), Integer.parseInt(cells[1]), Integer.parseInt(cells[2]), cells[3], cells[4]);
        } catch (RuntimeException e) {
            throw new IllegalStateException(RESOURCE + " line " + line + ": " + e.getMessage() + ": '" + text + "'", e);
        }
    }

    /** {@code 2001-01-01 00:01} (the fixed layout of the file). */
    private static LocalDateTime departure(String text) {
        if (text.length() != 16 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != ' ' || text.charAt(13) != ':') {
            throw new IllegalArgumentException("expected a date as yyyy-MM-dd HH:mm, found '" + text + "'");
        }
        return LocalDateTime.of(Integer.parseInt(text, 0, 4, 10), Integer.parseInt(text, 5, 7, 10), Integer.parseInt(text, 8, 10, 10),
                Integer.parseInt(text, 11, 13, 10), Integer.parseInt(text, 14, 16, 10));
    }

    private static BufferedReader open() {
        InputStream raw = Flights.class.getResourceAsStream(RESOURCE);
        if (raw == null) {
            throw new IllegalStateException("bundled data set " + RESOURCE + " is missing from the class path");
        }
        try {
            return new BufferedReader(new InputStreamReader(new GZIPInputStream(raw, 1 << 16), StandardCharsets.US_ASCII), 1 << 16);
        } catch (IOException e) {
            closeQuietly(raw, e);
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable, Exception cause) {
        try {
            closeable.close();
        } catch (Exception suppressed) {
            cause.addSuppressed(suppressed);
        }
    }
}
