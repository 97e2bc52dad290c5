package dev.backstream.data;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlightsTest {

    @Nested
    class TheBundledFile {
        private final List<Flight> all = Flights.load(Long.MAX_VALUE);

        @Test
        void holdsTwoHundredThousandRows() {
            assertEquals(Flights.ROWS, all.size());
        }

        @Test
        void startsWithTheFirstFlightOfTheYear() {
            assertEquals(new Flight(LocalDateTime.of(2001, 1, 1, 0, 1), 33, 2176, "LAS", "PHL"), all.get(0));
        }

        @Test
        void endsWithTheLastFlightOfJune() {
            assertEquals(new Flight(LocalDateTime.of(2001, 6, 30, 23, 58), 14, 1452, "DEN", "IAD"), all.get(all.size() - 1));
        }

        @Test
        void isInDepartureOrder() {
            for (int i = 1; i < all.size(); i++) {
                assertTrue(!all.get(i).departure().isBefore(all.get(i - 1).departure()), "row " + i + " departs before row " + (i - 1));
            }
        }

        @Test
        void hasSixMonthsEachWithADelayedRateBetweenTenAndThirtyPercent() {
            Map<YearMonth, int[]> byMonth = new TreeMap<>(); // {flights, delayed more than 15 minutes}
            for (Flight flight : all) {
                int[] counts = byMonth.computeIfAbsent(YearMonth.from(flight.departure()), m -> new int[2]);
                counts[0]++;
                counts[1] += flight.delayedMoreThan(15) ? 1 : 0;
            }
            assertEquals(List.of(YearMonth.of(2001, 1), YearMonth.of(2001, 2), YearMonth.of(2001, 3), YearMonth.of(2001, 4),
                    YearMonth.of(2001, 5), YearMonth.of(2001, 6)), List.copyOf(byMonth.keySet()));
            byMonth.forEach((month, counts) -> {
                double rate = counts[1] / (double) counts[0];
                assertTrue(counts[0] > 25_000, month + ": " + counts[0] + " flights");
                assertTrue(rate > 0.10 && rate < 0.30, month + ": delayed rate " + rate);
            });
        }

        @Test
        void hasAirportCodesAndPlausibleDistances() {
            for (Flight flight : all) {
                assertTrue(flight.origin().matches("[A-Z0-9]{3}") && flight.destination().matches("[A-Z0-9]{3}"), flight.toString());
                assertTrue(flight.distance() > 0 && flight.distance() < 6000, flight.toString());
            }
        }
    }

    @Nested
    class ALimit {
        @Test
        void readsOnlyTheFirstRowsInFileOrder() {
            List<Flight> first = Flights.load(3);
            assertEquals(3, first.size());
            assertEquals(Flights.load(Long.MAX_VALUE).subList(0, 3), first);
        }

        @Test
        void ofZeroReadsNothing() {
            try (Stream<Flight> none = Flights.stream(0)) {
                assertEquals(0, none.count());
            }
        }

        @Test
        void mustNotBeNegative() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Flights.stream(-1));
            assertEquals("limit must be >= 0, found -1", e.getMessage());
        }
    }

    @Nested
    class AMalformedRow {
        @Test
        void isRejectedNamingItsLineAndText() {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Flights.parse("2001-01-01 00:01,33,2176,LAS", 7));
            assertEquals("/datasets/flights-200k.csv.gz line 7: expected 5 cells, found 4: '2001-01-01 00:01,33,2176,LAS'", e.getMessage());
        }

        @Test
        void withABadDateIsRejectedNamingTheDate() {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Flights.parse("2001/01/01 00:01,33,2176,LAS,PHL", 2));
            assertTrue(e.getMessage().startsWith("/datasets/flights-200k.csv.gz line 2: expected a date as yyyy-MM-dd HH:mm, found '2001/01/01 00:01'"),
                    e.getMessage());
        }

        @Test
        void withANonNumericDelayIsRejected() {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Flights.parse("2001-01-01 00:01,late,2176,LAS,PHL", 2));
            assertTrue(e.getMessage().startsWith("/datasets/flights-200k.csv.gz line 2: "), e.getMessage());
        }
    }
}
