package io.genpipe.runtime.io;

import java.awt.image.BufferedImage;

/** PNG images as genpipe reads them: gray values in [0, 1], row by row. */
public final class Png {

    private Png() {}

    /**
     * Writes {@code img}'s pixels, row by row, as gray values in [0, 1] into {@code into} from
     * {@code offset}: 8-bit gray from the raster (getRGB would convert linear gray to sRGB), anything
     * else as the mean of R, G and B.
     */
    public static void toGray(BufferedImage img, float[] into, int offset) {
        int w = img.getWidth();
        int h = img.getHeight();
        boolean gray = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v;
                if (gray) {
                    v = img.getRaster().getSample(x, y, 0);
                } else {
                    int rgb = img.getRGB(x, y);
                    v = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 3;
                }
                into[offset + y * w + x] = v / 255f;
            }
        }
    }
}
