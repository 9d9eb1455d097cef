package io.genpipe.runtime.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.TensorInfo;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tensor living in ONNX Runtime's memory: a run's output. Passing it to another run hands the
 * native value over without a copy; reading it into Java copies.
 */
final class NativeTensor extends Tensor {

    private final OnnxRuntime runtime;
    private final AtomicReference<OnnxTensor> value;
    private final DType dtype;
    private final long[] shape;

    NativeTensor(OnnxRuntime runtime, OnnxTensor value) {
        TensorInfo info = value.getInfo();
        DType type = OnnxRuntime.dtypeOf(info.type);
        if (type == null) {
            value.close();
            throw new IllegalArgumentException("ONNX tensor type " + info.type + " is not supported by genpipe");
        }
        this.runtime = runtime;
        this.value = new AtomicReference<>(value);
        this.dtype = type;
        this.shape = info.getShape();
        runtime.opened();
    }

    /** The native value, for passing to the next run. */
    OnnxTensor value() {
        OnnxTensor v = value.get();
        if (v == null) {
            requireOpen();
        }
        return v;
    }

    /** Whether this tensor belongs to the given runtime (so its value may be passed to its sessions). */
    boolean belongsTo(OnnxRuntime other) {
        return runtime == other;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean isNative() {
        return true;
    }

    @Override
    public boolean isClosed() {
        return value.get() == null;
    }

    @Override
    public void close() {
        OnnxTensor v = value.getAndSet(null);
        if (v != null) {
            v.close();
            runtime.closed();
        }
    }

    @Override
    protected ByteBuffer readBytes() {
        return value().getByteBuffer()
                .order(ByteOrder.nativeOrder())
                .asReadOnlyBuffer()
                .order(ByteOrder.nativeOrder());
    }
}
