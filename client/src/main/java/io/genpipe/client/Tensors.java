package io.genpipe.client;

import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Tensors as the protocol carries them: datatype names and little-endian bytes. */
final class Tensors {

    private Tensors() {}

    static String datatype(DType t) {
        return switch (t) {
            case FLOAT32 -> "FP32";
            case FLOAT64 -> "FP64";
            case INT8 -> "INT8";
            case UINT8 -> "UINT8";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case BOOL -> "BOOL";
        };
    }

    /** The genpipe type of a protocol datatype, or null for one genpipe tensors do not hold (BYTES, FP16, ...). */
    static DType dtype(String datatype) {
        return switch (datatype) {
            case "FP32" -> DType.FLOAT32;
            case "FP64" -> DType.FLOAT64;
            case "INT8" -> DType.INT8;
            case "UINT8" -> DType.UINT8;
            case "INT32" -> DType.INT32;
            case "INT64" -> DType.INT64;
            case "BOOL" -> DType.BOOL;
            default -> null;
        };
    }

    /** A tensor's values, little-endian, row-major. */
    static byte[] leBytes(Tensor t) {
        byte[] out = new byte
                [Math.toIntExact(Tensor.elementCount(t.shape()) * t.dtype().byteSize())];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32 -> b.asFloatBuffer().put(t.toFloatArray());
            case FLOAT64 -> b.asDoubleBuffer().put(t.toDoubleArray());
            case INT64 -> b.asLongBuffer().put(t.toLongArray());
            case INT32 -> b.asIntBuffer().put(t.toIntArray());
            default -> b.put(t.toByteArray());
        }
        return out;
    }

    /** Little-endian bytes as a tensor. */
    static BufferTensor fromBytes(ByteBuffer bytes, DType dtype, long[] shape) {
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(Tensor.elementCount(shape));
        if ((long) n * dtype.byteSize() != le.remaining()) {
            throw new GenpipeClientException(
                    0,
                    "the answer's tensor has " + le.remaining() + " bytes, not the " + (long) n * dtype.byteSize()
                            + " its shape and datatype say");
        }
        return switch (dtype) {
            case FLOAT32 -> {
                float[] v = new float[n];
                le.asFloatBuffer().get(v);
                yield BufferTensor.ofFloats(v, shape);
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                le.asDoubleBuffer().get(v);
                yield BufferTensor.ofDoubles(v, shape);
            }
            case INT64 -> {
                long[] v = new long[n];
                le.asLongBuffer().get(v);
                yield BufferTensor.ofLongs(v, shape);
            }
            case INT32 -> {
                int[] v = new int[n];
                le.asIntBuffer().get(v);
                yield BufferTensor.ofInts(v, shape);
            }
            default -> {
                byte[] v = new byte[n];
                le.get(v);
                yield BufferTensor.ofBytes(dtype, v, shape);
            }
        };
    }
}
