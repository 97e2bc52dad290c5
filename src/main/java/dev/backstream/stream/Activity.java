package dev.backstream.stream;

import dev.backstream.message.RejectReason;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the application did since the last summary: records learned and predictions per model, dead letters per reason.
 * The stream threads count; {@code backstream run} logs {@link #takeSummary()} once a minute. Thread-safe, and cheap on
 * the record path: a map lookup and an adder increment.
 */
public final class Activity {
    /** Models named in a summary line; the rest are counted together, so that the line stays short with many models. */
    static final int MODELS_NAMED = 10;

    private final Map<String, Counts> models = new ConcurrentHashMap<>();
    private final Map<RejectReason, LongAdder> deadLetters = new ConcurrentHashMap<>();
    private final Totals totals = new Totals();

    private static final class Counts {
        final LongAdder learned = new LongAdder();
        final LongAdder predictions = new LongAdder();
    }

    void learned(String model) {
        models.computeIfAbsent(model, m -> new Counts()).learned.increment();
        totals.countLearned(model);
    }

    void predicted(String model) {
        models.computeIfAbsent(model, m -> new Counts()).predictions.increment();
        totals.countPrediction(model);
    }

    void deadLetter(RejectReason reason) {
        deadLetters.computeIfAbsent(reason, r -> new LongAdder()).increment();
        totals.countDeadLetter(reason);
    }

    /** The same counts since the process started, never reset by {@link #takeSummary()}. */
    public Totals totals() {
        return totals;
    }

    /** The counts since the last call, as one line, and resets them. */
    public String takeSummary() {
        record Model(String id, long learned, long predictions) {
        }
        List<Model> counted = new ArrayList<>();
        models.forEach((id, counts) -> counted.add(new Model(id, counts.learned.sumThenReset(), counts.predictions.sumThenReset())));
        counted.removeIf(m -> m.learned == 0 && m.predictions == 0);
        counted.sort(Comparator.comparingLong((Model m) -> m.learned + m.predictions).reversed().thenComparing(Model::id));
        Map<RejectReason, Long> letters = new EnumMap<>(RejectReason.class);
        deadLetters.forEach((reason, count) -> {
            long n = count.sumThenReset();
            if (n > 0) {
                letters.put(reason, n);
            }
        });
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
