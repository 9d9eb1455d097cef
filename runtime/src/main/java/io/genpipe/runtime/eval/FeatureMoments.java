package io.genpipe.runtime.eval;

import java.io.Serializable;
import java.math.BigInteger;

/**
 * The moments of a set of feature rows (n, &Sigma;x, &Sigma;xx&#7488;) summed exactly, so that any grouping of the
 * rows — one runner over all of them, or a distributed runner merging per-partition sums in any order — gives the
 * same bits. Each value is first rounded to a fixed-point integer {@code round(x * 2^scale)}, the scale chosen from
 * the set's largest magnitude so that every value has at most 48 significant bits; the sums of these integers and of
 * their products are kept in 128 bits (exact for 2^31 rows). The mean and covariance are then computed once from
 * the exact sums, each rounded once.
 */
public final class FeatureMoments implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Significant bits a value keeps: products fit in 96 bits, their sums over 2^31 rows in 127. */
    static final int BITS = 48;

    private final int scale;
    private final int d;
    private long n;
    private final long[] sumHi;
    private final long[] sumLo;
    private final long[] squareHi;
    private final long[] squareLo;

    /**
     * Empty moments of {@code d} features held at {@code scale} (see {@link #scaleFor}).
     *
     * @param scale values are held as {@code round(x * 2^scale)}
     * @param d features per row
     */
    public FeatureMoments(int scale, int d) {
        this.scale = scale;
        this.d = d;
        this.sumHi = new long[d];
        this.sumLo = new long[d];
        this.squareHi = new long[d * (d + 1) / 2];
        this.squareLo = new long[d * (d + 1) / 2];
    }

    /** The scale at which a set whose largest magnitude is {@code maxAbs} keeps {@value #BITS} bits. */
    public static int scaleFor(double maxAbs) {
        if (!(maxAbs > 0)) {
            return 0;
        }
        return BITS - (Math.getExponent(maxAbs) + 1);
    }

    public long rows() {
        return n;
    }

    public int dimension() {
        return d;
    }

    /**
     * Adds {@code rows} rows of {@code d} features, row-major; every value's magnitude must be at most the one the
     * scale was chosen for.
     */
    public void add(float[] values, int rows) {
        long[] q = new long[d];
        long limit = 1L << BITS;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                q[j] = Math.round(Math.scalb((double) values[r * d + j], scale));
                if (q[j] > limit || q[j] < -limit) {
                    throw new IllegalArgumentException("feature value " + values[r * d + j]
                            + " is larger than the largest the moments' scale " + scale + " was chosen for");
                }
            }
            int at = 0;
            for (int i = 0; i < d; i++) {
                long qi = q[i];
                long lo = sumLo[i] + qi;
                sumHi[i] += (qi >> 63) + (Long.compareUnsigned(lo, sumLo[i]) < 0 ? 1 : 0);
                sumLo[i] = lo;
                if (qi == 0) {
                    at += d - i;
                    continue;
                }
                for (int j = i; j < d; j++, at++) {
                    long qj = q[j];
                    long productLo = qi * qj;
                    long sum = squareLo[at] + productLo;
                    squareHi[at] += Math.multiplyHigh(qi, qj) + (Long.compareUnsigned(sum, squareLo[at]) < 0 ? 1 : 0);
                    squareLo[at] = sum;
                }
            }
            n++;
        }
    }

    /** Adds another set's moments (same scale and dimension): this one then holds both sets' rows. */
    public void add(FeatureMoments o) {
        if (o.scale != scale || o.d != d) {
            throw new IllegalArgumentException("moments at scale " + o.scale + " of " + o.d
                    + " features cannot be added to moments at scale " + scale + " of " + d);
        }
        for (int i = 0; i < d; i++) {
            long lo = sumLo[i] + o.sumLo[i];
            sumHi[i] += o.sumHi[i] + (Long.compareUnsigned(lo, sumLo[i]) < 0 ? 1 : 0);
            sumLo[i] = lo;
        }
        for (int k = 0; k < squareLo.length; k++) {
            long lo = squareLo[k] + o.squareLo[k];
            squareHi[k] += o.squareHi[k] + (Long.compareUnsigned(lo, squareLo[k]) < 0 ? 1 : 0);
            squareLo[k] = lo;
        }
        n += o.n;
    }

    /** The mean of each feature. */
    public double[] mean() {
        double[] mu = new double[d];
        for (int i = 0; i < d; i++) {
            mu[i] = Math.scalb(big(sumHi[i], sumLo[i]).doubleValue() / n, -scale);
        }
        return mu;
    }

    /** The sample covariance (divided by n - 1), row-major [d, d]: {@code (n Sxx - Sx Sx') / (n (n - 1))}. */
    public double[] covariance() {
        double[] c = new double[d * d];
        BigInteger[] sums = new BigInteger[d];
        for (int i = 0; i < d; i++) {
            sums[i] = big(sumHi[i], sumLo[i]);
        }
        BigInteger rows = BigInteger.valueOf(n);
        double pairs = (double) n * (n - 1);
        int at = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++, at++) {
                BigInteger exact =
                        rows.multiply(big(squareHi[at], squareLo[at])).subtract(sums[i].multiply(sums[j]));
                c[i * d + j] = Math.scalb(exact.doubleValue() / pairs, -2 * scale);
                c[j * d + i] = c[i * d + j];
            }
        }
        return c;
    }

    private static BigInteger big(long hi, long lo) {
        return BigInteger.valueOf(hi)
                .shiftLeft(64)
                .add(BigInteger.valueOf(lo >>> 32).shiftLeft(32))
                .add(BigInteger.valueOf(lo & 0xFFFFFFFFL));
    }
}
