package dev.backstream.features;

import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.backstream.features.FeatureException.Kind.INVALID_FIELD;
import static dev.backstream.features.FeatureException.Kind.MISSING_FIELD;
import static dev.backstream.features.FeatureException.Kind.UNKNOWN_CATEGORY;
import static dev.backstream.features.Specs.json;
import static dev.backstream.features.Specs.oneField;
import static dev.backstream.features.Specs.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each encoding of {@link FeatureSpec}, against values worked out here. */
class FeatureSpecEncodingTest {

    private static double[] encode(FeatureSpec spec, String event) throws FeatureException {
        return spec.encode(json(event), spec.newState()).features();
    }

    private static double[] encode(FeatureSpec spec, String event, Preprocessing state) throws FeatureException {
        return spec.encode(json(event), state).features();
    }

    private static FeatureException rejected(FeatureSpec spec, String event) {
        return assertThrows(FeatureException.class, () -> spec.encode(json(event), spec.newState()));
    }

    /** A state that has learned {@code values} for a spec with one stateful field. */
    private static Preprocessing learned(FeatureSpec spec, double... values) {
        Preprocessing state = spec.newState();
        for (double x : values) {
            state.learn(new double[] {x});
        }
        return state;
    }

    @Nested
    class ANumericField {
        private final FeatureSpec raw = oneField("{\"path\": \"distance\", \"type\": \"numeric\"}");
        private final FeatureSpec standardized = oneField("{\"path\": \"distance\", \"type\": \"numeric\", \"encoding\": \"standardize\"}");

        @Test
        void isItsValueWhenRaw() throws FeatureException {
            assertArrayEquals(new double[] {12.5}, encode(raw, "{\"distance\": 12.5}"));
            assertArrayEquals(new double[] {-3}, encode(raw, "{\"distance\": -3}"));
        }

        @Test
        void isStandardizedWithThePopulationDeviationOfTheValuesLearned() throws FeatureException {
            // 2, 4, 4, 4, 5, 5, 7, 9: μ = 5, Σ(x − μ)² = 32, σ = √(32/8) = 2
            Preprocessing state = learned(standardized, 2, 4, 4, 4, 5, 5, 7, 9);
            assertArrayEquals(new double[] {(9 - 5) / 2.0}, encode(standardized, "{\"distance\": 9}", state));
            assertArrayEquals(new double[] {(4 - 5) / 2.0}, encode(standardized, "{\"distance\": 4}", state));
        }

        @Test
        void standardizesToZeroWhileTheDeviationIsZero() throws FeatureException {
            assertArrayEquals(new double[] {0}, encode(standardized, "{\"distance\": 10}"), "nothing learned");
            assertArrayEquals(new double[] {0}, encode(standardized, "{\"distance\": 10}", learned(standardized, 3, 3, 3)), "one distinct value");
        }

        @Test
        void observesTheRawValueForTheStatistics() throws FeatureException {
            EncodedEvent event = standardized.encode(json("{\"distance\": 731}"), standardized.newState());
            assertArrayEquals(new double[] {731}, event.observed());
            assertArrayEquals(new double[0], raw.encode(json("{\"distance\": 731}"), raw.newState()).observed(), "a raw field has no statistics");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"731\"", "true", "[731]", "{\"miles\": 731}"})
        void rejectsAValueThatIsNotANumber(String value) {
            FeatureException e = rejected(raw, "{\"distance\": " + value + "}");
            assertEquals(INVALID_FIELD, e.kind());
            assertEquals("distance", e.path());
            assertEquals("distance: expected a number, found " + json(value), e.getMessage());
        }

        @Test
        void rejectsANonFiniteNumber() {
            ObjectNode event = Specs.object("{}");
            event.set("distance", DoubleNode.valueOf(Double.NaN));
            FeatureException e = assertThrows(FeatureException.class, () -> raw.encode(event, raw.newState()));
            assertEquals(INVALID_FIELD, e.kind());
            assertTrue(e.getMessage().contains("expected a finite number"), e.getMessage());
        }

