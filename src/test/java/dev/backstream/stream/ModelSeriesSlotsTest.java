package dev.backstream.stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The instance's series slots")
class ModelSeriesSlotsTest {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void listen() {
        appender.setContext(context);
        appender.start();
        context.getLogger(ModelSeriesSlots.class).addAppender(appender);
        context.getLogger(ModelSeriesSlots.class).setLevel(Level.INFO);
    }

    @AfterEach
    void stopListening() {
        context.getLogger(ModelSeriesSlots.class).detachAppender(appender);
        context.getLogger(ModelSeriesSlots.class).setLevel(null);
    }

    @Test
    void goFirstComeFirstServedAndAFreedSlotGoesToTheNextToAsk() {
        ModelSeriesSlots slots = new ModelSeriesSlots(2);
        assertTrue(slots.acquire("a"));
        assertTrue(slots.acquire("b"));
        assertTrue(slots.acquire("a"), "a holder asking again keeps its slot and takes no other");
        assertFalse(slots.acquire("c"));
        assertEquals(Set.of("a", "b"), slots.models());

        slots.release("a");
        assertFalse(slots.holds("a"));
        assertTrue(slots.acquire("c"));
        assertFalse(slots.acquire("a"), "a gave its slot away");
        assertEquals(Set.of("b", "c"), slots.models());
    }

    @Test
    void noneAtZero() {
        ModelSeriesSlots slots = new ModelSeriesSlots(0);
        assertFalse(slots.acquire("a"));
        assertEquals(Set.of(), slots.models());
        assertThrows(IllegalArgumentException.class, () -> new ModelSeriesSlots(-1));
    }

    @Test
    void logOneInfoLineNamingTheSettingTheFirstTimeAModelIsRefusedAndNeverAgain() {
        ModelSeriesSlots slots = new ModelSeriesSlots(1);
        slots.acquire("a");
        assertEquals(0, appender.list.size(), "reaching the cap refuses nobody yet");
        for (int i = 0; i < 1000; i++) {
            slots.acquire("m" + i);
        }
        slots.release("a");
        slots.acquire("x");
        slots.acquire("y");
        assertEquals(1, appender.list.size(), "one line per instance, not one per model");
        ILoggingEvent line = appender.list.get(0);
        assertEquals(Level.INFO, line.getLevel());
        assertTrue(line.getFormattedMessage().contains("metrics.model.series.max"), line.getFormattedMessage());
    }
}
