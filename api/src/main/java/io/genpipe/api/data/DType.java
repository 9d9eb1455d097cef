package io.genpipe.api.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Element types a tensor can hold, named as ONNX names them in lower case. */
public enum DType {
    FLOAT32("float32", 4),
    FLOAT64("float64", 8),
    INT8("int8", 1),
    UINT8("uint8", 1),
    INT32("int32", 4),
    INT64("int64", 8),
    BOOL("bool", 1);

    private final String label;
    private final int byteSize;

    DType(String label, int byteSize) {
        this.label = label;
        this.byteSize = byteSize;
    }

    /** "float32", "int64", ... */
    public String label() {
        return label;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Parses a label such as {@code float32} (case-insensitive; {@code float} and {@code double}
     * are accepted as aliases).
     */
    public static DType parse(String text) {
        String key = text.trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case "float" -> {
                return FLOAT32;
            }
            case "double" -> {
                return FLOAT64;
            }
            default -> {
                for (DType type : values()) {
                    if (type.label.equals(key)) {
                        return type;
                    }
                }
            }
        }
        throw new IllegalArgumentException("Unknown dtype '" + text + "'; known dtypes: "
                + Arrays.stream(values()).map(DType::label).collect(Collectors.joining(", ", "[", "]")));
    }

    @Override
    public String toString() {
        return label;
    }
}
