package io.genpipe.client;

import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import java.nio.ByteBuffer;

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

    /** Little-endian bytes as a tensor; an answer whose size does not fit its shape is refused. */
    static BufferTensor fromBytes(ByteBuffer bytes, DType dtype, long[] shape) {
        try {
            return BufferTensor.fromLittleEndian(bytes, dtype, shape);
        } catch (IllegalArgumentException e) {
            throw new GenpipeClientException(0, "the answer's tensor does not fit its shape: " + e.getMessage());
        }
    }
}
