package io.genpipe.wavenet;

/**
 * 8-bit &mu;-law companding (&mu; = 255, 256 classes), exactly as {@code train/speech.py} made the
 * training data: y = sign(x) ln(1 + 255|x|) / ln 256, class = floor((y + 1) / 2 &middot; 255 + 0.5);
 * back: y = 2q / 255 &minus; 1, x = sign(y) (256<sup>|y|</sup> &minus; 1) / 255. Class 128 is the
 * one nearest silence.
 */
final class MuLaw {

    static final int CLASSES = 256;
    static final int SILENCE = 128;
    private static final double MU = 255;

    private MuLaw() {}

    /** The class of sample {@code x} (clipped to [-1, 1]). */
    static int encode(double x) {
        double c = Math.max(-1, Math.min(1, x));
        double y = Math.signum(c) * Math.log1p(MU * Math.abs(c)) / Math.log1p(MU);
        return (int) Math.max(0, Math.min(CLASSES - 1, Math.floor((y + 1) / 2 * MU + 0.5)));
    }

    /** The sample value of class {@code q}. */
    static float decode(int q) {
        double y = 2.0 * q / MU - 1;
        return (float) (Math.signum(y) * (Math.pow(1 + MU, Math.abs(y)) - 1) / MU);
    }
}
