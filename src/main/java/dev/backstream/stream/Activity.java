package dev.backstream.stream;

import dev.backstream.message.RejectReason;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the application did: records learned and predictions per model, dead letters per reason. The stream threads
 * count once, into {@link Totals} (since the process started, read by the Prometheus endpoint); {@code backstream run}
 * logs {@link #takeSummary()} once a minute, the difference from the totals at the previous summary. Thread-safe, and
 * cheap on the record path: a map lookup and an adder increment.
 */
public final class Activity {
    /** Models named in a summary line; the rest are counted together, so that the line stays short with many models. */
    static final int MODELS_NAMED = 10;

    private final Totals totals = new Totals();
    /** The totals at the last summary: learned and predictions per model, dead letters per reason. */
    private final Map<String, long[]> summarizedModels = new HashMap<>();
    private final long[] summarizedDeadLetters = new long[RejectReason.values().length];

    void learned(String model) {
        totals.countLearned(model);
    }

    void predicted(String model) {
        totals.countPrediction(model);
    }

    void deadLetter(RejectReason reason) {
        totals.countDeadLetter(reason);
    }

    /** The counts since the process started. */
    public Totals totals() {
        return totals;
    }

    /** The counts since the last call, as one line. */
    public synchronized String takeSummary() {
        record Model(String id, long learned, long predictions) {
        }
        List<Model> counted = new ArrayList<>();
        for (String id : totals.models()) {
            long[] before = summarizedModels.computeIfAbsent(id, m -> new long[2]);
            long learned = totals.learned(id);
            long predictions = totals.predictions(id);
            if (learned != before[0] || predictions != before[1]) {
                counted.add(new Model(id, learned - before[0], predictions - before[1]));
                before[0] = learned;
                before[1] = predictions;
            }
        }
        counted.sort(Comparator.comparingLong((Model m) -> m.learned + m.predictions).reversed().thenComparing(Model::id));
        Map<RejectReason, Long> letters = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            long total = totals.deadLetters(reason);
            if (total != summarizedDeadLetters[reason.ordinal()]) {
                letters.put(reason, total - summarizedDeadLetters[reason.ordinal()]);
                summarizedDeadLetters[reason.ordinal()] = total;
            }
        }
        long learned = counted.stream().mapToLong(Model::learned).sum();
        long predictions = counted.stream().mapToLong(Model::predictions).sum();
        StringBuilder line = new StringBuilder().append("learned ").append(learned).append(", predictions ").append(predictions)
                .append(", dead letters ").append(letters.values().stream().mapToLong(Long::longValue).sum());
        if (!letters.isEmpty()) {
            line.append(' ').append(letters.toString().replace('=', ' ').replace("{", "(").replace("}", ")"));
        }
        if (!counted.isEmpty()) {
            line.append("; per model (learned/predictions):");
            counted.stream().limit(MODELS_NAMED).forEach(m -> line.append(' ').append(m.id).append(' ').append(m.learned)
                    .append('/').append(m.predictions).append(','));
            line.setLength(line.length() - 1);
            if (counted.size() > MODELS_NAMED) {
                List<Model> rest = counted.subList(MODELS_NAMED, counted.size());
                line.append(" and ").append(rest.size()).append(" more ").append(rest.stream().mapToLong(Model::learned).sum())
                        .append('/').append(rest.stream().mapToLong(Model::predictions).sum());
            }
        }
        return line.toString();
    }
}
