package dev.backstream.cli;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The flights demo's prequential scores, month by month: for each scorer (the online model, the model frozen after
 * January, the majority baseline) the accuracy and the log-loss of the predictions it made when each flight departed,
 * against the label that arrived later. Months are those of the departures. Not thread-safe.
 */
final class FlightsScoreboard {
    /** Probabilities are clipped to {@code [ε, 1 − ε]} so that one confident mistake costs a finite loss. */
    static final double EPSILON = 1e-15;

    private final List<String> scorers;
    /** month → scorer index → {n, correct, log-loss sum}; and month → {flights, delayed}. */
    private final Map<YearMonth, double[][]> scores = new TreeMap<>();
    private final Map<YearMonth, long[]> flights = new TreeMap<>();

    /** @param scorers the scorers' names, in the table's column order */
    FlightsScoreboard(List<String> scorers) {
        if (scorers.isEmpty()) {
            throw new IllegalArgumentException("expected at least one scorer, found none");
        }
        this.scorers = List.copyOf(scorers);
    }

    /** Counts one flight's label in its month (once per flight, whatever the number of scorers). */
    void addLabel(YearMonth month, int label) {
        long[] counts = flights.computeIfAbsent(month, m -> new long[2]);
        counts[0]++;
        counts[1] += label;
    }

    /**
     * Scores one prediction.
     *
     * @param scorer      the scorer's index in the constructor's list
     * @param label       the flight's class: 1 delayed, 0 not
     * @param probability the predicted probability of class 1
     * @param predicted   the predicted class
     */
    void add(int scorer, YearMonth month, int label, double probability, int predicted) {
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0 or 1, found " + label);
        }
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], found " + probability);
        }
        double[] cell = scores.computeIfAbsent(month, m -> new double[scorers.size()][3])[scorer];
        cell[0]++;
        cell[1] += predicted == label ? 1 : 0;
        cell[2] += logLoss(label, probability);
    }

    /** {@code −[y log p + (1 − y) log(1 − p)]} with {@code p} clipped to {@code [ε, 1 − ε]}. */
    static double logLoss(int label, double probability) {
        double p = Math.min(1 - EPSILON, Math.max(EPSILON, probability));
        return label == 1 ? -Math.log(p) : -Math.log(1 - p);
    }

    /** The scorer's log-loss over every scored prediction, NaN before the first. */
    double logLoss(int scorer) {
        return total(scorer, 2);
    }

    /** The scorer's accuracy over every scored prediction, NaN before the first. */
    double accuracy(int scorer) {
        return total(scorer, 1);
    }

    /** The number of predictions scored for {@code scorer}. */
    long scored(int scorer) {
        long n = 0;
        for (double[][] month : scores.values()) {
            n += (long) month[scorer][0];
        }
        return n;
    }

    private double total(int scorer, int column) {
        double n = 0;
        double sum = 0;
        for (double[][] month : scores.values()) {
            n += month[scorer][0];
            sum += month[scorer][column];
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The table: a row per month and one for all months, accuracy and log-loss per scorer. */
    List<String> render() {
        List<String> lines = new ArrayList<>();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-7s %8s %7s", "month", "flights", "delayed"));
        StringBuilder sub = new StringBuilder(String.format(Locale.ROOT, "%-7s %8s %7s", "", "", ""));
        for (String scorer : scorers) {
            head.append(String.format(Locale.ROOT, " | %-17s", scorer));
            sub.append(String.format(Locale.ROOT, " | %8s %8s", "accuracy", "log-loss"));
        }
        lines.add(head.toString());
        lines.add(sub.toString());
        Map<String, double[][]> rows = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        double[][] all = new double[scorers.size()][3];
        long[] allFlights = new long[2];
        for (Map.Entry<YearMonth, double[][]> month : scores.entrySet()) {
            rows.put(month.getKey().toString(), month.getValue());
            long[] c = flights.getOrDefault(month.getKey(), new long[2]);
            counts.put(month.getKey().toString(), c);
            allFlights[0] += c[0];
            allFlights[1] += c[1];
            for (int s = 0; s < scorers.size(); s++) {
                for (int k = 0; k < 3; k++) {
                    all[s][k] += month.getValue()[s][k];
                }
            }
        }
        rows.put("all", all);
        counts.put("all", allFlights);
        for (Map.Entry<String, double[][]> row : rows.entrySet()) {
            long[] c = counts.get(row.getKey());
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-7s %8d %6.1f%%", row.getKey(), c[0],
                    c[0] == 0 ? Double.NaN : 100.0 * c[1] / c[0]));
            for (double[] cell : row.getValue()) {
                line.append(cell[0] == 0 ? String.format(Locale.ROOT, " | %8s %8s", "-", "-")
                        : String.format(Locale.ROOT, " | %8.3f %8.4f", cell[1] / cell[0], cell[2] / cell[0]));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /**
     * The majority-class baseline: predicts the rate of delayed flights among the labels received so far (with one
     * imagined flight of each class, so 0.5 before the first label), and the more frequent class.
     */
    static final class MajorityBaseline {
        private long labels;
        private long delayed;

        double probability() {
            return (delayed + 1.0) / (labels + 2.0);
        }

        int predictedClass() {
            return probability() >= 0.5 ? 1 : 0;
        }

        void learn(int label) {
            labels++;
            delayed += label;
        }
    }
}
