package io.genpipe.runtime.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.PipelineValidator;
import io.genpipe.runtime.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RebatcherTest {

    private static Batch rows(int from, int n) {
        float[] x = new float[n * 2];
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            x[2 * i] = from + i;
            x[2 * i + 1] = -(from + i);
            meta.add(RowMeta.of("r" + (from + i)));
        }
        return Batch.builder(n)
                .column("x", BufferTensor.ofFloats(x, n, 2))
                .meta(meta)
                .build();
    }

    @Test
    void recutsAStreamIntoBatchesOfTheGivenSizeKeepingOrder() throws Exception {
        Deque<Batch> in = new ArrayDeque<>(List.of(rows(0, 3), rows(3, 5), rows(8, 2), rows(10, 7)));
        Rebatcher r = new Rebatcher(in::poll, 4);
        List<Integer> sizes = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Batch next = r.next(); next != null; next = r.next()) {
            try (Batch b = next) {
                sizes.add(b.rows());
                for (float v : b.column("x").toFloatArray()) {
                    values.add(v);
                }
                b.meta().forEach(m -> ids.add(m.id()));
            }
        }
        assertEquals(List.of(4, 4, 4, 4, 1), sizes);
        for (int i = 0; i < 17; i++) {
            assertEquals(i, values.get(2 * i), 0f);
            assertEquals(-i, values.get(2 * i + 1), 0f);
            assertEquals("r" + i, ids.get(i));
        }
        assertNull(r.next());
    }

    @Test
    void aComponentStepMicroBatchesToItsOwnSize(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("affine.onnx"), Fixtures.affineBytes());
        String base = "batchSize: 64\nsteps:\n  - id: z\n    use: gaussian\n    with: {dim: 4, column: x, rows: 1000}\n"
                + "  - id: m\n    use: onnx-model\n    inputs: [z]\n    with: {model: affine.onnx%s}\n"
                + "  - id: rows\n    use: jsonl-sink\n    inputs: [m]\n";
        byte[][] outputs = new byte[2][];
        String[] extra = {"", ", batchSize: 100"};
        for (int i = 0; i < 2; i++) {
            Path file = dir.resolve("p" + i + ".yaml");
            Files.writeString(file, base.replace("%s", extra[i]));
            PipelineDefinition d = new PipelineReader().read(file);
            try (Genpipe genpipe = Genpipe.builder().baseDir(dir).build()) {
                new PipelineRunner(genpipe, line -> {})
                        .run(new PipelineValidator(genpipe).validate(d), dir.resolve("out" + i));
            }
            outputs[i] = Files.readAllBytes(dir.resolve("out" + i + "/rows.jsonl"));
        }
        assertArrayEquals(outputs[0], outputs[1]);
        assertEquals(1000, Files.readAllLines(dir.resolve("out1/rows.jsonl")).size());
    }
}
