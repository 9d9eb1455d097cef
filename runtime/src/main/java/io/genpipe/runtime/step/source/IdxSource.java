package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.io.Storages;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code idx-source} built-in step: images, and optionally labels, from IDX or IDX.gz files, as float32[batch,1,h,w] in [0, 1].
 */
public final class IdxSource {

    private IdxSource() {}
    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "idx-source",
                StepCategory.SOURCE,
                "images (and labels) from IDX / IDX.gz files as float32[batch,1,h,w] in [0, 1]",
                List.of(
                        ParameterSpec.required(
                                "images",
                                ParameterType.LOCATIONS,
                                "IDX file(s) of uint8 images [n, h, w]; a glob or list reads shards, in order"),
                        ParameterSpec.optional(
                                "labels",
                                ParameterType.LOCATIONS,
                                null,
                                "IDX file(s) of uint8 labels [n], one per images file"),
                        ParameterSpec.optional("limit", ParameterType.INTEGER, null, "read at most this many images")
                                .range(1, 1e12)),
                0,
                0,
                (p, folder) -> {
                    List<String> imageFiles = Storages.files("images", p.getLocations("images"));
                    List<String> labelFiles =
                            p.has("labels") ? Storages.files("labels", p.getLocations("labels")) : null;
                    if (labelFiles != null && labelFiles.size() != imageFiles.size()) {
                        throw new GenpipeException("labels: " + labelFiles.size() + " file(s) for "
                                + imageFiles.size() + " images file(s); give one labels file per images file, in"
                                + " the same order");
                    }
                    long[] dims = null;
                    List<long[]> files = new ArrayList<>(); // first row, rows
                    long total = 0;
                    for (int i = 0; i < imageFiles.size(); i++) {
                        IdxFile.Header images = IdxFile.header(imageFiles.get(i));
                        long[] d = images.dims();
                        if (images.dtype() != DType.UINT8 || d.length != 3) {
                            throw new GenpipeException("images: " + images.location() + " holds " + images.dtype()
                                    + Arrays.toString(d) + ", not uint8 images [n, height, width]");
                        }
                        if (dims != null && (d[1] != dims[1] || d[2] != dims[2])) {
                            throw new GenpipeException("images: " + images.location() + " holds " + d[1] + "x" + d[2]
                                    + " images, but " + imageFiles.get(0) + " holds " + dims[1] + "x" + dims[2]);
                        }
                        dims = d;
                        if (labelFiles != null) {
                            IdxFile.Header labels = IdxFile.header(labelFiles.get(i));
                            if (labels.dtype() != DType.UINT8 || labels.dims().length != 1) {
                                throw new GenpipeException("labels: IDX file " + labels.location() + " holds "
                                        + labels.dtype() + Arrays.toString(labels.dims()) + ", not uint8 labels [n]");
                            }
                            if (labels.count() != images.count()) {
                                throw new GenpipeException("labels: " + labels.location() + " holds " + labels.count()
                                        + " labels for " + images.count() + " images");
                            }
                        }
                        files.add(new long[] {total, images.count()});
                        total += images.count();
                    }
                    long limit = p.has("limit") ? Math.min(p.getLong("limit"), total) : total;
                    long[] shape = dims;
                    ShardedSource shards = new ShardedSource() {
                        @Override
                        public List<Shard> shards(int splits) {
                            long size = Math.max(1, (limit + Math.max(1, splits) - 1) / Math.max(1, splits));
                            List<Shard> list = new ArrayList<>();
                            for (int f = 0; f < files.size(); f++) {
                                long first = files.get(f)[0];
                                long end = Math.min(limit, first + files.get(f)[1]);
                                for (long from = first; from < end; from += size) {
                                    list.add(new Shard(
                                            list.size(), Integer.toString(f), from, Math.min(size, end - from)));
                                }
                            }
                            return list;
                        }

                        @Override
                        public void read(Shard shard, BatchOutput output, StepContext context)
                                throws InterruptedException {
                            int f = Integer.parseInt(shard.location());
                            long inFile = shard.first() - files.get(f)[0];
                            IdxFile images = IdxFile.read(imageFiles.get(f), inFile, shard.count());
                            int[] labels = labelFiles == null
                                    ? null
                                    : IdxFile.read(labelFiles.get(f), inFile, shard.count())
                                            .toLabels();
                            String source = name(imageFiles.get(f));
                            int n = images.count();
                            for (int from = 0; from < n; from += context.batchSize()) {
                                int to = Math.min(n, from + context.batchSize());
                                List<RowMeta> meta = new ArrayList<>(to - from);
                                for (int i = from; i < to; i++) {
                                    RowMeta m = RowMeta.of(context.stepId() + "-" + (shard.first() + i))
                                            .withSource(source);
                                    meta.add(labels == null ? m : m.withLabel(labels[i]));
                                }
                                output.emit(Batch.builder(to - from)
                                        .column("image", images.toImages(from, to))
                                        .meta(meta)
                                        .build());
                            }
                        }
                    };
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            return List.of(PortSpec.of("image", DType.FLOAT32, "batch", 1, shape[1], shape[2]));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            for (ShardedSource.Shard shard : shards.shards(1)) {
                                shards.read(shard, output, context);
                            }
                        }

                        @Override
                        public Optional<ShardedSource> sharded() {
                            return Optional.of(shards);
                        }
                    };
                });
    }

    /** A file's name: the last part of its path or URI. */
    static String name(String location) {
        String l = location.replace('\\', '/');
        return l.substring(l.lastIndexOf('/') + 1);
    }
}
