package io.genpipe.api;

import java.nio.charset.StandardCharsets;

/**
 * A seeded source of randomness whose stream is fixed by the seed alone, on every JDK and
 * platform: xoshiro256** seeded through SplitMix64, Gaussians by the polar method with
 * {@link StrictMath}. Components must draw all their randomness from the source they are given,
 * so the same pipeline seed gives the same bytes.
 *
 * <p>Not thread-safe: give each thread its own {@link #fork(String) fork}.
 *
 * <pre>{@code
 * RandomSource root = new RandomSource(42);
 * RandomSource latents = root.fork("latents");   // independent of root's own draws
 * double z = latents.nextGaussian();
 * }</pre>
 */
public final class RandomSource {

    private final long seed;
    private long s0;
    private long s1;
    private long s2;
    private long s3;
    private double spareGaussian;
    private boolean hasSpare;

    public RandomSource(long seed) {
        this.seed = seed;
        long x = seed;
        x += 0x9E3779B97F4A7C15L;
        s0 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s1 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s2 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s3 = mix(x);
    }

    /** The seed this source was created with. */
    public long seed() {
        return seed;
    }

    /**
     * An independent source derived from this one's seed and {@code label} only (not from how
     * many numbers were drawn so far), so adding a draw elsewhere does not shift it.
     */
    public RandomSource fork(String label) {
        long h = seed ^ 0x5DEECE66DL;
        for (byte b : label.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        return new RandomSource(h);
    }

    /** Uniform over all 64-bit values. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, bound), unbiased. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) {
                return (int) (r % bound);
            }
        }
    }

    /** Standard normal. */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double factor = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
        spareGaussian = v * factor;
        hasSpare = true;
        return u * factor;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