        @Test
        void rejectsAValueTooLargeForRunningStatistics() {
            FeatureException e = rejected(standardized, "{\"distance\": 1e200}");
            assertEquals(INVALID_FIELD, e.kind());
        }

        @Test
        void isFoundAlongADottedPath() throws FeatureException {
            FeatureSpec nested = oneField("{\"path\": \"flight.distance\", \"type\": \"numeric\"}");
            assertArrayEquals(new double[] {731}, encode(nested, "{\"flight\": {\"distance\": 731}}"));
            FeatureException e = rejected(nested, "{\"flight\": \"UA 93\"}");
            assertEquals(INVALID_FIELD, e.kind());
            assertEquals("flight.distance", e.path());
        }
    }

    @Nested
    class AOneHotField {
        private final FeatureSpec other = oneField(
                "{\"path\": \"carrier\", \"type\": \"categorical\", \"encoding\": \"one_hot\", \"vocabulary\": [\"AA\", \"UA\", \"7\"]}");
        private final FeatureSpec reject = oneField(
                "{\"path\": \"carrier\", \"type\": \"categorical\", \"encoding\": \"one_hot\", \"vocabulary\": [\"AA\", \"UA\"], \"unknown\": \"reject\"}");

        @Test
        void setsTheColumnOfItsValueInVocabularyOrder() throws FeatureException {
            assertArrayEquals(new double[] {1, 0, 0, 0}, encode(other, "{\"carrier\": \"AA\"}"));
            assertArrayEquals(new double[] {0, 1, 0, 0}, encode(other, "{\"carrier\": \"UA\"}"));
        }

        @Test
        void setsTheLastColumnForAValueOutsideTheVocabulary() throws FeatureException {
            assertArrayEquals(new double[] {0, 0, 0, 1}, encode(other, "{\"carrier\": \"DL\"}"));
            assertArrayEquals(new double[] {0, 0, 0, 1}, encode(other, "{\"carrier\": \"aa\"}"), "values are case-sensitive");
        }

        @Test
        void readsANumberAsItsJsonText() throws FeatureException {
            assertArrayEquals(new double[] {0, 0, 1, 0}, encode(other, "{\"carrier\": 7}"));
            assertArrayEquals(new double[] {0, 0, 0, 1}, encode(other, "{\"carrier\": 7.0}"), "7.0 is the text \"7.0\"");
        }

        @Test
        void rejectsAnUnknownValueWhenTheSpecSaysSoButKeepsTheOtherColumn() throws FeatureException {
            assertArrayEquals(new double[] {0, 1, 0}, encode(reject, "{\"carrier\": \"UA\"}"));
            FeatureException e = rejected(reject, "{\"carrier\": \"DL\"}");
            assertEquals(UNKNOWN_CATEGORY, e.kind());
            assertEquals("carrier", e.path());
        }

        @Test
        void rejectsAnObjectOrArray() {
            assertEquals(INVALID_FIELD, rejected(other, "{\"carrier\": [\"AA\"]}").kind());
        }
    }

    @Nested
    class AHashedField {
        private final FeatureSpec spec = oneField("{\"path\": \"origin\", \"type\": \"categorical\", \"encoding\": \"hash\", \"buckets\": 64}");

        private double[] oneAt(int column) {
            double[] expected = new double[64];
            expected[column] = 1;
            return expected;
        }

        @Test
        void setsTheColumnOfTheUnsignedMurmurHashOfItsUtf8BytesModuloTheBuckets() throws FeatureException {
            // murmur3_x86_32("hello", 0) = 0x248bfa47 = 613153351; 613153351 mod 64 = 7
            assertArrayEquals(oneAt(7), encode(spec, "{\"origin\": \"hello\"}"));
            // 0xc9805595 = 3380630933 unsigned; mod 64 = 21
            assertArrayEquals(oneAt(21), encode(spec, "{\"origin\": \"ORD\"}"));
        }

        @Test
        void hashesANumberAsItsJsonText() throws FeatureException {
            assertArrayEquals(encode(spec, "{\"origin\": \"42\"}"), encode(spec, "{\"origin\": 42}"));
            assertArrayEquals(encode(spec, "{\"origin\": \"1000.0\"}"), encode(spec, "{\"origin\": 1e3}"));
        }

        @Test
        void isWidthBuckets() {
            assertEquals(64, spec.width());
        }
    }

    @Nested
    class ABooleanField {
        private final FeatureSpec spec = oneField("{\"path\": \"weekend\", \"type\": \"boolean\"}");

        @Test
        void isOneForTrueAndZeroForFalse() throws FeatureException {
            assertArrayEquals(new double[] {1}, encode(spec, "{\"weekend\": true}"));
            assertArrayEquals(new double[] {0}, encode(spec, "{\"weekend\": false}"));
        }

        @Test
        void rejectsTheTextTrue() {
            FeatureException e = rejected(spec, "{\"weekend\": \"true\"}");
            assertEquals(INVALID_FIELD, e.kind());
            assertEquals("weekend: expected a boolean, found \"true\"", e.getMessage());
        }
    }

    @Nested
    class ATimestampField {
        private final FeatureSpec utc = oneField("{\"path\": \"date\", \"type\": \"timestamp\", \"parts\": [\"hour_of_day\", \"day_of_week\"]}");

        /** sin and cos of 2π·part/period for each (part, period). */
        private double[] cyclic(double... partsAndPeriods) {
            double[] columns = new double[partsAndPeriods.length];
            for (int i = 0; i < partsAndPeriods.length; i += 2) {
                double angle = 2 * Math.PI * partsAndPeriods[i] / partsAndPeriods[i + 1];
                columns[i] = Math.sin(angle);
                columns[i + 1] = Math.cos(angle);
            }
            return columns;
        }

        @Test
        void encodesHourWithMinutesAndWeekdayFromMondayAsSinCosPairs() throws FeatureException {
            // 2001-01-05 was a Friday: day 4 counting Monday as 0; 06:30 is hour 6.5
            assertArrayEquals(cyclic(6.5, 24, 4, 7), encode(utc, "{\"date\": \"2001-01-05T06:30:00Z\"}"), 1e-15);
        }

        @Test
        void startsTheWeekOnMondayAtMidnight() throws FeatureException {
            // 2001-01-01 was a Monday; both parts are 0: sin 0 = 0, cos 0 = 1 exactly
            assertArrayEquals(new double[] {0, 1, 0, 1}, encode(utc, "{\"date\": \"2001-01-01T00:00:00Z\"}"));
        }

        @Test
        void givesTheBitsOfStrictMathOnEveryJvm() throws FeatureException {
            // fdlibm's values, pinned: a change to Math.sin (which may use platform intrinsics) would show here
            assertArrayEquals(new double[] {0.9914448613738104, -0.1305261922200516, -0.433883739117558, -0.9009688679024191},
                    encode(utc, "{\"date\": \"2001-01-05T06:30:00Z\"}"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"978676200000", "9.786762E11", "\"2001-01-05T06:30:00Z\"", "\"2001-01-05T06:30:00\"",
                "\"2001-01-05 06:30\"", "\"2001-01-05 06:30:00\"", "\"2001-01-05T07:30:00+01:00\""})
        void readsEpochMillisAndIsoTextAsTheSameInstant(String value) throws FeatureException {
            assertArrayEquals(encode(utc, "{\"date\": \"2001-01-05T06:30:00Z\"}"), encode(utc, "{\"date\": " + value + "}"));
        }

        @Test
        void readsLocalTextAndComputesThePartsInTheConfiguredZone() throws FeatureException {
            FeatureSpec newYork = oneField("{\"path\": \"date\", \"type\": \"timestamp\", \"parts\": [\"hour_of_day\"], \"zone\": \"America/New_York\"}");
            assertArrayEquals(cyclic(6.5, 24), encode(newYork, "{\"date\": \"2001-01-05 06:30\"}"), 1e-15);
            // 06:30 UTC is 01:30 in New York (EST, UTC−5)
            assertArrayEquals(cyclic(1.5, 24), encode(newYork, "{\"date\": \"2001-01-05T06:30:00Z\"}"), 1e-15);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"2001-01-05\"", "\"05/01/2001 06:30\"", "\"2001-02-30 06:30\"", "1.5", "true",
                "\"+999999999-12-31T23:59:59-01:00\"", "\"-999999999-01-01T00:00:00+01:00\""})
        void rejectsAnythingElse(String value) {
            FeatureException e = rejected(utc, "{\"date\": " + value + "}");
            assertEquals(INVALID_FIELD, e.kind());
            assertEquals("date", e.path());
        }
    }

    @Nested
    class AMissingValue {
        @Test
        void isRejectedByDefault() {
            FeatureSpec spec = oneField("{\"path\": \"distance\", \"type\": \"numeric\"}");
            for (String event : List.of("{}", "{\"distance\": null}")) {
                FeatureException e = rejected(spec, event);
                assertEquals(MISSING_FIELD, e.kind());
                assertEquals("distance", e.path());
            }
        }

        @Test
        void zeroesEveryColumnOfTheFieldUnderZero() throws FeatureException {
            assertArrayEquals(new double[] {0, 0, 0},
                    encode(oneField("{\"path\": \"c\", \"type\": \"categorical\", \"encoding\": \"one_hot\", \"vocabulary\": [\"a\", \"b\"], \"missing\": \"zero\"}"), "{}"));
            assertArrayEquals(new double[] {0, 0},
                    encode(oneField("{\"path\": \"t\", \"type\": \"timestamp\", \"parts\": [\"day_of_week\"], \"missing\": \"zero\"}"), "{\"t\": null}"));
            assertArrayEquals(new double[] {0},
                    encode(oneField("{\"path\": \"b\", \"type\": \"boolean\", \"missing\": \"zero\"}"), "{}"));
            FeatureSpec standardized = oneField("{\"path\": \"x\", \"type\": \"numeric\", \"encoding\": \"standardize\", \"missing\": \"zero\"}");
            assertArrayEquals(new double[] {0}, encode(standardized, "{}", learned(standardized, 10, 20)), "0, not the standardized 0");
        }

        @Test
        void isTheRunningMeanUnderMeanAndZeroBeforeTheFirstValue() throws FeatureException {
            FeatureSpec spec = oneField("{\"path\": \"x\", \"type\": \"numeric\", \"missing\": \"mean\"}");
            assertArrayEquals(new double[] {0}, encode(spec, "{}"));
            assertArrayEquals(new double[] {(2 + 4 + 9) / 3.0}, encode(spec, "{}", learned(spec, 2, 4, 9)));
        }

        @Test
        void standardizesToZeroUnderMean() throws FeatureException {
            FeatureSpec spec = oneField("{\"path\": \"x\", \"type\": \"numeric\", \"encoding\": \"standardize\", \"missing\": \"mean\"}");
            assertArrayEquals(new double[] {0}, encode(spec, "{}", learned(spec, 2, 4, 9)));
        }

        @Test
        void isObservedAsNaNSoThatTheStatisticsSkipIt() throws FeatureException {
            FeatureSpec spec = oneField("{\"path\": \"x\", \"type\": \"numeric\", \"missing\": \"mean\"}");
            EncodedEvent event = spec.encode(json("{}"), spec.newState());
            assertEquals(1, event.observed().length);
            assertTrue(Double.isNaN(event.observed()[0]));
        }

        @Test
        void setsTheIndicatorColumnAfterTheFieldsColumns() throws FeatureException {
            FeatureSpec spec = oneField("{\"path\": \"c\", \"type\": \"categorical\", \"encoding\": \"one_hot\", \"vocabulary\": [\"a\"],"
                    + " \"missing\": \"zero\", \"indicator\": true}");
            assertArrayEquals(new double[] {0, 0, 1}, encode(spec, "{}"));
            assertArrayEquals(new double[] {1, 0, 0}, encode(spec, "{\"c\": \"a\"}"));
            FeatureSpec mean = oneField("{\"path\": \"x\", \"type\": \"numeric\", \"missing\": \"mean\", \"indicator\": true}");
            assertArrayEquals(new double[] {3, 1}, encode(mean, "{}", learned(mean, 2, 4)));
            assertArrayEquals(new double[] {7, 0}, encode(mean, "{\"x\": 7}", learned(mean, 2, 4)));
        }
    }

    @Nested
    class ALabel {
        private FeatureSpec withLabel(String label) {
            return spec("{\"fields\": [{\"path\": \"x\", \"type\": \"numeric\"}], \"label\": " + label + "}");
        }

        @Test
        void ofTypeClassIsTheIndexOfItsName() throws FeatureException {
            FeatureSpec spec = withLabel("{\"path\": \"status\", \"type\": \"class\", \"classes\": [\"on_time\", \"late\", \"3\"]}");
            assertEquals(1, spec.label(json("{\"status\": \"late\"}")).classIndex());
            assertEquals(2, spec.label(json("{\"status\": 3}")).classIndex());
            assertNull(spec.label(json("{\"status\": \"late\"}")).target());
            FeatureException e = assertThrows(FeatureException.class, () -> spec.label(json("{\"status\": \"cancelled\"}")));
            assertEquals(UNKNOWN_CATEGORY, e.kind());
            assertEquals("status", e.path());
        }

        @Test
        void countsTheClassesItNames() {
            assertEquals(3, withLabel("{\"path\": \"s\", \"type\": \"class\", \"classes\": [\"a\", \"b\", \"c\"]}").labelClassCount());
            assertEquals(2, withLabel("{\"path\": \"delay\", \"type\": \"threshold\", \"above\": 15}").labelClassCount());
            assertEquals(0, withLabel("{\"path\": \"delay\", \"type\": \"number\"}").labelClassCount());
            assertEquals("delay", withLabel("{\"path\": \"delay\", \"type\": \"number\"}").labelPath());
        }

        @Test
        void ofTypeNumberIsAOneValueTarget() throws FeatureException {
            EventLabel label = withLabel("{\"path\": \"delay\", \"type\": \"number\"}").label(json("{\"delay\": 17.5}"));
            assertNull(label.classIndex());
            assertArrayEquals(new double[] {17.5}, label.target());
        }

        @Test
        void ofTypeThresholdIsOneOnlyAboveTheThreshold() throws FeatureException {
            FeatureSpec spec = withLabel("{\"path\": \"delay\", \"type\": \"threshold\", \"above\": 15}");
            assertEquals(0, spec.label(json("{\"delay\": 15}")).classIndex());
            assertEquals(1, spec.label(json("{\"delay\": 15.5}")).classIndex());
            assertEquals(0, spec.label(json("{\"delay\": -40}")).classIndex());
            assertEquals(INVALID_FIELD, assertThrows(FeatureException.class, () -> spec.label(json("{\"delay\": \"late\"}"))).kind());
        }

        @Test
        void isAbsentWhenTheFieldIsAbsentOrNull() throws FeatureException {
            FeatureSpec spec = withLabel("{\"path\": \"delay\", \"type\": \"number\"}");
            assertNull(spec.label(json("{\"x\": 1}")));
            assertNull(spec.label(json("{\"delay\": null}")));
        }

        @Test
        void ofALabelRecordIsReadByTheSameRuleAndMustBePresent() throws FeatureException {
            FeatureSpec spec = withLabel("{\"path\": \"delay\", \"type\": \"threshold\", \"above\": 15}");
            assertEquals(1, spec.parseLabel(json("16")).classIndex());
            assertEquals(MISSING_FIELD, assertThrows(FeatureException.class, () -> spec.parseLabel(json("null"))).kind());
            assertEquals(MISSING_FIELD, assertThrows(FeatureException.class, () -> spec.parseLabel(null)).kind());
            assertEquals(INVALID_FIELD, assertThrows(FeatureException.class, () -> spec.parseLabel(json("\"16\""))).kind());
        }
    }

    @Nested
    class TheEventId {
        @Test
        void isTheTextAtTheIdPathAndNullWhenAbsent() {
            FeatureSpec byDefault = oneField("{\"path\": \"x\", \"type\": \"numeric\"}");
            assertEquals("id", byDefault.idPath());
            assertEquals("f-1", byDefault.id(json("{\"id\": \"f-1\"}")));
            assertEquals("42", byDefault.id(json("{\"id\": 42}")));
            assertNull(byDefault.id(json("{\"x\": 1}")));
            assertNull(byDefault.id(json("{\"id\": null}")));
            FeatureSpec nested = spec("{\"id\": \"meta.key\", \"fields\": [{\"path\": \"x\", \"type\": \"numeric\"}], \"label\": {\"path\": \"y\", \"type\": \"number\"}}");
            assertEquals("k", nested.id(json("{\"meta\": {\"key\": \"k\"}}")));
        }
    }

    @Nested
    class AWholeSpec {
        private final FeatureSpec spec = spec("""
                {"fields": [
                   {"path": "distance", "type": "numeric", "encoding": "standardize", "missing": "mean", "indicator": true},
                   {"path": "origin", "type": "categorical", "encoding": "hash", "buckets": 4},
                   {"path": "carrier", "type": "categorical", "encoding": "one_hot", "vocabulary": ["AA", "UA"]},
                   {"path": "weekend", "type": "boolean", "missing": "zero"},
                   {"path": "date", "type": "timestamp", "parts": ["hour_of_day", "day_of_week"]}],
                 "label": {"path": "delay", "type": "threshold", "above": 15}}""");

        @Test
        void namesEveryColumnInColumnOrder() {
            assertEquals(List.of("distance", "distance.missing", "origin#0", "origin#1", "origin#2", "origin#3",
                    "carrier=AA", "carrier=UA", "carrier=(other)", "weekend",
                    "date.hour_of_day.sin", "date.hour_of_day.cos", "date.day_of_week.sin", "date.day_of_week.cos"), spec.columnNames());
            assertEquals(14, spec.width());
        }

        @Test
        void concatenatesTheFieldsInSpecOrder() throws FeatureException {
            // "ORD": 3380630933 mod 4 = 1; Monday midnight: sin 0, cos 1 twice
            double[] features = encode(spec, """
                    {"distance": 731, "origin": "ORD", "carrier": "UA", "date": "2001-01-01T00:00:00Z", "delay": 40}""");
            assertArrayEquals(new double[] {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1}, features);
        }

        @Test
        void givesBitIdenticalVectorsForIdenticalInputs() throws FeatureException {
            String event = "{\"distance\": 731, \"origin\": \"SFO\", \"carrier\": \"DL\", \"weekend\": true, \"date\": 978676200000}";
            Preprocessing state = spec.newState();
            state.learn(new double[] {500});
            state.learn(new double[] {1200});
            assertArrayEquals(encode(spec, event, state), encode(spec, event, state.copy()));
        }

        @Test
        void rejectsAStateMadeForAnotherSpec() {
            Preprocessing other = oneField("{\"path\": \"x\", \"type\": \"numeric\", \"missing\": \"mean\"}").newState();
            assertThrows(IllegalArgumentException.class, () -> spec.encode(json("{}"), other));
        }
    }
}
