package io.genpipe.runtime.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A {@link Model} backed by a cached {@link ManagedSession}. Inputs are checked against the
 * graph's ports before the run so a wrong name, dtype or size gets a message naming the port.
 * Java tensors are wrapped without a copy (their buffers are direct); native tensors are passed
 * as they are.
 */
final class OnnxModel implements Model {

    private final String name;
    private final ManagedSession session;
    private final OnnxRuntime runtime;

    OnnxModel(String name, ManagedSession session, OnnxRuntime runtime) {
        this.name = name;
        this.session = session;
        this.runtime = runtime;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String sha256() {
        return session.sha256();
    }

    @Override
    public String device() {
        return session.device();
    }

    @Override
    public List<PortSpec> inputs() {
        return session.inputs();
    }

    @Override
    public List<PortSpec> outputs() {
        return session.outputs();
    }

    @Override
    public Map<String, String> metadata() {
        return session.metadata();
    }

    @Override
    public ModelOutputs run(Map<String, ? extends Tensor> inputs) {
        checkInputs(inputs);
        List<OnnxTensor> temporaries = new ArrayList<>();
        session.enter(name);
        try {
            Map<String, OnnxTensorLike> ortInputs = toOrt(inputs, temporaries);
            OrtSession.Result result = session.session().run(ortInputs);
            return collect(result, Set.of());
        } catch (OrtException e) {
            throw failure(inputs, e);
        } finally {
            closeAll(temporaries);
            session.exit();
        }
    }

    @Override
    public ModelOutputs run(Map<String, ? extends Tensor> inputs, Map<String, BufferTensor> into) {
        checkPinned(into);
        checkInputs(inputs);
        List<OnnxTensor> temporaries = new ArrayList<>();
        session.enter(name);
        try {
            Map<String, OnnxTensorLike> ortInputs = toOrt(inputs, temporaries);
            Map<String, OnnxValue> pinned = new LinkedHashMap<>();
            for (Map.Entry<String, BufferTensor> e : into.entrySet()) {
                pinned.put(e.getKey(), wrap(e.getValue(), temporaries));
            }
            Set<String> requested = new LinkedHashSet<>();
            for (PortSpec p : outputs()) {
                if (!into.containsKey(p.name())) {
                    requested.add(p.name());
                }
            }
            OrtSession.Result result = session.session().run(ortInputs, requested, pinned);
            return collect(result, into.keySet());
        } catch (OrtException e) {
            throw failure(inputs, e);
        } finally {
            closeAll(temporaries);
            session.exit();
        }
    }

    private void checkPinned(Map<String, BufferTensor> outputs) {
        Map<String, PortSpec> byName = outputs().stream().collect(Collectors.toMap(PortSpec::name, p -> p));
        for (Map.Entry<String, BufferTensor> e : outputs.entrySet()) {
            PortSpec port = byName.get(e.getKey());
            if (port == null) {
                throw new GenpipeException(
                        "model " + name + " has no output '" + e.getKey() + "'; outputs: " + outputs());
            }
            port.mismatch(e.getValue()).ifPresent(m -> {
                throw new GenpipeException("model " + name + ": preallocated output " + m);
            });
        }
    }

    @Override
    public void runInto(Map<String, ? extends Tensor> inputs, Map<String, BufferTensor> outputs) {
        checkInputs(inputs);
        checkPinned(outputs);
        List<OnnxTensor> temporaries = new ArrayList<>();
        session.enter(name);
        try {
            Map<String, OnnxTensorLike> ortInputs = toOrt(inputs, temporaries);
            Map<String, OnnxValue> pinned = new LinkedHashMap<>();
            for (Map.Entry<String, BufferTensor> e : outputs.entrySet()) {
                pinned.put(e.getKey(), wrap(e.getValue(), temporaries));
            }
            try (OrtSession.Result result = session.session().run(ortInputs, pinned)) {
                // the pinned outputs were written in place; the result owns nothing else
                assert result.size() == pinned.size();
            }
        } catch (OrtException e) {
            throw failure(inputs, e);
        } finally {
            closeAll(temporaries);
            session.exit();
        }
    }

    private void checkInputs(Map<String, ? extends Tensor> inputs) {
        List<String> problems = new ArrayList<>();
        Map<String, PortSpec> ports = new LinkedHashMap<>();
        for (PortSpec p : inputs()) {
            ports.put(p.name(), p);
        }
        for (Map.Entry<String, ? extends Tensor> e : inputs.entrySet()) {
            PortSpec port = ports.get(e.getKey());
            if (port == null) {
                problems.add("unknown input '" + e.getKey() + "' (the model's inputs are " + inputs() + ")");
            } else if (e.getValue().isClosed()) {
                problems.add("input '" + e.getKey() + "' is a closed tensor");
            } else {
                port.mismatch(e.getValue()).ifPresent(problems::add);
            }
        }
        for (String required : ports.keySet()) {
            if (!inputs.containsKey(required)) {
                problems.add("missing input " + ports.get(required));
            }
        }
        if (!problems.isEmpty()) {
            throw new GenpipeException("model " + name + ": " + String.join("; ", problems));
        }
    }

    private Map<String, OnnxTensorLike> toOrt(Map<String, ? extends Tensor> inputs, List<OnnxTensor> temporaries)
            throws OrtException {
        Map<String, OnnxTensorLike> ortInputs = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Tensor> e : inputs.entrySet()) {
            Tensor t = e.getValue();
            if (t instanceof NativeTensor nativeTensor && nativeTensor.belongsTo(runtime)) {
                ortInputs.put(e.getKey(), nativeTensor.value());
            } else if (t instanceof BufferTensor bufferTensor) {
                ortInputs.put(e.getKey(), wrap(bufferTensor, temporaries));
            } else {
                try (BufferTensor copy = t.copyToJava()) {
                    ortInputs.put(e.getKey(), wrap(copy, temporaries));
                }
            }
        }
        return ortInputs;
    }

