package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
                        ParameterSpec.required("images", ParameterType.PATH, "IDX file of uint8 images [n, h, w]"),
                        ParameterSpec.optional("labels", ParameterType.PATH, null, "IDX file of uint8 labels [n]"),
                        ParameterSpec.optional("limit", ParameterType.INTEGER, null, "read at most this many images")
                                .range(1, 1e12)),
                0,
                0,
                (p, folder) -> {
                    IdxFile images = IdxFile.read(p.getPath("images"));
                    long[] dims = images.dims();
                    if (images.dtype() != DType.UINT8 || dims.length != 3) {
                        throw new GenpipeException("images: " + images.path() + " holds " + images.dtype()
                                + Arrays.toString(dims) + ", not uint8 images [n, height, width]");
                    }
                    int[] labels = p.findPath("labels")
                            .map(l -> IdxFile.read(l).toLabels())
                            .orElse(null);
                    if (labels != null && labels.length != images.count()) {
                        throw new GenpipeException("labels: " + p.getPath("labels") + " holds " + labels.length
                                + " labels for " + images.count() + " images");
                    }
                    int limit = p.has("limit") ? (int) Math.min(p.getLong("limit"), images.count()) : images.count();
                    String source = images.path().getFileName().toString();
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            return List.of(PortSpec.of("image", DType.FLOAT32, "batch", 1, dims[1], dims[2]));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            for (int from = 0; from < limit; from += context.batchSize()) {
                                int to = Math.min(limit, from + context.batchSize());
                                List<RowMeta> meta = new ArrayList<>(to - from);
                                for (int i = from; i < to; i++) {
                                    RowMeta m = RowMeta.of(context.stepId() + "-" + i)
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
                });
    }
}
