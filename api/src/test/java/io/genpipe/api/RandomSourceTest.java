package io.genpipe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RandomSourceTest {

    @Test
    void sameSeedSameStreamAndForksAreIndependentOfDrawCount() {
        RandomSource a = new RandomSource(42);
        RandomSource b = new RandomSource(42);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextLong(), b.nextLong());
        }
        RandomSource fresh = new RandomSource(42);
        assertEquals(a.fork("x").nextLong(), fresh.fork("x").nextLong());
        assertNotEquals(fresh.fork("x").nextLong(), fresh.fork("y").nextLong());
    }

    @Test
    void streamIsPinnedAcrossPlatforms() {
        // Reference: xoshiro256** seeded by SplitMix64, computed independently (Python) for seed 1.
        // If this changes, every seeded pipeline output changes: a deliberate, documented break only.
        RandomSource r = new RandomSource(1);
        assertEquals(-5480124913605472059L, r.nextLong());
    }

    @Test
    void uniformAndGaussianHaveTheRightMoments() {
        RandomSource r = new RandomSource(3);
        int n = 200_000;
        double sum = 0;
        double sq = 0;
        int[] buckets = new int[10];
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            sum += g;
            sq += g * g;
            buckets[r.nextInt(10)]++;
            double u = r.nextDouble();
            assertTrue(u >= 0 && u < 1);
        }
        assertEquals(0, sum / n, 0.01);
        assertEquals(1, sq / n, 0.01);
        for (int count : buckets) {
            assertEquals(n / 10.0, count, n / 10.0 * 0.03);
        }
    }
}
