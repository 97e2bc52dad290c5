package dev.backstream.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The handwritten digits data set bundled with the application (1,797 rows, 64 features 0..16, 10 classes;
 * attribution and license in {@code datasets/README.md} beside it).
 */
public final class Digits {
    public static final int FEATURES = 64;
    public static final int CLASSES = 10;
    private static final String RESOURCE = "/datasets/digits.csv.gz";

    private Digits() {
    }

    /**
     * All rows in file order, features scaled to [0, 1] (divided by 16).
     */
    public static List<LabeledRow> load() {
        try (InputStream raw = Digits.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("bundled data set " + RESOURCE + " is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
            List<LabeledRow> rows = new ArrayList<>(1797);
            String line;
            while ((line = reader.readLine()) != null) {
                String[] cells = line.split(",");
                if (cells.length != FEATURES + 1) {
                    throw new IllegalStateException("digits row " + (rows.size() + 1) + ": expected " + (FEATURES + 1) + " cells, found " + cells.length);
                }
                double[] features = new double[FEATURES];
                for (int j = 0; j < FEATURES; j++) {
                    features[j] = Integer.parseInt(cells[j]) / 16.0;
                }
                rows.add(new LabeledRow(features, Integer.parseInt(cells[FEATURES])));
            }
            return List.copyOf(rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
