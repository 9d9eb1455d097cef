package io.genpipe.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NoveltyTest {

    @Test
    void mahalanobisWithoutShrinkageIsTheClosedForm() {
        // reference: (1,0), (-1,0), (0,2), (0,-2): mean 0, covariance diag(2/3, 8/3)
        double[] ref = {1, 0, -1, 0, 0, 2, 0, -2};
        Novelty.Detector m = Novelty.mahalanobis(ref, 4, 2, 0);
        assertEquals(1 / (2 / 3.0) + 4 / (8 / 3.0), m.score(new double[] {1, 2}, 0), 1e-12);
        // shrinkage 1: covariance becomes (tr/d) I = (5/3) I
        Novelty.Detector s = Novelty.mahalanobis(ref, 4, 2, 1);
        assertEquals((1 + 4) / (5 / 3.0), s.score(new double[] {1, 2}, 0), 1e-12);
    }

    @Test
    void mahalanobisHandlesCorrelation() {
        // points along y = x with a little spread across it: a step across the line is far more novel
        double[] ref = {-2, -2.1, -1, -0.9, 0, 0.1, 1, 1.1, 2, 1.9, 3, 3.05, -3, -2.95};
        Novelty.Detector m = Novelty.mahalanobis(ref, 7, 2, 0);
        double along = m.score(new double[] {1, 1}, 0);
        double across = m.score(new double[] {1, -1}, 0);
        assertEquals(true, across > 50 * along, along + " vs " + across);
    }

    @Test
    void knnIsTheMeanDistanceToTheNearest() {
        double[] ref = {0, 0, 3, 4, 10, 0};
        Novelty.Detector k1 = Novelty.knn(ref, 3, 2, 1);
        Novelty.Detector k2 = Novelty.knn(ref, 3, 2, 2);
        assertEquals(0, k1.score(new double[] {0, 0}, 0), 1e-12);
        assertEquals(2.5, k2.score(new double[] {0, 0}, 0), 1e-12);
        assertEquals(4, k1.score(new double[] {7, 4, 0, 0}, 0), 1e-12);
        assertEquals(4.5, k2.score(new double[] {7, 4}, 0), 1e-12);
    }
}
