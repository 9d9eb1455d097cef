package io.genpipe.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.step.PartedSink;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepHarness;
import io.genpipe.runtime.step.sink.IdxSink;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files written in parts (one per slice of the rows, as Spark's executors write them) merge into the whole file. */
class PartFilesTest {

    @TempDir
    Path dir;

    private static Batch rows(int first, int n, int size) {
        Random random = new Random(first);
        float[] pixels = new float[n * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            meta.add(new RowMeta("r" + (first + i), (first + i) % 10, "test", null, Map.of()));
        }
        return Batch.builder(n)
                .meta(meta)
                .column("image", BufferTensor.ofFloats(pixels, n, 1, size, size))
                .build();
    }

    /** Writes part {@code index} of both files from {@code batches}; returns each file's part. */
    private static List<PartFiles.Part> part(PartedSink sink, Path out, int index, List<Batch> batches, StepContext c)
            throws Exception {
        List<String> files = sink.files("out");
        List<OutputStream> outs = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        for (String f : files) {
            Path p = out.resolve(f).resolve(PartFiles.partName(f, index));
            Files.createDirectories(p.getParent());
            paths.add(p);
            outs.add(Files.newOutputStream(p));
        }
        Deque<Batch> queue = new ArrayDeque<>(batches);
        long rows = sink.writePart(index, queue::poll, outs, c);
        for (OutputStream o : outs) {
            o.close();
        }
        List<PartFiles.Part> parts = new ArrayList<>();
        for (Path p : paths) {
            String sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
            parts.add(new PartFiles.Part(p.getFileName().toString(), rows, sha));
        }
        return parts;
    }

    /** Where a part's temporary files go: the test's folder. */
    private StepContext context() {
        return new StepContext() {
            @Override
            public String stepId() {
                return "out";
            }

            @Override
            public Path pipelineFolder() {
                return dir;
            }

            @Override
            public Path outputFolder() {
                return dir;
            }

            @Override
            public int batchSize() {
                return 64;
            }

            @Override
            public RandomSource random() {
                return new RandomSource(1);
            }

            @Override
            public void metric(String group, String key, Object value) {}

            @Override
            public Map<String, Object> metrics() {
                return Map.of();
            }

            @Override
            public void publish(String name, Object value) {}

            @Override
            public Object side(String producer, String name) {
                return null;
            }
        };
    }

    @Test
    void idxPartsMergeIntoTheFileTheSinkWritesWhole() throws Exception {
        StepHarness harness = StepHarness.of(IdxSink.definition(), Map.of(), dir.resolve("whole"));
        Files.createDirectories(dir.resolve("whole"));
        harness.run(List.of(rows(0, 100, 8), rows(100, 150, 8))).close();
        PartedSink sink = harness.step().parts().orElseThrow();
        assertEquals(PartedSink.Joining.IDX, sink.joining());
        StepContext context = context();
        Path out = dir.resolve("parts");
        List<List<PartFiles.Part>> parts = List.of(
                part(sink, out, 0, List.of(rows(0, 100, 8)), context),
                part(sink, out, 1, List.of(), context), // an empty partition
                part(sink, out, 2, List.of(rows(100, 150, 8)), context));
        List<PartFiles.PartedFile> files = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            List<PartFiles.Part> mine = new ArrayList<>();
            for (List<PartFiles.Part> p : parts) {
                mine.add(p.get(f));
            }
            files.add(new PartFiles.PartedFile(sink.files("out").get(f), mine, sink.joining()));
        }
        Files.writeString(out.resolve(PartFiles.SUCCESS), PartFiles.manifest(files, Map.of()));
        // a part is an IDX file of its own rows
        assertEquals(
                150,
                IdxFile.read(out.resolve("images-idx3-ubyte.gz/part-00002.gz")).dims()[0]);
        assertEquals(List.of("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"), PartFiles.merge(out));
        for (String f : List.of("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz")) {
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("whole").resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        assertEquals(250, IdxFile.read(out.resolve("images-idx3-ubyte.gz")).dims()[0]);
    }

    @Test
    void idxPartsOfOtherSizesAreNamed() throws Exception {
        StepHarness harness = StepHarness.of(IdxSink.definition(), Map.of(), dir);
        PartedSink sink = harness.step().parts().orElseThrow();
        Path out = dir.resolve("parts");
        List<PartFiles.Part> a = part(sink, out, 0, List.of(rows(0, 10, 8)), context());
        List<PartFiles.Part> b = part(sink, out, 1, List.of(rows(10, 10, 6)), context());
        Files.writeString(
                out.resolve(PartFiles.SUCCESS),
                PartFiles.manifest(
                        List.of(new PartFiles.PartedFile(
                                "images-idx3-ubyte.gz", List.of(a.get(0), b.get(0)), PartedSink.Joining.IDX)),
                        Map.of()));
        GenpipeException e = assertThrows(GenpipeException.class, () -> PartFiles.merge(out));
        assertTrue(
                e.getMessage()
                        .startsWith("images-idx3-ubyte.gz: part "
                                + out.resolve("images-idx3-ubyte.gz").resolve("part-00001.gz")
                                + " holds rows of [6, 6], the parts before it [8, 8]"),
                e.getMessage());
        assertTrue(Files.isDirectory(out.resolve("images-idx3-ubyte.gz")), "the parts stay");
    }
}
