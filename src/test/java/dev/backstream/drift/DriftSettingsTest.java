package dev.backstream.drift;

import dev.backstream.drift.PageHinkleySettings.Mode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Building a detector from a model definition's {@code type} and parameter map, and the messages for bad ones. */
@DisplayName("Drift detector settings")
class DriftSettingsTest {

    private static String rejection(String type, Map<String, ?> parameters) {
        return assertThrows(IllegalArgumentException.class, () -> DriftDetector.create(type, parameters)).getMessage();
    }

    private static Map<String, Object> map(Object... pairs) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Nested
    @DisplayName("a valid definition")
    class Valid {

        @Test
        void takesTheDefaultsForAbsentParameters() {
            assertEquals(AdwinSettings.DEFAULTS, DriftDetector.create("adwin", Map.of()).settings());
            assertEquals(AdwinSettings.DEFAULTS, DriftDetector.create("adwin", null).settings());
            assertEquals(PageHinkleySettings.DEFAULTS, DriftDetector.create("page-hinkley", Map.of()).settings());
            assertEquals(new AdwinSettings(0.002, 32, 5, 5, 10), AdwinSettings.DEFAULTS);
            assertEquals(new PageHinkleySettings(30, 0.005, 50, 0.9999, Mode.UP), PageHinkleySettings.DEFAULTS);
        }

        @Test
        void readsEveryParameterByRiversName() {
            DriftDetector adwin = DriftDetector.create("adwin",
                    map("delta", 0.01, "clock", 1, "max_buckets", 7, "min_window_length", 3, "grace_period", 0));
            assertInstanceOf(Adwin.class, adwin);
            assertEquals(new AdwinSettings(0.01, 1, 7, 3, 0), adwin.settings());
            DriftDetector ph = DriftDetector.create("page-hinkley",
                    map("min_instances", 10, "delta", 0, "threshold", 20.5, "alpha", 1, "mode", "both"));
            assertInstanceOf(PageHinkley.class, ph);
            assertEquals(new PageHinkleySettings(10, 0.0, 20.5, 1.0, Mode.BOTH), ph.settings());
        }

        @Test
        void acceptsIntegralNumbersOfAnyJsonTypeForIntegerParameters() {
            assertEquals(64, ((AdwinSettings) DriftSettings.of("adwin", map("clock", 64L))).clock());
            assertEquals(64, ((AdwinSettings) DriftSettings.of("adwin", map("clock", 64.0))).clock());
        }
    }

    @Nested
    @DisplayName("an invalid definition is rejected, naming what is wrong")
    class Invalid {

        @Test
        void unknownOrMissingType() {
            assertEquals("unknown drift detector type \"kswin\"; expected one of \"adwin\", \"page-hinkley\"",
                    rejection("kswin", Map.of()));
            assertEquals("unknown drift detector type \"ADWIN\"; expected one of \"adwin\", \"page-hinkley\"",
                    rejection("ADWIN", Map.of()));
            assertEquals("drift detector type is missing; expected one of \"adwin\", \"page-hinkley\"",
                    rejection(null, Map.of()));
        }

        @Test
        void unknownParameters() {
            assertEquals("unknown parameter [threshold] for drift detector \"adwin\"; known parameters: "
                    + "[clock, delta, grace_period, max_buckets, min_window_length]", rejection("adwin", map("threshold", 5)));
            assertEquals("unknown parameters [clock, lambda] for drift detector \"page-hinkley\"; known parameters: "
                    + "[alpha, delta, min_instances, mode, threshold]", rejection("page-hinkley", map("lambda", 5, "clock", 1)));
        }

        @Test
        void adwinValuesOutOfRange() {
            assertEquals("adwin parameter delta must be in (0, 1), found 0.0", rejection("adwin", map("delta", 0)));
            assertEquals("adwin parameter delta must be in (0, 1), found 1.0", rejection("adwin", map("delta", 1)));
            assertEquals("adwin parameter delta must be in (0, 1), found NaN", rejection("adwin", map("delta", Double.NaN)));
            assertEquals("adwin parameter clock must be >= 1, found 0", rejection("adwin", map("clock", 0)));
            assertEquals("adwin parameter max_buckets must be in [2, 64], found 1", rejection("adwin", map("max_buckets", 1)));
            assertEquals("adwin parameter min_window_length must be >= 1, found 0",
                    rejection("adwin", map("min_window_length", 0)));
            assertEquals("adwin parameter grace_period must be >= 0, found -1", rejection("adwin", map("grace_period", -1)));
        }

        @Test
        void pageHinkleyValuesOutOfRange() {
            assertEquals("page-hinkley parameter min_instances must be >= 1, found 0",
                    rejection("page-hinkley", map("min_instances", 0)));
            assertEquals("page-hinkley parameter delta must be a finite number >= 0, found -0.1",
                    rejection("page-hinkley", map("delta", -0.1)));
            assertEquals("page-hinkley parameter threshold must be a finite number > 0, found 0.0",
                    rejection("page-hinkley", map("threshold", 0)));
            assertEquals("page-hinkley parameter threshold must be a finite number > 0, found Infinity",
                    rejection("page-hinkley", map("threshold", Double.POSITIVE_INFINITY)));
            assertEquals("page-hinkley parameter alpha must be in (0, 1], found 1.5", rejection("page-hinkley", map("alpha", 1.5)));
            assertEquals("page-hinkley parameter alpha must be in (0, 1], found 0.0", rejection("page-hinkley", map("alpha", 0)));
            assertEquals("page-hinkley parameter mode must be one of \"up\", \"down\", \"both\", found \"sideways\"",
                    rejection("page-hinkley", map("mode", "sideways")));
        }

        @Test
        void valuesOfTheWrongKind() {
            assertEquals("adwin parameter delta must be a number, found \"0.01\"", rejection("adwin", map("delta", "0.01")));
            assertEquals("adwin parameter clock must be an integer, found 2.5 (Double)", rejection("adwin", map("clock", 2.5)));
            assertEquals("adwin parameter clock must be an integer, found true (Boolean)", rejection("adwin", map("clock", true)));
            assertEquals("adwin parameter clock must be an integer, found 1.0E10 (Double)", rejection("adwin", map("clock", 1e10)));
            assertEquals("page-hinkley parameter mode must be a string, found 1 (Integer)", rejection("page-hinkley", map("mode", 1)));
        }

        @Test
        void nullSettingsWhenBuildingDirectly() {
            assertEquals("adwin settings must not be null",
                    assertThrows(IllegalArgumentException.class, () -> new Adwin(null)).getMessage());
            assertEquals("page-hinkley settings must not be null",
                    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(null)).getMessage());
        }
    }
}
