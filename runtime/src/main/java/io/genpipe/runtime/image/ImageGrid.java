package io.genpipe.runtime.image;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Lays grayscale images out on a grid and writes a PNG. Pixels are in [0, 1] (clamped), images
 * {@code [n,1,h,w]} or {@code [n,h,w]}; cells are separated by a {@code gap}-pixel border.
 *
 * <pre>{@code
 * ImageGrid.write(List.of(originals, reconstructions), 10, 2, Path.of("docs/vae-reconstructions.png"));
 * }</pre>
 */
public final class ImageGrid {

    private ImageGrid() {}

    /**
     * Writes the images of each tensor as consecutive rows of {@code columns} cells (a tensor of 20
     * images with 10 columns fills two rows), tensors one after another, scaled up by {@code scale}.
     * The file is written to a temporary name and moved into place, so no partial PNG is left.
     */
    public static void write(List<? extends Tensor> tensors, int columns, int scale, Path file) {
        int h = -1;
        int w = -1;
        int rows = 0;
        for (Tensor t : tensors) {
            long[] shape = t.shape();
            int th = (int) shape[shape.length - 2];
            int tw = (int) shape[shape.length - 1];
            if (h >= 0 && (th != h || tw != w)) {
                throw new GenpipeException(
                        "image grid: images of " + th + "x" + tw + " and " + h + "x" + w + " do not mix");
            }
            h = th;
            w = tw;
            rows += (int) ((shape[0] + columns - 1) / columns);
        }
        int gap = 2;
        int cellW = w * scale + gap;
        int cellH = h * scale + gap;
        BufferedImage image =
                new BufferedImage(columns * cellW + gap, rows * cellH + gap, BufferedImage.TYPE_BYTE_GRAY);
        var raster = image.getRaster();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                raster.setSample(x, y, 0, 96);
            }
        }
        int row = 0;
        for (Tensor t : tensors) {
            float[] pixels = t.toFloatArray();
            int n = (int) t.shape()[0];
            for (int i = 0; i < n; i++) {
                int x0 = gap + (i % columns) * cellW;
                int y0 = gap + (row + i / columns) * cellH;
                for (int y = 0; y < h * scale; y++) {
                    for (int x = 0; x < w * scale; x++) {
                        float v = pixels[i * h * w + (y / scale) * w + x / scale];
                        raster.setSample(x0 + x, y0 + y, 0, Math.round(Math.min(1f, Math.max(0f, v)) * 255));
                    }
                }
            }
            row += (n + columns - 1) / columns;
        }
        writePng(image, file, "image grid");
    }

    /**
     * Writes {@code image} as a PNG to a temporary name beside {@code file} and moves it into place,
     * so no partial PNG is ever left; {@code what} names it in the error.
     */
    public static void writePng(BufferedImage image, Path file, String what) {
        try {
            Path absolute = file.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path temp = Files.createTempFile(absolute.getParent(), ".image-", ".png");
            try {
                if (!ImageIO.write(image, "png", temp.toFile())) {
                    throw new GenpipeException("no PNG writer in this JDK");
                }
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new GenpipeException("cannot write " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
