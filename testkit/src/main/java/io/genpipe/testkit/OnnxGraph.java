package io.genpipe.testkit;

import io.genpipe.api.data.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an ONNX model from Java, for plugin authors without Python's {@code onnx} package: a graph of standard
 * operators with fixed weights (a filter, a projection, a lookup), encoded as ONNX's own protobuf
 * ({@code onnx.proto}: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto) the way
 * Python's {@code onnx.helper} does, so the same graph gives the same bytes. No training, no control flow.
 *
 * <pre>{@code
 * byte[] model = OnnxGraph.named("laplacian-variance")
 *         .input("image", DType.FLOAT32, "batch", 1, 28, 28)
 *         .output("sharpness", DType.FLOAT32, "batch")
 *         .initializer("kernel", new long[] {1, 1, 3, 3}, new float[] {0, 1, 0, 1, -4, 1, 0, 1, 0})
 *         .node("Conv", List.of("image", "kernel"), List.of("laplacian"), Map.of("kernel_shape", List.of(3, 3)))
 *         .node("Flatten", List.of("laplacian"), List.of("flat"), Map.of("axis", 1))
 *         // ...
 *         .model("my-plugin", 17);
 * }</pre>
 *
 * Attribute values: an Integer or Long (INT), a Float or Double (FLOAT), a String (STRING), a List of integers
 * (INTS) or of floating-point numbers (FLOATS); a node's attributes are written sorted by name, as onnx.helper does.
 */
public final class OnnxGraph {

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();

    private OnnxGraph(String name) {
        this.name = name;
    }

    /** A graph named {@code name}. */
    public static OnnxGraph named(String name) {
        return new OnnxGraph(name);
    }

    /** A graph input; each dimension a String (symbolic, e.g. batch) or a number. */
    public OnnxGraph input(String port, DType type, Object... dims) {
        inputs.add(valueInfo(port, type, dims));
        return this;
    }

    /** A graph output; each dimension a String (symbolic, e.g. batch) or a number. */
    public OnnxGraph output(String port, DType type, Object... dims) {
        outputs.add(valueInfo(port, type, dims));
        return this;
    }

    /** A float32 constant the nodes read by name (weights, kernels), stored as raw little-endian data. */
    public OnnxGraph initializer(String tensor, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return initializer(tensor, dims, DType.FLOAT32, raw.array());
    }

    /** An int64 constant the nodes read by name (shapes, indices). */
    public OnnxGraph initializer(String tensor, long[] dims, long[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return initializer(tensor, dims, DType.INT64, raw.array());
    }

    private OnnxGraph initializer(String tensor, long[] dims, DType type, byte[] raw) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, elementType(type));
        t.string(8, tensor);
        t.bytes(9, raw);
        initializers.add(t.toBytes());
        return this;
    }

    /** A node running operator {@code op} (of the default domain) from {@code in} to {@code out}. */
    public OnnxGraph node(String op, List<String> in, List<String> out, Map<String, ?> attributes) {
        Proto n = new Proto();
        in.forEach(i -> n.string(1, i));
        out.forEach(o -> n.string(2, o));
        n.string(4, op);
        for (Map.Entry<String, ?> a : new TreeMap<>(attributes).entrySet()) {
            n.message(5, attribute(a.getKey(), a.getValue()));
        }
        nodes.add(n.toBytes());
        return this;
    }

    /** The model: this graph, the default domain at {@code opset}, IR version 8. */
    public byte[] model(String producer, int opset) {
        Proto graph = new Proto();
        nodes.forEach(b -> graph.message(1, b));
        graph.string(2, name);
        initializers.forEach(b -> graph.message(5, b));
        inputs.forEach(b -> graph.message(11, b));
        outputs.forEach(b -> graph.message(12, b));
        Proto opsetId = new Proto();
        opsetId.string(1, "");
        opsetId.varint(2, opset);
        Proto model = new Proto();
        model.varint(1, 8);
        model.string(2, producer);
        model.message(7, graph.toBytes());
        model.message(8, opsetId.toBytes());
        return model.toBytes();
    }

    /** Writes {@link #model} to {@code file}. */
    public void write(Path file, String producer, int opset) {
        try {
            Files.write(file, model(producer, opset));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static byte[] attribute(String name, Object value) {
        Proto a = new Proto();
        a.string(1, name);
        int type;
        if (value instanceof Integer || value instanceof Long) {
            a.varint(3, ((Number) value).longValue());
            type = 2;
        } else if (value instanceof Float || value instanceof Double) {
            a.fixed32(2, Float.floatToIntBits(((Number) value).floatValue()));
            type = 1;
        } else if (value instanceof String s) {
            a.bytes(4, s.getBytes(StandardCharsets.UTF_8));
            type = 3;
        } else if (value instanceof List<?> list
                && list.stream().allMatch(v -> v instanceof Integer || v instanceof Long)) {
            list.forEach(v -> a.varint(8, ((Number) v).longValue()));
            type = 7;
        } else if (value instanceof List<?> list && list.stream().allMatch(v -> v instanceof Number)) {
            list.forEach(v -> a.fixed32(7, Float.floatToIntBits(((Number) v).floatValue())));
            type = 6;
        } else {
            throw new IllegalArgumentException("attribute '" + name + "': " + value
                    + " is not an integer, a float, a string or a list of integers or of floats");
        }
        a.varint(20, type);
        return a.toBytes();
    }

    private static byte[] valueInfo(String port, DType type, Object... dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            Proto dim = new Proto();
            if (d instanceof String symbol) {
                dim.string(2, symbol);
            } else if (d instanceof Number n) {
                dim.varint(1, n.longValue());
            } else {
                throw new IllegalArgumentException(
                        "port '" + port + "': dimension " + d + " is neither a name nor a number");
            }
            shape.message(1, dim.toBytes());
        }
        Proto tensor = new Proto();
        tensor.varint(1, elementType(type));
        tensor.message(2, shape.toBytes());
        Proto typeProto = new Proto();
        typeProto.message(1, tensor.toBytes());
        Proto info = new Proto();
        info.string(1, port);
        info.message(2, typeProto.toBytes());
        return info.toBytes();
    }

    /** ONNX's TensorProto.DataType of a genpipe dtype. */
    private static int elementType(DType type) {
        return switch (type) {
            case FLOAT32 -> 1;
            case UINT8 -> 2;
            case INT8 -> 3;
            case INT32 -> 6;
            case INT64 -> 7;
            case BOOL -> 9;
            case FLOAT64 -> 11;
        };
    }

    /** Protobuf's wire format, the few field kinds ONNX models need. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(int field, long value) {
            tag(field, 0);
            raw(value);
        }

        void fixed32(int field, int bits) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                out.write((bits >>> (8 * i)) & 0xff);
            }
        }

        void string(int field, String value) {
            bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        void message(int field, byte[] value) {
            bytes(field, value);
        }

        void bytes(int field, byte[] value) {
            tag(field, 2);
            raw(value.length);
            out.writeBytes(value);
        }

        private void tag(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        private void raw(long value) {
            long v = value;
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
