package dev.backstream.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The task moves a test produced, from successive settled assignments: every change of a task's active owner between
 * two observations is one move, and for the instances whose standbys are visible (those in the test's JVM) the roles
 * each task had there over time, to find the tasks that went active → standby → active on one instance. Moves and
 * roles in between two observations are not seen, so both are lower bounds.
 */
final class TaskMoves {
    private final List<String> moves = new ArrayList<>();
    private final Map<String, Map<Integer, StringBuilder>> roles = new TreeMap<>();
    private Map<Integer, String> owners = Map.of();

    /**
     * @param now      the active owner of each task
     * @param standbys the standby tasks of each instance whose standbys are visible, empty for one that is stopped
     */
    void observe(String phase, Map<Integer, String> now, Map<String, Set<Integer>> standbys) {
        for (int partition : new TreeSet<>(now.keySet())) {
            String before = owners.get(partition);
            if (before != null && !before.equals(now.get(partition))) {
                moves.add("p" + partition + ": " + before + "→" + now.get(partition) + " (" + phase + ")");
            }
        }
        owners = Map.copyOf(now);
        standbys.forEach((instance, standbyTasks) -> {
            Map<Integer, StringBuilder> byTask = roles.computeIfAbsent(instance, i -> new HashMap<>());
            for (int partition : now.keySet()) {
                char role = instance.equals(now.get(partition)) ? 'A' : standbyTasks.contains(partition) ? 'S' : '-';
                StringBuilder history = byTask.computeIfAbsent(partition, p -> new StringBuilder());
                if (history.isEmpty() || history.charAt(history.length() - 1) != role) {
                    history.append(role);
                }
            }
        });
    }

    List<String> moves() {
        return List.copyOf(moves);
    }

    /** Tasks seen active, then standby, then active again on one instance, e.g. {@code p3 on a}. */
    List<String> activeStandbyActive() {
        List<String> found = new ArrayList<>();
        roles.forEach((instance, byTask) -> new TreeMap<>(byTask).forEach((partition, history) -> {
            if (history.indexOf("ASA") >= 0) {
                found.add("p" + partition + " on " + instance);
            }
        }));
        return found;
    }

    /** Every move, one per line, and the active → standby → active tasks. */
    String describe() {
        return moves.size() + " task move(s):\n  " + String.join("\n  ", moves)
                + "\nactive → standby → active: " + activeStandbyActive();
    }
}
