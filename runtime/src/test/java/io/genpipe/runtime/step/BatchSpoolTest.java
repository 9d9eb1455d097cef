package io.genpipe.runtime.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSpoolTest {

    private static Batch batch(int from, int n) {
        float[] image = new float[n * 6];
        long[] tokens = new long[n * 3];
        byte[] flags = new byte[n];
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) {
                image[i * 6 + j] = (from + i) + j / 10f;
            }
            for (int j = 0; j < 3; j++) {
                tokens[i * 3 + j] = (from + i) * 1000L + j;
            }
            flags[i] = (byte) (from + i);
            meta.add(RowMeta.of("r" + (from + i)).withLabel(i % 3));
        }
        BufferTensor u8 = BufferTensor.allocate(DType.UINT8, n);
        u8.buffer().put(flags);
        return Batch.builder(n)
                .column("image", BufferTensor.ofFloats(image, n, 1, 2, 3))
                .column("tokens", BufferTensor.ofLongs(tokens, n, 3))
                .column("flag", u8)
                .meta(meta)
                .build();
    }

    @Test
    void batchesComeBackInOrderWithTheirBytesShapesAndColumnOrderAndTheFileGoes(@TempDir Path dir) throws Exception {
        List<byte[]> expected = new ArrayList<>();
        try (BatchSpool spool = BatchSpool.in(dir)) {
            int from = 0;
            for (int n : new int[] {4, 1, 7}) {
                try (Batch b = batch(from, n)) {
                    for (String c : b.columnNames()) {
                        expected.add(b.column(c).toByteArray());
                    }
                    spool.append(b);
                }
                from += n;
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(1, files.count());
            }
            assertEquals(3, spool.batches());
            assertEquals("r5", spool.meta(2).get(0).id());
            int k = 0;
            for (int i = 0; i < spool.batches(); i++) {
                List<RowMeta> meta = new ArrayList<>();
                for (RowMeta m : spool.meta(i)) {
                    meta.add(m.withScore(0.5));
                }
                try (Batch back = spool.read(i, meta)) {
                    assertEquals(List.of("image", "tokens", "flag"), List.copyOf(back.columnNames()));
                    assertArrayEquals(
                            new long[] {back.rows(), 1, 2, 3},
                            back.column("image").shape());
                    for (String c : back.columnNames()) {
                        assertArrayEquals(expected.get(k++), back.column(c).toByteArray(), c);
                    }
                    assertEquals(meta, back.meta());
                }
                final int at = i;
                assertEquals(
                        "batch " + i + " of the spool was read already",
                        assertThrows(IllegalStateException.class, () -> spool.read(at, meta))
                                .getMessage());
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
