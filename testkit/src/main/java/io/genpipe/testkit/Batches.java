package io.genpipe.testkit;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.runtime.io.Datasets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Input batches for plugin tests, built the way genpipe's own sources build them (the IDX, PNG and text ones by
 * {@link Datasets}, the runtime's public data API): images as
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
        return Datasets.idx(images, labels, rows);
    }

    /**
     * PNG files as the column {@code image} in [0, 1] (gray, or the mean of R, G and B), ids the file
     * names and source the folder, as {@code png-source} gives them. All the same size.
     */
    public static Batch fromPng(List<Path> files) {
        return Datasets.png(files);
    }

    /** One row per text, in its tag named text (what {@code text-source} gives), ids {@code text-0, text-1, ...}. */
    public static Batch fromText(List<String> texts) {
        return Datasets.texts(texts);
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
