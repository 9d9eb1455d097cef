package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TextRows;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Data into {@link Batch}es for an application that embeds genpipe, shaped as the pipeline sources shape them, so a
 * component gets from an application what it gets in a pipeline: images as {@code image} float32[batch,1,h,w] in [0,
 * 1] (labels in the row metadata), texts in each row's {@code text} tag.
 *
 * <pre>{@code
 * try (Batch images = Datasets.idx(Path.of("t10k-images-idx3-ubyte.gz"), Path.of("t10k-labels-idx1-ubyte.gz"), 100);
 *      Batch scored = genpipe.scorer("vae-anomaly-scorer", Map.of()).score(images)) { ... }
 * }</pre>
 *
 * The batch returned is the caller's to close.
 */
public final class Datasets {

    private Datasets() {}

    /** Every image of an IDX (or IDX.gz) file, with the labels of {@code labels} (null for none). */
    public static Batch idx(Path images, Path labels) {
        return idx(images, labels, IdxFile.read(images).count());
    }

    /**
     * The first {@code rows} images of an IDX (or IDX.gz) file as the column named "image", with the labels of {@code
     * labels} (null for none), ids {@code FILE:INDEX} and the file name as source.
     *
     * @throws GenpipeException when a file cannot be read, holds fewer than {@code rows}, or the counts differ
     */
    public static Batch idx(Path images, Path labels, int rows) {
        IdxFile idx = IdxFile.read(images);
        if (rows < 0 || rows > idx.count()) {
            throw new GenpipeException(images + " holds " + idx.count() + " images; cannot take " + rows);
        }
        int[] classes = null;
        if (labels != null) {
            classes = IdxFile.read(labels).toLabels();
            if (classes.length != idx.count()) {
                throw new GenpipeException(labels + " holds " + classes.length + " labels for the " + idx.count()
                        + " images of " + images);
            }
        }
        List<RowMeta> meta = new ArrayList<>(rows);
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

    /** The PNG files of {@code folder} (sorted by name), as {@link #png(List)} reads them. */
    public static Batch pngFolder(Path folder) {
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p ->
                            p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new GenpipeException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new GenpipeException(folder + " holds no .png files");
        }
        return png(files);
    }

    /**
     * PNG files as the column named "image" in [0, 1] (gray, or the mean of R, G and B, as {@code png-source} reads
     * them), ids the file names and source the folder. All must be the same size.
     */
    public static Batch png(List<Path> files) {
        if (files.isEmpty()) {
            throw new GenpipeException("no PNG files given");
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
                throw new GenpipeException(files.get(i) + " cannot be read: " + e.getMessage(), e);
            }
            if (img == null) {
                throw new GenpipeException(files.get(i) + " is not a readable image");
            }
            if (pixels == null) {
                w = img.getWidth();
                h = img.getHeight();
                pixels = new float[Math.multiplyExact(Math.multiplyExact(files.size(), w), h)];
            } else if (img.getWidth() != w || img.getHeight() != h) {
                throw new GenpipeException(files.get(i) + " is " + img.getWidth() + "x" + img.getHeight()
                        + "; the first image is " + w + "x" + h);
            }
            Png.toGray(img, pixels, i * h * w);
            Path parent = files.get(i).toAbsolutePath().getParent();
            meta.add(RowMeta.of(files.get(i).getFileName().toString())
                    .withSource(parent == null ? null : parent.toString()));
        }
        return Batch.builder(files.size())
                .column("image", BufferTensor.ofFloats(pixels, files.size(), 1, h, w))
                .meta(meta)
                .build();
    }

    /** One row per text, in its tag named "text" (what {@code text-source} gives), ids {@code text-0, text-1, ...}. */
    public static Batch texts(List<String> texts) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            meta.add(new RowMeta("text-" + i, null, null, null, Map.of(TextRows.TEXT, texts.get(i))));
        }
        return Batch.builder(texts.size()).meta(meta).build();
    }

    /**
     * A JSON-lines file of flat objects, one row per line: the field {@code textField} as the row's text tag, {@code
     * labelField} (null for none) as its label, the other fields as tags; ids {@code FILE:LINE}.
     *
     * @throws GenpipeException naming the file and line of a line that is not a flat object, lacks the text field,
     *     or has a label that is not a whole number
     */
    public static Batch jsonl(Path file, String textField, String labelField) {
        List<RowMeta> meta = new ArrayList<>();
        String name = file.getFileName().toString();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int line = 0;
            for (String text = Lines.read(reader, file); text != null; text = Lines.read(reader, file)) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                String where = file + ":" + line;
                Map<String, String> fields = JsonLines.parseFlatObject(text, where);
                Map<String, String> tags = new LinkedHashMap<>();
                fields.forEach((k, v) -> {
                    if (v != null) {
                        tags.put(k, v);
                    }
                });
                String value = tags.remove(textField);
                if (value == null) {
                    throw new GenpipeException(
                            where + ": no text in field '" + textField + "' (fields: " + fields.keySet() + ")");
                }
                tags.put(TextRows.TEXT, value);
                Integer label = null;
                if (labelField != null && tags.containsKey(labelField)) {
                    String l = tags.remove(labelField);
                    try {
                        label = Integer.valueOf(l.trim());
                    } catch (NumberFormatException e) {
                        throw new GenpipeException(
                                where + ": label field '" + labelField + "' must be a whole number, got '" + l + "'");
                    }
                }
                meta.add(new RowMeta(name + ":" + line, label, name, null, tags));
            }
        } catch (IOException e) {
            throw new GenpipeException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return Batch.builder(meta.size()).meta(meta).build();
    }
}
