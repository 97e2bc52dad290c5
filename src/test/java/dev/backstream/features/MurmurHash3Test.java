package dev.backstream.features;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * MurmurHash3_x86_32 with seed 0 against the reference implementation's published values ("", "hello" and the quick
 * brown fox appear in Guava's and the reference C code's tests; the others were checked against an independent Python
 * transcription of the reference C code). The inputs cover every tail length (0 to 3 bytes after the 4-byte blocks)
 * and multi-byte UTF-8.
 */
class MurmurHash3Test {

    @ParameterizedTest(name = "\"{0}\" hashes to {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "''                                          | 0x00000000",
            "a                                           | 0x3c2569b2",
            "ab                                          | 0x9bbfd75f",
            "abc                                         | 0xb3dd93fa",
            "abcd                                        | 0x43ed676a",
            "hello                                       | 0x248bfa47",
            "'hello, world'                              | 0x149bbb7f",
            "The quick brown fox jumps over the lazy dog | 0x2e4ff723",
            "ORD                                         | 0xc9805595",
            "é                                           | 0x10110787",
            "日本                                        | 0xc4d9f942",
    })
    void matchesTheReferenceValuesWithSeedZero(String text, String expectedHex) {
        int expected = Integer.parseUnsignedInt(expectedHex.substring(2), 16);
        assertEquals(expected, MurmurHash3.x86_32(text.getBytes(StandardCharsets.UTF_8), 0));
    }

    @ParameterizedTest(name = "\"{0}\" into {1} buckets is column {2}")
    @CsvSource({
            "hello, 64, 7",     // 0x248bfa47 = 613153351 = 9580521·64 + 7
            "ORD, 64, 21",      // 0xc9805595 = 3380630933 (negative as an int)
            "ORD, 7, 1",        // unsigned 3380630933 mod 7 = 1, where a signed % would give -3 and floorMod 4
            "'', 5, 0",
    })
    void theBucketIsTheUnsignedHashModuloTheBuckets(String text, int buckets, int column) {
        assertEquals(column, HashField.bucket(text, buckets));
    }
}
