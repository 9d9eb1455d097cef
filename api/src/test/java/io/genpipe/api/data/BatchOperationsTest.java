package io.genpipe.api.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchOperationsTest {

    private static Batch three() {
        return Batch.builder(3)
                .column("x", BufferTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 3, 2))
                .column("label", BufferTensor.ofLongs(new long[] {7, 8, 9}, 3))
                .meta(List.of(
                        RowMeta.of("a").withLabel(7),
                        RowMeta.of("b").withLabel(8),
                        RowMeta.of("c").withLabel(9)))
                .build();
    }

    @Test
    void selectGathersRowsWithRepeatsAndLeavesTheBatchOwned() {
        try (Batch b = three();
                Batch s = b.select(List.of(2, 0, 2))) {
            assertArrayEquals(new float[] {5, 6, 1, 2, 5, 6}, s.column("x").toFloatArray());
            assertArrayEquals(new long[] {9, 7, 9}, s.column("label").toLongArray());
            assertEquals(
                    List.of("c", "a", "c"), s.meta().stream().map(RowMeta::id).toList());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, b.column("x").toFloatArray(), "source changed");
            assertThrows(IndexOutOfBoundsException.class, () -> b.select(List.of(3)));
        }
    }

    @Test
    void sliceCopyConcatAndRetain() {
        try (Batch b = three();
                Batch head = b.slice(0, 1);
                Batch tail = b.slice(1, 3);
                Batch copy = b.copy();
                Batch joined = Batch.concat(List.of(tail, head))) {
            assertArrayEquals(new float[] {3, 4, 5, 6, 1, 2}, joined.column("x").toFloatArray());
            assertEquals(
                    List.of("b", "c", "a"),
                    joined.meta().stream().map(RowMeta::id).toList());
            assertArrayEquals(
                    b.column("label").toLongArray(), copy.column("label").toLongArray());
            Tensor x = copy.column("x");
            Tensor label = copy.column("label");
            Batch kept = copy.retain(List.of("x"));
            assertEquals(List.of("x"), List.copyOf(kept.columnNames()));
            assertTrue(label.isClosed(), "a dropped column is closed");
            assertFalse(x.isClosed(), "a kept column moves");
            kept.close();
            assertTrue(x.isClosed());
            assertThrows(IllegalStateException.class, () -> copy.slice(0, 1), "retain spends the batch");
        }
        try (Batch a = three();
                Batch other = Batch.builder(1)
                        .column("x", BufferTensor.ofFloats(new float[3], 1, 3))
                        .column("label", BufferTensor.ofLongs(new long[1], 1))
                        .build()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Batch.concat(List.of(a, other)));
            assertEquals("cannot concatenate column 'x': float32[3,2] and float32[1,3]", e.getMessage());
        }
    }
}
