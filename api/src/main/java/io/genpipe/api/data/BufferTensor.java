package io.genpipe.api.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor stored in a Java direct buffer in native byte order: the layout ONNX Runtime reads
 * without a copy, and the layout it can write a run's outputs into when the tensor is passed as a
 * preallocated output.
 *
 * <pre>{@code
 * try (BufferTensor z = BufferTensor.allocate(DType.FLOAT32, 16, 20)) {
 *     FloatBuffer data = z.floatBuffer();   // a view: writes go straight into the tensor
 *     for (int i = 0; i < data.capacity(); i++) data.put(i, 0.5f);
 * }
 * }</pre>
 */
public final class BufferTensor extends Tensor {

    private final DType dtype;
    private final long[] shape;
    private volatile ByteBuffer buffer;

    private BufferTensor(DType dtype, long[] shape, ByteBuffer buffer) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.buffer = buffer;
    }

    /** A zero-filled tensor. */
    public static BufferTensor allocate(DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype is null");
        long bytes = Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + dtype + Arrays.toString(shape) + " exceeds 2 GiB");
        }
        return new BufferTensor(
                dtype, shape, ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()));
    }

    /**
     * Wraps an existing direct buffer (native order, position 0, exactly the tensor's byte size)
     * without copying. The tensor then shares the buffer with the caller.
     */
    public static BufferTensor wrap(ByteBuffer buffer, DType dtype, long... shape) {
        Objects.requireNonNull(buffer, "buffer is null");
        if (!buffer.isDirect() || buffer.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("buffer must be direct and in native byte order");
        }
        long expected = elementCount(shape) * dtype.byteSize();
        if (buffer.capacity() != expected) {
            throw new IllegalArgumentException("buffer holds " + buffer.capacity() + " bytes but " + dtype
                    + Arrays.toString(shape) + " needs " + expected);
        }
        return new BufferTensor(dtype, shape, buffer);
    }

    public static BufferTensor ofFloats(float[] data, long... shape) {
        BufferTensor t = allocateFor(DType.FLOAT32, data.length, shape);
        t.floatBuffer().put(data);
        return t;
    }

    public static BufferTensor ofInts(int[] data, long... shape) {
        BufferTensor t = allocateFor(DType.INT32, data.length, shape);
        t.buffer.asIntBuffer().put(data);
        return t;
    }

    public static BufferTensor ofLongs(long[] data, long... shape) {
        BufferTensor t = allocateFor(DType.INT64, data.length, shape);
        t.buffer.asLongBuffer().put(data);
        return t;
    }

    public static BufferTensor ofDoubles(double[] data, long... shape) {
        BufferTensor t = allocateFor(DType.FLOAT64, data.length, shape);
        t.buffer.asDoubleBuffer().put(data);
        return t;
    }

    /**
     * A tensor holding a copy of {@code bytes}' remaining little-endian values (the Open Inference Protocol's raw
     * tensor layout), which must be exactly {@code shape}'s size.
     */
    public static BufferTensor fromLittleEndian(ByteBuffer bytes, DType dtype, long... shape) {
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        long expected = Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
        if (le.remaining() != expected) {
            throw new IllegalArgumentException(le.remaining() + " bytes do not fill " + dtype + Arrays.toString(shape)
                    + " (" + expected + " bytes)");
        }
        BufferTensor t = allocate(dtype, shape);
        int width = dtype.byteSize();
        if (width == 1 || ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            t.buffer.put(le).rewind();
            return t;
        }
        for (int i = 0; i < expected; i += width) {
            for (int b = 0; b < width; b++) {
                t.buffer.put(i + b, le.get(i + width - 1 - b));
            }
        }
        return t;
    }

    /** Bytes of a {@code uint8}, {@code int8} or {@code bool} tensor. */
    public static BufferTensor ofBytes(DType dtype, byte[] data, long... shape) {
        if (dtype.byteSize() != 1) {
            throw new IllegalArgumentException(dtype + " is not a one-byte dtype");
        }
        BufferTensor t = allocateFor(dtype, data.length, shape);
        t.buffer.put(data).rewind();
        return t;
    }

    private static BufferTensor allocateFor(DType dtype, int length, long[] shape) {
        if (elementCount(shape) != length) {
            throw new IllegalArgumentException(length + " values do not fill shape " + Arrays.toString(shape) + " ("
                    + elementCount(shape) + " elements)");
        }
        return allocate(dtype, shape);
    }

    /** The backing buffer itself (a duplicate view at position 0): writes change the tensor. */
    public ByteBuffer buffer() {
        return live().duplicate().order(ByteOrder.nativeOrder());
    }

    /** A {@code float32} view of the backing buffer. */
    public FloatBuffer floatBuffer() {
        checkType(DType.FLOAT32);
        return buffer().asFloatBuffer();
    }

    /** An {@code int32} view of the backing buffer. */
    public IntBuffer intBuffer() {
        checkType(DType.INT32);
        return buffer().asIntBuffer();
    }

    /** An {@code int64} view of the backing buffer. */
    public LongBuffer longBuffer() {
        checkType(DType.INT64);
        return buffer().asLongBuffer();
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
        return false;
    }

    @Override
    public boolean isClosed() {
        return buffer == null;
    }

    /** Drops the reference to the buffer; the memory goes with the garbage collector. */
    @Override
    public void close() {
        buffer = null;
    }

    @Override
    protected ByteBuffer readBytes() {
        return live().asReadOnlyBuffer().order(ByteOrder.nativeOrder());
    }

    private ByteBuffer live() {
        ByteBuffer b = buffer;
        if (b == null) {
            requireOpen();
        }
        return b;
    }

    private void checkType(DType expected) {
        if (dtype != expected) {
            throw new IllegalStateException("tensor is " + typeString() + ", not " + expected.label());
        }
    }
}
