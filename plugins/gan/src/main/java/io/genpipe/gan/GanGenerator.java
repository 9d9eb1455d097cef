package io.genpipe.gan;

import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generator: {@code z} (+ a class label per row) &rarr; {@code image} in [0, 1]. The rows keep
 * their metadata, with the label they were generated for.
 */
final class GanGenerator implements Generator {

    static final PortSpec IMAGE = PortSpec.of("image", DType.FLOAT32, "batch", 1, 28, 28);

    private final Model model;
    private final int noise;
    private final boolean conditional;
    private final Labels labels;
    private final String input;

    private GanGenerator(Model model, Labels labels, String input) {
        this.model = model;
        int n = -1;
        for (PortSpec p : model.inputs()) {
            if (p.name().equals("z") && p.rank() == 2 && p.shape().get(1).isFixed()) {
                n = (int) p.shape().get(1).size();
            }
        }
        model.requirePorts(List.of(PortSpec.of("z", DType.FLOAT32, "batch", n > 0 ? (Object) n : "N")), List.of(IMAGE));
        if (n <= 0) {
            throw new GenpipeException("model " + model.name()
                    + " does not fit: input 'z' needs a fixed noise size, found " + model.inputs());
        }
        this.noise = n;
        this.conditional = Labels.conditional(model);
        this.labels = labels;
        this.input = input;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(PortSpec.of(input, DType.FLOAT32, "batch", noise));
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(IMAGE);
    }

    @Override
    public Batch generate(Batch conditions, RandomSource random) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z", conditions.column(input));
        List<RowMeta> meta = conditions.meta();
        BufferTensor labelTensor = null;
        if (conditional) {
            int[] l = labels.resolve(conditions, random.fork("labels"));
            labelTensor = Labels.tensor(l);
            in.put("label", labelTensor);
            meta = new ArrayList<>(meta.size());
            for (int r = 0; r < l.length; r++) {
                meta.add(conditions.meta(r).withLabel(l[r]));
            }
        }
        try (ModelOutputs out = model.run(in)) {
            return Batch.builder(conditions.rows())
                    .meta(meta)
                    .column("image", out.take("image"))
                    .build();
        } finally {
            if (labelTensor != null) {
                labelTensor.close();
            }
        }
    }

    static GeneratorFactory factory() {
        return GeneratorFactory.of(
                "gan-generator",
                "class-conditional DCGAN generator: z (+ label) -> image",
                List.of(
                        ParameterSpec.optional(
                                "generator",
                                ParameterType.PATH,
                                null,
                                "your own generator .onnx (z float32[batch,N] (+ label int64[batch]) -> image float32[batch,1,28,28])"),
                        Labels.PARAMETER,
                        ParameterSpec.optional("input", ParameterType.STRING, "z", "column holding the noise")),
                (p, context) -> new GanGenerator(
                        p.findPath("generator")
                                .map(context::loadModel)
                                .orElseGet(() -> context.loadModel("io/genpipe/gan/models/cdcgan-generator.onnx")),
                        Labels.from(p),
                        p.getString("input")));
    }
}