    /** Wraps a direct buffer without copying; the wrapper is closed after the run. */
    private OnnxTensor wrap(BufferTensor t, List<OnnxTensor> temporaries) throws OrtException {
        OnnxTensor wrapped =
                OnnxTensor.createTensor(runtime.environment(), t.buffer(), t.shape(), OnnxRuntime.ortTypeOf(t.dtype()));
        runtime.opened();
        temporaries.add(wrapped);
        return wrapped;
    }

    private void closeAll(List<OnnxTensor> temporaries) {
        for (OnnxTensor t : temporaries) {
            t.close();
            runtime.closed();
        }
    }

    private OnnxOutputs collect(OrtSession.Result result, Set<String> pinned) {
        LinkedHashMap<String, NativeTensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, OnnxValue> e : result) {
                if (pinned.contains(e.getKey())) {
                    continue; // written into the caller's buffer, owned by the caller
                }
                if (!(e.getValue() instanceof OnnxTensor)) {
                    throw new GenpipeException("model " + name + ": output '" + e.getKey() + "' is not a tensor");
                }
                tensors.put(e.getKey(), new NativeTensor(runtime, (OnnxTensor) e.getValue()));
            }
        } catch (RuntimeException e) {
            tensors.values().forEach(NativeTensor::close);
            result.close();
            throw e;
        }
        return new OnnxOutputs(name, tensors);
    }

    private GenpipeException failure(Map<String, ? extends Tensor> inputs, OrtException e) {
        String shapes = inputs.entrySet().stream()
                .map(i -> i.getKey() + ": " + i.getValue().typeString())
                .collect(Collectors.joining(", ", "[", "]"));
        return new GenpipeException(
                "model " + name + " (sha256 " + sha256().substring(0, 12) + ", " + device() + ") failed on inputs "
                        + shapes + ": " + OnnxRuntime.oneLine(e),
                e);
    }

    @Override
    public String toString() {
        return "Model(" + name + ", " + device() + ")";
    }
}
