package io.genpipe.runtime.onnx;

import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ModelOutputs;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The native outputs of one run; closes those not {@link #take(String) taken}. */
final class OnnxOutputs implements ModelOutputs {

    private final String modelName;
    private final Map<String, NativeTensor> tensors;
    private final Set<String> taken = new HashSet<>();
    private boolean closed;

    OnnxOutputs(String modelName, Map<String, NativeTensor> tensors) {
        this.modelName = modelName;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public synchronized Tensor get(String name) {
        if (closed) {
            throw new IllegalStateException("outputs of model " + modelName + " are closed");
        }
        if (taken.contains(name)) {
            throw new IllegalStateException(
                    "output '" + name + "' of model " + modelName + " was taken; its new owner holds it");
        }
        NativeTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                    "model " + modelName + " has no output '" + name + "'; outputs: " + tensors.keySet());
        }
        return t;
    }

    @Override
    public synchronized Tensor take(String name) {
        Tensor t = get(name);
        taken.add(name);
        return t;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tensors.forEach((name, tensor) -> {
            if (!taken.contains(name)) {
                tensor.close();
            }
        });
    }
}
