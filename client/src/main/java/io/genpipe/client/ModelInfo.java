package io.genpipe.client;

import java.util.List;

/**
 * A served model's metadata.
 *
 * @param name the model's name
 * @param versions its versions
 * @param platform the server's platform name ({@code genpipe})
 * @param inputs its input tensors
 * @param outputs its output tensors
 */
public record ModelInfo(
        String name, List<String> versions, String platform, List<TensorInfo> inputs, List<TensorInfo> outputs) {

    /**
     * One tensor a model takes or gives.
     *
     * @param name the tensor's name
     * @param datatype the protocol's datatype ({@code FP32}, {@code INT64}, ...)
     * @param shape its dimensions, -1 for any size (the first is the rows)
     */
    public record TensorInfo(String name, String datatype, List<Long> shape) {}
}
