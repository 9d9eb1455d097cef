package io.genpipe.runtime.eval;

import java.util.Arrays;

/**
 * Novelty of query vectors against a reference set: how far each lies from what the reference
 * looks like. Two detectors, both fitted on the reference rows only:
 *
 * <ul>
 *   <li>{@link #mahalanobis}: squared Mahalanobis distance to the reference mean under the
 *       reference covariance shrunk toward its average variance,
 *       {@code C' = (1 - s) C + s (tr C / d) I}, so it stays invertible with fewer rows than
 *       dimensions;
 *   <li>{@link #knn}: mean Euclidean distance to the {@code k} nearest reference rows.
 * </ul>
 */
public final class Novelty {

    private Novelty() {}

    /** A fitted detector; thread-safe. */
    public interface Detector {
        double score(double[] x, int offset);
    }

    /**
     * A detector scoring rows by their Mahalanobis distance from the reference rows.
     *
     * @param reference rows, row-major [n, d]
     * @param shrinkage s in [0, 1]
     */
    public static Detector mahalanobis(double[] reference, int n, int d, double shrinkage) {
        if (n < 2) {
            throw new IllegalArgumentException("Mahalanobis novelty needs at least 2 reference rows; got " + n);
        }
        double[] mu = FrechetDistance.mean(reference, n, d);
        double[] c = FrechetDistance.covariance(reference, n, d, mu);
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += c[i * d + i];
        }
        double floor = trace / d;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                c[i * d + j] *= 1 - shrinkage;
            }
            c[i * d + i] += shrinkage * floor;
        }
        double[] l = cholesky(c, d);
        return (x, offset) -> {
            // solve L y = (x - mu); distance^2 = |y|^2
            double[] y = new double[d];
            double sum = 0;
            for (int i = 0; i < d; i++) {
                double v = x[offset + i] - mu[i];
                for (int k = 0; k < i; k++) {
                    v -= l[i * d + k] * y[k];
                }
                y[i] = v / l[i * d + i];
                sum += y[i] * y[i];
            }
            return sum;
        };
    }

    /** Mean distance to the k nearest of the n reference rows. */
    public static Detector knn(double[] reference, int n, int d, int k) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException(
                    "kNN novelty needs 1 <= k <= reference rows; k = " + k + ", rows = " + n);
        }
        double[] ref = reference.clone();
        return (x, offset) -> {
            double[] nearest = new double[k];
            Arrays.fill(nearest, Double.POSITIVE_INFINITY);
            for (int r = 0; r < n; r++) {
                double dist = 0;
                for (int j = 0; j < d; j++) {
                    double diff = x[offset + j] - ref[r * d + j];
                    dist += diff * diff;
                }
                if (dist < nearest[k - 1]) {
                    int at = k - 1;
                    while (at > 0 && nearest[at - 1] > dist) {
                        nearest[at] = nearest[at - 1];
                        at--;
                    }
                    nearest[at] = dist;
                }
            }
            double sum = 0;
            for (double v : nearest) {
                sum += Math.sqrt(v);
            }
            return sum / k;
        };
    }

    /** Lower-triangular L with L L^T = a (a symmetric positive definite, row-major d x d). */
    static double[] cholesky(double[] a, int d) {
        double[] l = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * d + j];
                for (int k = 0; k < j; k++) {
                    s -= l[i * d + k] * l[j * d + k];
                }
                if (i == j) {
                    if (s <= 0) {
                        throw new IllegalArgumentException(
                                "covariance is not positive definite (pivot " + i + " = " + s + "); raise shrinkage");
                    }
                    l[i * d + i] = Math.sqrt(s);
                } else {
                    l[i * d + j] = s / l[j * d + j];
                }
            }
        }
        return l;
    }
}
