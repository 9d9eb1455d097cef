package io.genpipe.api.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dtype, a shape and row-major storage, backed either by a Java direct buffer
 * ({@link BufferTensor}) or by a native ONNX Runtime value handed out by the runtime.
 *
 * <p>Reading the contents into Java ({@link #toFloatArray()} and friends) is explicit and, for a
 * native tensor, a copy. A native tensor passed back into a model run is not copied.
 *
 * <p>Ownership: whoever created the tensor, or received it as "owned by the caller", closes it.
 * {@link #close()} is idempotent; any read after it fails with {@link IllegalStateException}.
 */
public abstract class Tensor implements AutoCloseable {

    public abstract DType dtype();

    /** A copy of the shape. */
    public abstract long[] shape();

    /** Whether the storage is native memory owned by ONNX Runtime. */
    public abstract boolean isNative();

    public abstract boolean isClosed();

    @Override
    public abstract void close();

    /**
     * The contents as a read-only little-/native-order byte buffer positioned at 0. Native
     * tensors copy here; Java tensors return a view.
     */
    protected abstract ByteBuffer readBytes();

    /** Number of elements: the product of the shape. */
    public long size() {
        return elementCount(shape());
    }

    /** Size of the leading dimension; 1 for a scalar. */
    public long rows() {
        long[] shape = shape();
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Copies a {@code float32} tensor's contents into a new array. */
    public float[] toFloatArray() {
        requireType(DType.FLOAT32);
        float[] out = new float[checkedSize()];
        readBytes().asFloatBuffer().get(out);
        return out;
    }

    /** Copies a {@code float64} tensor's contents into a new array. */
    public double[] toDoubleArray() {
        requireType(DType.FLOAT64);
        double[] out = new double[checkedSize()];
        readBytes().asDoubleBuffer().get(out);
        return out;
    }

    /** Copies an {@code int32} tensor's contents into a new array. */
    public int[] toIntArray() {
        requireType(DType.INT32);
        int[] out = new int[checkedSize()];
        readBytes().asIntBuffer().get(out);
        return out;
    }

    /** Copies an {@code int64} tensor's contents into a new array. */
    public long[] toLongArray() {
        requireType(DType.INT64);
        long[] out = new long[checkedSize()];
        readBytes().asLongBuffer().get(out);
        return out;
    }

    /** Copies the raw bytes (any dtype) into a new array. */
    public byte[] toByteArray() {
        ByteBuffer bytes = readBytes();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    /**
     * The values as little-endian bytes, row-major, without padding: the layout of the Open Inference Protocol's
     * raw tensors (binary tensor data, gRPC raw contents).
     */
    public byte[] toLittleEndianBytes() {
        ByteBuffer values = readBytes();
        byte[] out = new byte[values.remaining()];
        int width = dtype().byteSize();
        if (width == 1 || values.order() == ByteOrder.LITTLE_ENDIAN) {
            values.get(out);
            return out;
        }
        // a big-endian platform: each value's bytes reversed
        for (int i = 0; i < out.length; i += width) {
            for (int b = 0; b < width; b++) {
                out[i + b] = values.get(values.position() + i + width - 1 - b);
            }
        }
        return out;
    }

    /** Copies the contents into a new Java-side tensor the caller owns. */
    public BufferTensor copyToJava() {
        ByteBuffer source = readBytes();
        BufferTensor copy = BufferTensor.allocate(dtype(), shape());
        copy.buffer().put(source).rewind();
        return copy;
    }

    /** {@code float32[2,784]}. */
    public String typeString() {
        return dtype().label() + Arrays.toString(shape()).replace(" ", "");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + typeString() + (isClosed() ? ", closed" : "") + ")";
    }

    /** Product of a shape, failing on negative dimensions. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape has a negative dimension: " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    protected final void requireOpen() {
        if (isClosed()) {
            throw new IllegalStateException("tensor " + typeString() + " is closed");
        }
    }

    private void requireType(DType expected) {
        if (dtype() != expected) {
            throw new IllegalStateException("tensor is " + typeString() + ", not " + expected.label());
        }
    }

    private int checkedSize() {
        long n = size();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor " + typeString() + " is too large for a Java array");
        }
        return (int) n;
    }
}
