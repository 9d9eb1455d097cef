package io.genpipe.runtime.builtin;

import io.genpipe.api.Encoder;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs any ONNX model as an encoder: the batch's columns named like the graph's inputs go in, the
 * graph's outputs come back as columns (still native: a following model run reads them without
 * a copy). Its ports are the graph's own.
 */
public final class OnnxModelEncoder implements Encoder {

    private final Model model;

    private OnnxModelEncoder(Model model) {
        this.model = model;
    }

    @Override
    public List<PortSpec> inputs() {
        return model.inputs();
    }

    @Override
    public List<PortSpec> outputs() {
        return model.outputs();
    }

    @Override
    public Batch encode(Batch samples) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (PortSpec port : model.inputs()) {
            inputs.put(port.name(), samples.column(port.name()));
        }
        try (ModelOutputs out = model.run(inputs)) {
            Batch.Builder result = Batch.builder(samples.rows()).meta(samples.meta());
            for (String name : out.names()) {
                // get() first: an output whose leading dimension is not the row count is rejected
                // while the outputs still own it, so nothing leaks
                result.column(name, out.get(name));
                out.take(name);
            }
            return result.build();
        }
    }

    static EncoderFactory factory() {
        return EncoderFactory.of(
                "onnx-model",
                "runs any ONNX model: input columns by the graph's input names, outputs as columns",
                List.of(ParameterSpec.required("model", ParameterType.PATH, "the .onnx file")),
                (parameters, context) -> new OnnxModelEncoder(context.loadModel(parameters.getPath("model"))));
    }
}
