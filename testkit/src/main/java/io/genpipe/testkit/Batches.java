package io.genpipe.testkit;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.text.TextRows;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.io.Png;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Input batches for plugin tests, built the way genpipe's own sources build them: images as
 * {@code float32[batch,1,h,w]} in [0, 1] with labels in the row metadata, text in the rows'
 * {@code text} tag, latents as standard normal values.
 */
public final class Batches {

    private Batches() {}

    /**
     * The first {@code rows} images of an IDX (or IDX.gz) file as the column named image, with
     * the labels of {@code labels} (null for none), ids {@code <file>:<index>} and the file name as
     * source.
     */
    public static Batch fromIdx(Path images, Path labels, int rows) {
        IdxFile idx = IdxFile.read(images);
        if (rows > idx.count()) {
            throw new IllegalArgumentException(images + " holds " + idx.count() + " images, fewer than " + rows);
        }
        int[] classes = labels == null ? null : IdxFile.read(labels).toLabels();
        List<RowMeta> meta = new ArrayList<>();
        String name = images.getFileName().toString();
        for (int i = 0; i < rows; i++) {
            RowMeta m = RowMeta.of(name + ":" + i).withSource(name);
            meta.add(classes == null ? m : m.withLabel(classes[i]));
        }
        return Batch.builder(rows)
                .column("image", idx.toImages(0, rows))
                .meta(meta)
                .build();
    }

    /**
     * PNG files as the column {@code image} in [0, 1] (gray, or the mean of R, G and B), ids the file
     * names and source the folder, as {@code png-source} gives them. All the same size.
     */
    public static Batch fromPng(List<Path> files) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no PNG files given");
        }
        float[] pixels = null;
        int w = 0;
        int h = 0;
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img;
            try {
                img = ImageIO.read(files.get(i).toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(files.get(i) + " cannot be read", e);
            }
            if (img == null) {
                throw new IllegalArgumentException(files.get(i) + " is not a readable image");
            }
            if (pixels == null) {
                w = img.getWidth();
                h = img.getHeight();
                pixels = new float[files.size() * w * h];
            } else if (img.getWidth() != w || img.getHeight() != h) {
                throw new IllegalArgumentException(files.get(i) + " is " + img.getWidth() + "x" + img.getHeight()
                        + "; the first image is " + w + "x" + h);
            }
            Png.toGray(img, pixels, i * h * w); // as png-source reads them
            Path parent = files.get(i).toAbsolutePath().getParent();
            meta.add(RowMeta.of(files.get(i).getFileName().toString())
                    .withSource(parent == null ? null : parent.toString()));
        }
        return Batch.builder(files.size())
                .column("image", BufferTensor.ofFloats(pixels, files.size(), 1, h, w))
                .meta(meta)
                .build();
    }

    /** One row per text, in its tag named text (what {@code text-source} gives), ids {@code text-0, text-1, ...}. */
    public static Batch fromText(List<String> texts) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            meta.add(new RowMeta("text-" + i, null, null, null, Map.of(TextRows.TEXT, texts.get(i))));
        }
        return Batch.builder(texts.size()).meta(meta).build();
    }

    /** {@code rows} rows of {@code dim} standard normal values as the column {@code name}, ids {@code row-0, ...}. */
    public static Batch gaussian(String name, int rows, int dim, long seed) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            meta.add(RowMeta.of("row-" + i));
        }
        return Batch.builder(rows)
                .column(name, gaussian(new long[] {rows, dim}, new RandomSource(seed)))
                .meta(meta)
                .build();
    }

    /** A tensor of standard normal values of {@code shape}, drawn from {@code random}. */
    public static BufferTensor gaussian(long[] shape, RandomSource random) {
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return BufferTensor.ofFloats(v, shape);
    }

    /** {@code batch} with each row's label set to {@code labels[i]}. */
    public static Batch withLabels(Batch batch, int... labels) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < batch.rows(); i++) {
            meta.add(batch.meta(i).withLabel(labels[i % labels.length]));
        }
        return batch.extend().meta(meta).build();
    }
}
