package io.genpipe.runtime.eval;

/**
 * Fr&eacute;chet distance between two Gaussians fitted to feature sets:
 * {@code |mu1 - mu2|^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2))}, the formula behind FID, here on any
 * feature extractor (genpipe uses its classifier: FD-clf). {@code tr((C1 C2)^(1/2))} is computed as
 * {@code tr((S C2 S)^(1/2))} with {@code S = C1^(1/2)}, both symmetric, by Jacobi eigen-decomposition.
 */
public final class FrechetDistance {

    private FrechetDistance() {}

    /**
     * The Fréchet distance between Gaussians fitted to two sets of feature rows.
     *
     * @param a rows of features, row-major [n1, d]
     * @param b rows of features, row-major [n2, d]
     */
    public static double compute(double[] a, int n1, double[] b, int n2, int d) {
        if (n1 < 2 || n2 < 2) {
            throw new IllegalArgumentException(
                    "Frechet distance needs at least 2 rows per set; got " + n1 + " and " + n2);
        }
        double[] mu1 = mean(a, n1, d);
        double[] mu2 = mean(b, n2, d);
        double[] c1 = covariance(a, n1, d, mu1);
        double[] c2 = covariance(b, n2, d, mu2);
        return distance(mu1, c1, mu2, c2, d);
    }

    /**
     * The Fréchet distance between two sets' exactly summed moments: the same bits however their rows were
     * grouped when they were summed.
     */
    public static double compute(FeatureMoments a, FeatureMoments b) {
        if (a.rows() < 2 || b.rows() < 2) {
            throw new IllegalArgumentException(
                    "Frechet distance needs at least 2 rows per set; got " + a.rows() + " and " + b.rows());
        }
        if (a.dimension() != b.dimension()) {
            throw new IllegalArgumentException(
                    "the two sets' features differ in size: " + a.dimension() + " and " + b.dimension());
        }
        return distance(a.mean(), a.covariance(), b.mean(), b.covariance(), a.dimension());
    }

    /** The distance between Gaussians of means mu1, mu2 and covariances c1, c2 (row-major [d, d]). */
    static double distance(double[] mu1, double[] c1, double[] mu2, double[] c2, int d) {
        double diff = 0;
        for (int i = 0; i < d; i++) {
            diff += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
        }
        double[] s = sqrtSymmetric(c1, d);
        double[] m = multiply(multiply(s, c2, d), s, d);
        double traceSqrt = 0;
        for (double ev : eigenvalues(m, d)) {
            traceSqrt += Math.sqrt(Math.max(ev, 0));
        }
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += c1[i * d + i] + c2[i * d + i];
        }
        return diff + trace - 2 * traceSqrt;
    }

    static double[] mean(double[] x, int n, int d) {
        double[] mu = new double[d];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                mu[j] += x[r * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= n;
        }
        return mu;
    }

    static double[] covariance(double[] x, int n, int d, double[] mu) {
        double[] c = new double[d * d];
        double[] centered = new double[d];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                centered[j] = x[r * d + j] - mu[j];
            }
            for (int i = 0; i < d; i++) {
                double ci = centered[i];
                for (int j = i; j < d; j++) {
                    c[i * d + j] += ci * centered[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                c[i * d + j] /= n - 1;
                c[j * d + i] = c[i * d + j];
            }
        }
        return c;
    }

    static double[] multiply(double[] x, double[] y, int d) {
        double[] out = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double v = x[i * d + k];
                if (v != 0) {
                    for (int j = 0; j < d; j++) {
                        out[i * d + j] += v * y[k * d + j];
                    }
                }
            }
        }
        return out;
    }

    /** Square root of a symmetric positive semi-definite matrix. */
    static double[] sqrtSymmetric(double[] c, int d) {
        double[] vectors = new double[d * d];
        double[] values = jacobi(c.clone(), d, vectors);
        double[] out = new double[d * d];
        for (int k = 0; k < d; k++) {
            double s = Math.sqrt(Math.max(values[k], 0));
            for (int i = 0; i < d; i++) {
                double vik = vectors[i * d + k] * s;
                for (int j = 0; j < d; j++) {
                    out[i * d + j] += vik * vectors[j * d + k];
                }
            }
        }
        return out;
    }

    static double[] eigenvalues(double[] m, int d) {
        // symmetrise against rounding before the Jacobi sweeps
        double[] s = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                s[i * d + j] = 0.5 * (m[i * d + j] + m[j * d + i]);
            }
        }
        return jacobi(s, d, new double[d * d]);
    }

    /** Cyclic Jacobi: eigenvalues of symmetric {@code a} (destroyed); eigenvectors as columns of {@code v}. */
    static double[] jacobi(double[] a, int d, double[] v) {
        for (int i = 0; i < d; i++) {
            v[i * d + i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int i = 0; i < d; i++) {
                for (int j = i + 1; j < d; j++) {
                    off += a[i * d + j] * a[i * d + j];
                }
            }
            if (off < 1e-22) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = a[p * d + q];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < d; k++) {
                        double akp = a[k * d + p];
                        double akq = a[k * d + q];
                        a[k * d + p] = c * akp - s * akq;
                        a[k * d + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++) {
                        double apk = a[p * d + k];
                        double aqk = a[q * d + k];
                        a[p * d + k] = c * apk - s * aqk;
                        a[q * d + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++) {
                        double vkp = v[k * d + p];
                        double vkq = v[k * d + q];
                        v[k * d + p] = c * vkp - s * vkq;
                        v[k * d + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = a[i * d + i];
        }
        return values;
    }
}
