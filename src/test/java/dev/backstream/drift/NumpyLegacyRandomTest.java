package dev.backstream.drift;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The NumPy reproduction behind River's test streams, against values printed by NumPy 2.4 itself. */
class NumpyLegacyRandomTest {

    @Test
    void reproducesRiversDataStream1AsNumpyPrintsIt() {
        // np.random.seed(12345); a = np.random.randint(2, size=1000); b = np.random.randint(8, size=1000)
        double[] stream = Streams.riverDataStream1();
        assertArrayEquals(new double[]{0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1}, Arrays.copyOfRange(stream, 0, 12));
        assertArrayEquals(new double[]{3, 4, 5, 5, 7, 1, 2, 4, 3, 1, 7, 0}, Arrays.copyOfRange(stream, 1000, 1012));
        assertEquals(507, Arrays.stream(stream, 0, 1000).sum());
        assertEquals(3478, Arrays.stream(stream, 1000, 2000).sum());
    }

    @Test
    void rejectsDrawsAboveTheRangeAsNumpyDoes() {
        // np.random.seed(0); np.random.randint(5, size=8); np.random.randint(1000, size=4)
        NumpyLegacyRandom numpy = new NumpyLegacyRandom(0);
        int[] small = new int[8];
        for (int i = 0; i < small.length; i++) {
            small[i] = numpy.randint(5);
        }
        int[] large = new int[4];
        for (int i = 0; i < large.length; i++) {
            large[i] = numpy.randint(1000);
        }
        assertArrayEquals(new int[]{4, 0, 3, 3, 3, 1, 3, 2}, small);
        assertArrayEquals(new int[]{804, 599, 70, 472}, large);
    }
}
