package dev.backstream.cli;

import dev.backstream.message.ModelEvent;

/**
 * A model event as one sentence for a person: {@code created model fraud (version 0)},
 * {@code reset model fraud (version 1200 -> 0)}, {@code rejected: MODEL_EXISTS: model 'fraud' exists}.
 */
final class EventLine {
    private EventLine() {
    }

    static String of(ModelEvent event) {
        if (ModelEvent.REJECTED.equals(event.event())) {
            return "rejected: " + event.reason() + (event.message() == null ? "" : ": " + event.message());
        }
        String line = event.event().replace('_', ' ') + " model " + event.model() + versions(event.versionBefore(), event.versionAfter());
        return event.message() == null ? line : line + ": " + event.message();
    }

    private static String versions(Long before, Long after) {
        if (before == null && after == null) {
            return "";
        }
        if (after == null) {
            return " (was at version " + before + ")";
        }
        if (before == null || before.equals(after)) {
            return " (version " + after + ")";
        }
        return " (version " + before + " -> " + after + ")";
    }
}
