package io.genpipe.api.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DataTypesTest {

    @Test
    void portMismatchNamesPortExpectedAndFound() {
        PortSpec z = PortSpec.of("z", DType.FLOAT32, "batch", 20);
        assertEquals(Optional.empty(), z.mismatch(PortSpec.of("z", DType.FLOAT32, 16, 20)));
        assertEquals(Optional.empty(), z.mismatch(PortSpec.of("z", DType.FLOAT32, "n", Dim.ANY)));
        assertEquals(
                Optional.of("port 'z': expected float32[batch,20], found float32[batch,32]"),
                z.mismatch(PortSpec.of("z", DType.FLOAT32, "batch", 32)));
        assertEquals(
                Optional.of("port 'z': expected float32[batch,20], found int64[batch,20]"),
                z.mismatch(PortSpec.of("z", DType.INT64, "batch", 20)));
        try (BufferTensor t = BufferTensor.ofFloats(new float[6], 2, 3)) {
            assertEquals(Optional.of("port 'z': expected float32[batch,20], found float32[2,3]"), z.mismatch(t));
        }
    }

    @Test
    void bufferTensorRoundTripsAndClosesOnce() {
        BufferTensor t = BufferTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals("float32[2,3]", t.typeString());
        assertEquals(6, t.size());
        t.floatBuffer().put(0, 9f);
        assertArrayEquals(new float[] {9, 2, 3, 4, 5, 6}, t.toFloatArray());
        try (BufferTensor copy = t.copyToJava()) {
            assertArrayEquals(t.toFloatArray(), copy.toFloatArray());
        }
        t.close();
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
        assertEquals("tensor float32[2,3] is closed", e.getMessage());
        IllegalArgumentException wrong =
                assertThrows(IllegalArgumentException.class, () -> BufferTensor.ofLongs(new long[] {1, 2, 3}, 2, 2));
        assertEquals("3 values do not fill shape [2, 2] (4 elements)", wrong.getMessage());
    }

    @Test
    void batchChecksRowsAndClosesOwnedColumnsOnly() {
        BufferTensor owned = BufferTensor.ofFloats(new float[4], 2, 2);
        BufferTensor borrowed = BufferTensor.ofInts(new int[] {3, 7}, 2);
        Batch batch =
                Batch.builder(2).column("x", owned).borrow("label", borrowed).build();
        assertEquals(List.of("0", "1"), batch.meta().stream().map(RowMeta::id).collect(Collectors.toList()));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> batch.column("y"));
        assertEquals("batch has no column 'y'; columns: [x, label]", missing.getMessage());
        batch.close();
        assertTrue(owned.isClosed());
        assertArrayEquals(new int[] {3, 7}, borrowed.toIntArray());
        IllegalArgumentException rows = assertThrows(
                IllegalArgumentException.class,
                () -> Batch.builder(3).column("x", BufferTensor.ofFloats(new float[4], 2, 2)));
        assertEquals(
                "column 'x' is float32[2,2] but the batch has 3 rows; its leading dimension must be 3",
                rows.getMessage());
    }

    @Test
    void dtypeParsingListsKnownTypes() {
        assertEquals(DType.FLOAT32, DType.parse("float"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.parse("half"));
        assertEquals(
                "Unknown dtype 'half'; known dtypes: [float32, float64, int8, uint8, int32, int64, bool]",
                e.getMessage());
    }

    @Test
    void littleEndianBytesAreTheProtocolsRawLayout() {
        // 1.0f and -2.5f as IEEE 754 little-endian
        byte[] raw = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0x20, (byte) 0xc0};
        try (BufferTensor t = BufferTensor.fromLittleEndian(ByteBuffer.wrap(raw), DType.FLOAT32, 2)) {
            assertArrayEquals(new float[] {1f, -2.5f}, t.toFloatArray());
            assertArrayEquals(raw, t.toLittleEndianBytes());
        }
        try (BufferTensor l = BufferTensor.ofLongs(new long[] {258}, 1)) {
            assertArrayEquals(new byte[] {2, 1, 0, 0, 0, 0, 0, 0}, l.toLittleEndianBytes());
        }
        IllegalArgumentException tooShort = assertThrows(
                IllegalArgumentException.class,
                () -> BufferTensor.fromLittleEndian(ByteBuffer.wrap(new byte[6]), DType.FLOAT32, 2));
        assertEquals("6 bytes do not fill float32[2] (8 bytes)", tooShort.getMessage());
    }
}
