package io.genpipe.runtime.builtin;

/** Interpolation between latents, for walks in latent space. */
public final class Walks {

    private Walks() {}

    /**
     * The point at {@code t} in [0, 1] between {@code a} and {@code b}: linear, or spherical (slerp,
     * along the great circle; linear when the two are parallel).
     */
    public static float[] interpolate(float[] a, float[] b, double t, boolean spherical) {
        return LatentWalkSampler.interpolate(a, b, t, spherical);
    }
}
