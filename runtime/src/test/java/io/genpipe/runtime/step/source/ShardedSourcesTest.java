package io.genpipe.runtime.step.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.PipelineValidator;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources reading shards: globs and lists of files, and an IDX file read in record ranges. */
class ShardedSourcesTest {

    private static final Path DATA = Path.of(System.getProperty("genpipe.repo.root", ".."))
            .toAbsolutePath()
            .normalize()
            .resolve("data/fashion-mnist");

    @TempDir
    Path dir;

    private void run(String yaml, String out) throws Exception {
        Path file = dir.resolve(out + ".yaml");
        Files.writeString(file, yaml);
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe = Genpipe.builder().seed(d.seed()).baseDir(dir).build()) {
            new PipelineRunner(genpipe, line -> {}).run(new PipelineValidator(genpipe).validate(d), dir.resolve(out));
            assertEquals(0, genpipe.onnx().liveNativeValues());
        }
    }

    @Test
    void aGlobReadsEveryShardInOrder() throws Exception {
        Files.createDirectories(dir.resolve("shards"));
        Files.writeString(dir.resolve("shards/part-1.jsonl"), "{\"x\": 3, \"y\": 1}\n{\"x\": 4, \"y\": 0}\n");
        Files.writeString(dir.resolve("shards/part-0.jsonl"), "{\"x\": 1, \"y\": 1}\n\n{\"x\": 2, \"y\": 0}\n");
        Files.writeString(dir.resolve("shards/part-2.jsonl"), "{\"x\": 5, \"y\": 1}\n");
        Files.writeString(dir.resolve("shards/other.txt"), "not a shard\n");
        String steps = "    with: {values: [x], label: y}\n  - id: out\n    use: jsonl-sink\n    inputs: [src]\n";
        run(
                "batchSize: 2\nsteps:\n  - id: src\n    use: jsonl-source\n    with: {file: \"shards/part-*.jsonl\"}\n"
                                .replace("}\n", ", values: [x], label: y}\n")
                        + steps.substring(steps.indexOf("  - id: out")),
                "glob");
        List<String> rows = Files.readAllLines(dir.resolve("glob/out.jsonl"));
        assertEquals(5, rows.size());
        assertTrue(rows.get(0).startsWith("{\"id\":\"src-0-0\",\"label\":1"), rows.get(0));
        assertTrue(rows.get(2).startsWith("{\"id\":\"src-1-0\",\"label\":1"), rows.get(2));
        assertTrue(rows.get(4).startsWith("{\"id\":\"src-2-0\",\"label\":1"), rows.get(4));
        // a list in the order written reads the files in that order
        run(
                "batchSize: 2\nsteps:\n  - id: src\n    use: jsonl-source\n"
                        + "    with: {file: [shards/part-2.jsonl, shards/part-0.jsonl], values: [x], label: y}\n"
                        + "  - id: out\n    use: jsonl-sink\n    inputs: [src]\n",
                "list");
        List<String> listed = Files.readAllLines(dir.resolve("list/out.jsonl"));
        assertEquals(3, listed.size());
        assertTrue(listed.get(0).startsWith("{\"id\":\"src-0-0\",\"label\":1"), listed.get(0));
        assertTrue(listed.get(1).startsWith("{\"id\":\"src-1-0\",\"label\":1"), listed.get(1));
        assertTrue(listed.get(2).startsWith("{\"id\":\"src-1-1\",\"label\":0"), listed.get(2));
    }

    @Test
    void idxShardsGiveTheRowsOfOneFile() throws Exception {
        IdxFile images = IdxFile.read(DATA.resolve("t10k-images-idx3-ubyte.gz"));
        IdxFile labels = IdxFile.read(DATA.resolve("t10k-labels-idx1-ubyte.gz"));
        Files.createDirectories(dir.resolve("idx"));
        write(dir.resolve("idx/images-0.idx"), images, 0, 130, 28 * 28);
        write(dir.resolve("idx/images-1.idx"), images, 130, 300, 28 * 28);
        write(dir.resolve("idx/labels-0.idx"), labels, 0, 130, 1);
        write(dir.resolve("idx/labels-1.idx"), labels, 130, 300, 1);
        String sinks = "  - id: data\n    use: idx-sink\n    inputs: [test]\n"
                + "  - id: rows\n    use: jsonl-sink\n    inputs: [test]\n";
        run(
                "batchSize: 64\nsteps:\n  - id: test\n    use: idx-source\n    with: {images: " + DATA
                        + "/t10k-images-idx3-ubyte.gz, labels: " + DATA + "/t10k-labels-idx1-ubyte.gz, limit: 250}\n"
                        + sinks,
                "one");
        run(
                "batchSize: 64\nsteps:\n  - id: test\n    use: idx-source\n"
                        + "    with: {images: \"idx/images-*.idx\", labels: \"idx/labels-*.idx\", limit: 250}\n"
                        + sinks,
                "sharded");
        for (String f : List.of("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz")) {
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("one/" + f)), Files.readAllBytes(dir.resolve("sharded/" + f)), f);
        }
        // the same ids and labels (the source names each row's file)
        assertEquals(
                Files.readString(dir.resolve("one/rows.jsonl")).replace("t10k-images-idx3-ubyte.gz", "F"),
                Files.readString(dir.resolve("sharded/rows.jsonl")).replaceAll("images-[01]\\.idx", "F"));
        // a record range of a file, as a Spark task reads it
        IdxFile range = IdxFile.read(dir.resolve("idx/images-1.idx").toString(), 20, 30);
        assertEquals(30, range.count());
        byte[] expected = new byte[30 * 28 * 28];
        images.bytes().position(150 * 28 * 28).get(expected);
        byte[] got = new byte[expected.length];
        range.bytes().get(got);
        assertArrayEquals(expected, got);
        // and past a gzipped file's start
        IdxFile gz = IdxFile.read(DATA.resolve("t10k-images-idx3-ubyte.gz").toString(), 9990, 100);
        assertEquals(10, gz.count());
    }

    @Test
    void wrongShardsAreNamed() throws Exception {
        Files.writeString(dir.resolve("a.csv"), "x,y\n1,2\n");
        Files.writeString(dir.resolve("b.csv"), "x,z\n1,2\n");
        String none = "steps:\n  - id: src\n    use: jsonl-source\n    with: {file: \"nothing-*.jsonl\"}\n";
        PipelineException e = assertThrows(PipelineException.class, () -> run(none, "none"));
        assertTrue(
                e.getMessage().contains("step 'src': file: " + dir + "/nothing-*.jsonl matches no file"),
                e.getMessage());
        String hdfs =
                "steps:\n  - id: src\n    use: text-source\n    with: {file: \"hdfs://namenode:8020/data/a.txt\"}\n";
        PipelineException h = assertThrows(PipelineException.class, () -> run(hdfs, "hdfs"));
        assertTrue(
                h.getMessage()
                        .contains("step 'src': hdfs://namenode:8020/data/a.txt: nothing here reads hdfs:// locations"
                                + " (only local paths); hdfs://, s3a:// and other Hadoop file systems are read on the"
                                + " Spark engine (--engine spark), through Hadoop's FileSystem"),
                h.getMessage());
        String csv = "steps:\n  - id: src\n    use: csv-source\n    with: {file: \"*.csv\", values: [x]}\n"
                + "  - id: out\n    use: jsonl-sink\n    inputs: [src]\n";
        Exception c = assertThrows(GenpipeException.class, () -> run(csv, "csv"));
        assertTrue(
                c.getMessage()
                        .contains(dir + "/b.csv:1: header [x, z], but " + dir + "/a.csv has [x, y]; every shard of a"
                                + " CSV source has the same header"),
                c.getMessage());
        assertTrue(Files.notExists(dir.resolve("csv")), "no output after a failed run");
    }

    /** Items [from, to) of {@code file} as a plain IDX file. */
    private static void write(Path to, IdxFile file, int from, int to2, int itemBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            long[] dims = file.dims();
            out.writeShort(0);
            out.writeByte(0x08);
            out.writeByte(dims.length);
            out.writeInt(to2 - from);
            for (int i = 1; i < dims.length; i++) {
                out.writeInt((int) dims[i]);
            }
            byte[] body = new byte[(to2 - from) * itemBytes];
            ByteBuffer all = file.bytes();
            all.position(from * itemBytes).get(body);
            out.write(body);
        }
        Files.write(to, bytes.toByteArray());
    }
}
