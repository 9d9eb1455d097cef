package io.genpipe.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genpipe.api.RandomSource;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

    @Test
    void identicalSetsAreZeroApart() {
        double[] a = {1, 2, 3, 1, 2, 5, 0, 1, 1, 4, 2, 2};
        assertEquals(0, FrechetDistance.compute(a, 4, a, 4, 3), 1e-9);
    }

    @Test
    void oneDimensionMatchesTheClosedForm() {
        // 1-d: (m1 - m2)^2 + v1 + v2 - 2 sqrt(v1 v2) = (m1 - m2)^2 + (s1 - s2)^2
        double[] a = {0, 2}; // mean 1, variance 2
        double[] b = {4, 12}; // mean 8, variance 32
        assertEquals(49 + Math.pow(Math.sqrt(2) - Math.sqrt(32), 2), FrechetDistance.compute(a, 2, b, 2, 1), 1e-9);
    }

    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        // independent coordinates: the distance is the sum over coordinates of the 1-d form
        RandomSource r = new RandomSource(5);
        int n = 20000;
        int d = 3;
        double[] a = new double[n * d];
        double[] b = new double[n * d];
        double[] sa = {1, 2, 0.5};
        double[] sb = {2, 2, 1.5};
        double[] mb = {1, 0, -1};
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                a[i * d + j] = sa[j] * r.nextGaussian();
                b[i * d + j] = mb[j] + sb[j] * r.nextGaussian();
            }
        }
        double expected = 0;
        for (int j = 0; j < d; j++) {
            expected += mb[j] * mb[j] + Math.pow(sa[j] - sb[j], 2);
        }
        assertEquals(expected, FrechetDistance.compute(a, n, b, n, d), 0.1);
    }

    @Test
    void matrixSquareRootSquaresBack() {
        double[] c = {4, 1, 0, 1, 3, 1, 0, 1, 2};
        double[] s = FrechetDistance.sqrtSymmetric(c, 3);
        double[] back = FrechetDistance.multiply(s, s, 3);
        for (int i = 0; i < 9; i++) {
            assertEquals(c[i], back[i], 1e-9);
        }
    }
}
