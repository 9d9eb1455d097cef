package io.genpipe.api.spi;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A loaded ONNX model, as a plugin sees it. The runtime owns it (and closes it on shutdown, after
 * in-flight runs finish); plugins never close models. Thread-safe.
 *
 * <pre>{@code
 * try (BufferTensor x = BufferTensor.ofFloats(pixels, n, 784);
 *      ModelOutputs out = model.run(Map.of("x", x))) {
 *     float[] mu = out.get("mu").toFloatArray();   // explicit copy out of native memory
 * }
 * }</pre>
 */
public interface Model {

    /** Where the model came from: a plugin resource path or a file path. */
    String name();

    /** SHA-256 of the model bytes, lower-case hex. */
    String sha256();

    /** The device the model runs on: {@code cpu} or {@code cuda:N}. */
    String device();

    /** The graph's inputs, with symbolic dimensions where the graph has them. */
    List<PortSpec> inputs();

    /** The graph's outputs. */
    List<PortSpec> outputs();

    /** Custom metadata stored in the model (provenance: training data, seed, versions). */
    Map<String, String> metadata();

    /**
     * Runs the graph. Inputs may be Java or native tensors; native ones (outputs of an earlier
     * run) are passed without a copy. The caller owns the returned outputs and closes them.
     *
     * @throws GenpipeException naming the model, the inputs' names and shapes, and the cause
     */
    ModelOutputs run(Map<String, ? extends Tensor> inputs);

    /**
     * Runs the graph writing the named outputs into preallocated Java tensors, which must have
     * exactly the shapes the run produces. Nothing is allocated for those outputs.
     */
    void runInto(Map<String, ? extends Tensor> inputs, Map<String, BufferTensor> outputs);

    /**
     * Runs the graph writing the outputs named in {@code into} into those preallocated Java tensors
     * (nothing is allocated for them) and returning every other output as a native tensor the
     * caller closes — e.g. a decoder's logits into one reused buffer while its KV cache stays native
     * for the next step.
     */
    ModelOutputs run(Map<String, ? extends Tensor> inputs, Map<String, BufferTensor> into);

    /**
     * Checks that this model has the inputs and outputs a component needs (by name, dtype and
     * shape; symbolic dimensions fit any size).
     *
     * @throws GenpipeException listing every missing or mismatched port: the port, the expected,
     *     the found
     */
    default void requirePorts(List<PortSpec> neededInputs, List<PortSpec> neededOutputs) {
        List<String> problems = new ArrayList<>();
        check("input", neededInputs, inputs(), problems);
        check("output", neededOutputs, outputs(), problems);
        if (!problems.isEmpty()) {
            throw new GenpipeException("model " + name() + " does not fit: " + String.join("; ", problems));
        }
    }

    private static void check(String kind, List<PortSpec> needed, List<PortSpec> found, List<String> problems) {
        Map<String, PortSpec> byName = found.stream().collect(Collectors.toMap(PortSpec::name, p -> p));
        for (PortSpec want : needed) {
            PortSpec have = byName.get(want.name());
            if (have == null) {
                problems.add("no " + kind + " '" + want.name() + "' (expected " + want.typeString() + "; the model's "
                        + kind + "s are "
                        + found.stream().map(PortSpec::toString).collect(Collectors.toList()) + ")");
            } else {
                want.mismatch(have).ifPresent(m -> problems.add(kind + " " + m));
            }
        }
    }
}
