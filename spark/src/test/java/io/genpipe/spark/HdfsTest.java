package io.genpipe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.io.PartFiles;
import io.genpipe.runtime.pipeline.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sources on a real HDFS (Hadoop's MiniDFSCluster: a NameNode and a DataNode on loopback, in this JVM), read in
 * shards on Spark's executors through Hadoop's FileSystem: the same outputs as the local runner reading the same
 * shards from local files.
 */
class HdfsTest {

    private static final Path ROOT = SparkLocalTest.ROOT;
    private static final Path DATA = ROOT.resolve("data/fashion-mnist");

    private static MiniDFSCluster hdfs;
    private static Genpipe genpipe;
    private static SparkSession session;
    private static Path local;
    private static String uri;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start(@TempDir Path base) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        uri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
        // the test split's first 3,000 images in shards of 1,000 (the last gzipped), locally and on HDFS
        local = base.resolve("shards");
        Files.createDirectories(local);
        IdxFile images = IdxFile.read(DATA.resolve("t10k-images-idx3-ubyte.gz"));
        IdxFile labels = IdxFile.read(DATA.resolve("t10k-labels-idx1-ubyte.gz"));
        FileSystem fs = hdfs.getFileSystem();
        for (int shard = 0; shard < 3; shard++) {
            String suffix = shard == 2 ? ".idx.gz" : ".idx";
            put(fs, "images-" + shard + suffix, idx(images, shard * 1000, 1000, 28 * 28), shard == 2);
            put(fs, "labels-" + shard + suffix, idx(labels, shard * 1000, 1000, 1), shard == 2);
        }
        StringBuilder lines = new StringBuilder();
        for (int shard = 0; shard < 4; shard++) {
            lines.setLength(0);
            for (int i = 0; i < 50 + shard; i++) {
                lines.append("{\"x\": ")
                        .append(i * 0.5 - shard)
                        .append(", \"y\": ")
                        .append((i + shard) % 3)
                        .append("}\n");
            }
            put(fs, "rows-" + shard + ".jsonl", lines.toString().getBytes(StandardCharsets.UTF_8), false);
        }
        genpipe = Genpipe.builder().build();
        session = SparkEngine.session("local[2]", "genpipe-hdfs-test");
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.stop();
        }
        if (genpipe != null) {
            genpipe.close();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void theFlagshipReadsItsShardsFromHdfs() throws Exception {
        Path file = ROOT.resolve("pipelines/anomaly-augment.yaml");
        RunResult a = run(file, List.of("test.images=" + local + "/images-*", "test.labels=" + local + "/labels-*"));
        RunResult b =
                spark(file, List.of("test.images=" + uri + "/data/images-*", "test.labels=" + uri + "/data/labels-*"));
        SparkLocalTest.assertSameOutputs(a, b);
        assertEquals(3000, a.steps().get(0).rows());
    }

    @Test
    void lineShardsFromHdfs() throws Exception {
        Path file = tmp.resolve("rows.yaml");
        Files.writeString(
                file,
                "batchSize: 16\nsteps:\n"
                        + "  - id: rows\n    use: jsonl-source\n    with: {file: ROWS, values: [x], label: y}\n"
                        + "  - id: some\n    use: filter\n    inputs: [rows]\n    with: {where: \"label != 1\"}\n"
                        + "  - id: n\n    use: count\n    inputs: [some]\n    with: {metric: kept}\n"
                        + "  - id: out\n    use: jsonl-sink\n    inputs: [n]\n");
        RunResult a = run(file, List.of("rows.file=" + local + "/rows-*.jsonl"));
        RunResult b = spark(file, List.of("rows.file=" + uri + "/data/rows-*.jsonl"));
        SparkLocalTest.assertSameOutputs(a, b);
        List<String> out = Files.readAllLines(b.outputFolder().resolve("out.jsonl"));
        assertTrue(out.get(0).startsWith("{\"id\":\"rows-0-0\",\"label\":0"), out.get(0));
        assertEquals(137, out.size()); // labels 0 and 2 of 206 rows
    }

    @Test
    void outputsGoToHdfsInPartsCommittedWhole() throws Exception {
        Path file = tmp.resolve("parts.yaml");
        Files.writeString(
                file,
                "batchSize: 16\nsteps:\n"
                        + "  - id: rows\n    use: jsonl-source\n    with: {file: ROWS, values: [x], label: y}\n"
                        + "  - id: some\n    use: filter\n    inputs: [rows]\n    with: {where: \"label != 1\"}\n"
                        + "  - id: first\n    use: take\n    inputs: [some]\n    with: {n: 100}\n"
                        + "  - id: out\n    use: jsonl-sink\n    inputs: [first]\n"
                        + "  - id: table\n    use: csv-sink\n    inputs: [some]\n    with: {file: tables/some.csv}\n");
        RunResult a = run(file, List.of("rows.file=" + local + "/rows-*.jsonl"));
        String out = uri + "/runs/parts";
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        RunResult b = engine.run(engine.prepare(file, List.of("rows.file=" + uri + "/data/rows-*.jsonl"), null), out);
        assertEquals(a.metrics(), b.metrics());
        FileSystem fs = hdfs.getFileSystem();
        // one part per partition of each sink's input (four shards: four partitions), and the manifest
        assertEquals(4, fs.listStatus(new org.apache.hadoop.fs.Path("/runs/parts/out.jsonl")).length);
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/runs/parts/tables/some.csv/part-00003.csv")));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/runs/parts/_SUCCESS")));
        Path copy = tmp.resolve("copy");
        fs.copyToLocalFile(
                false, new org.apache.hadoop.fs.Path("/runs/parts"), new org.apache.hadoop.fs.Path(copy.toUri()), true);
        assertEquals(List.of("out.jsonl", "tables/some.csv"), PartFiles.merge(copy));
        for (String f : SparkLocalTest.list(a.outputFolder())) {
            if (!f.equals("run.json") && !f.equals("timings.js")) {
                assertArrayEquals(
                        Files.readAllBytes(a.outputFolder().resolve(f)),
                        Files.readAllBytes(copy.resolve(f)),
                        f + " differs between the local runner and Spark's merged parts");
            }
        }
        String manifest = Files.readString(copy.resolve("_SUCCESS"));
        assertTrue(manifest.replaceAll("\\s", "").contains("\"file\":\"out.jsonl\",\"rows\":100,"), manifest);
        // the folder exists now: a second run into it is refused before anything runs
        GenpipeException exists = Assertions.assertThrows(
                GenpipeException.class,
                () -> engine.run(engine.prepare(file, List.of("rows.file=" + uri + "/data/rows-*.jsonl"), null), out));
        assertTrue(exists.getMessage().startsWith("output folder " + out + " exists"), exists.getMessage());
    }

    @Test
    void idxOutputsGoToHdfsAsIdxPartsThatMergeIntoTheLocalFiles() throws Exception {
        Path file = tmp.resolve("idx.yaml");
        Files.writeString(
                file,
                "batchSize: 100\nsteps:\n"
                        + "  - id: test\n    use: idx-source\n    with: {images: I, labels: L}\n"
                        + "  - id: some\n    use: filter\n    inputs: [test]\n    with: {where: \"label != 3\"}\n"
                        + "  - id: out\n    use: idx-sink\n    inputs: [some]\n");
        RunResult a = run(file, List.of("test.images=" + local + "/images-*", "test.labels=" + local + "/labels-*"));
        String out = uri + "/runs/idx";
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        engine.partitions(4);
        engine.run(
                engine.prepare(
                        file,
                        List.of("test.images=" + uri + "/data/images-*", "test.labels=" + uri + "/data/labels-*"),
                        null),
                out);
        FileSystem fs = hdfs.getFileSystem();
        Path copy = tmp.resolve("idx-copy");
        fs.copyToLocalFile(
                false, new org.apache.hadoop.fs.Path("/runs/idx"), new org.apache.hadoop.fs.Path(copy.toUri()), true);
        // each part is an IDX file of its partition's rows, readable as a shard
        Path part = copy.resolve("images-idx3-ubyte.gz/part-00001.gz");
        long partRows = IdxFile.read(part).dims()[0];
        assertTrue(partRows > 0 && partRows < 3000, partRows + " rows in " + part);
        assertEquals(List.of("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"), PartFiles.merge(copy));
        for (String f : List.of("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz")) {
            assertArrayEquals(
                    Files.readAllBytes(a.outputFolder().resolve(f)),
                    Files.readAllBytes(copy.resolve(f)),
                    f + " differs between the local runner and Spark's merged parts");
        }
        int[] labels = IdxFile.read(DATA.resolve("t10k-labels-idx1-ubyte.gz")).toLabels();
        long kept = Arrays.stream(labels, 0, 3000).filter(l -> l != 3).count();
        assertEquals(kept, IdxFile.read(copy.resolve("labels-idx1-ubyte.gz")).dims()[0], "label 3 dropped");
    }

    @Test
    void aFailedRunLeavesNothingOnHdfs() throws Exception {
        FileSystem fs = hdfs.getFileSystem();
        try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path("/bad/rows-0.jsonl"))) {
            o.write("{\"x\": 1, \"y\": 0}\n{\"x\": 2, \"y\": 1}\n".getBytes(StandardCharsets.UTF_8));
        }
        try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path("/bad/rows-1.jsonl"))) {
            o.write("{\"x\": 3, \"y\": 0}\n{\"x\": oops}\n".getBytes(StandardCharsets.UTF_8));
        }
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(
                file,
                "steps:\n  - id: rows\n    use: jsonl-source\n    with: {file: ROWS, values: [x], label: y}\n"
                        + "  - id: out\n    use: jsonl-sink\n    inputs: [rows]\n");
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        GenpipeException e = Assertions.assertThrows(
                GenpipeException.class,
                () -> engine.run(
                        engine.prepare(file, List.of("rows.file=" + uri + "/bad/rows-*.jsonl"), null),
                        uri + "/runs/bad"));
        assertTrue(e.getMessage().contains(uri + "/bad/rows-1.jsonl:2"), e.getMessage());
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path("/runs/bad")), "no output folder");
        for (var s : fs.listStatus(new org.apache.hadoop.fs.Path("/runs"))) {
            assertTrue(!s.getPath().getName().startsWith(".bad"), "staging left: " + s.getPath());
        }
    }

    @Test
    void aKilledRunLeavesNothingVisible() throws Exception {
        // the flagship in another JVM, its output on HDFS in parts, killed (SIGKILL) while its executors write
        FileSystem fs = hdfs.getFileSystem();
        String target = uri + "/runs/killed";
        fs.mkdirs(new org.apache.hadoop.fs.Path("/runs"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Xss4m",
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                SparkMain.class.getName(),
                "run",
                ROOT.resolve("pipelines/anomaly-augment.yaml").toString(),
                "--out",
                target,
                "--master",
                "local[1]",
                "--partitions",
                "150",
                "--set",
                "test.images=" + uri + "/data/images-*",
                "--set",
                "test.labels=" + uri + "/data/labels-*"));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("killed.log").toFile())
                .start();
        boolean writing = false;
        long deadline = System.nanoTime() + 180_000_000_000L;
        try {
            while (!writing && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                for (var s : fs.listStatus(new org.apache.hadoop.fs.Path("/runs"))) {
                    if (s.getPath().getName().startsWith(".killed.genpipe-")) {
                        var files = fs.listFiles(s.getPath(), true);
                        while (files.hasNext()) {
                            String name = files.next().getPath().getName();
                            writing |= name.startsWith("part-") || name.startsWith("_attempt-");
                        }
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertTrue(writing, "the run never wrote a part: " + Files.readString(tmp.resolve("killed.log")));
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path("/runs/killed")), "nothing visible at the target");
        for (var s : fs.listStatus(new org.apache.hadoop.fs.Path("/runs"))) {
            String name = s.getPath().getName();
            assertTrue(!name.startsWith("killed"), "visible: " + s.getPath());
            if (name.startsWith(".killed.genpipe-")) {
                assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(s.getPath(), PartFiles.SUCCESS)), "no manifest");
            }
        }
        // what a killed driver leaves (its hidden staging folder) does not stand in the way of the next run
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        Path file = ROOT.resolve("pipelines/anomaly-augment.yaml");
        engine.run(
                engine.prepare(
                        file,
                        List.of("test.images=" + uri + "/data/images-*", "test.labels=" + uri + "/data/labels-*"),
                        null),
                target);
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/runs/killed/" + PartFiles.SUCCESS)));
    }

    @Test
    void aMissingShardIsNamed() {
        Path file = ROOT.resolve("pipelines/anomaly-augment.yaml");
        GenpipeException e = Assertions.assertThrows(
                GenpipeException.class, () -> spark(file, List.of("test.images=" + uri + "/data/none-*.idx")));
        assertTrue(e.getMessage().contains("images: " + uri + "/data/none-*.idx matches no file"), e.getMessage());
    }

    private RunResult run(Path file, List<String> sets) {
        var p = genpipe.pipeline(file);
        sets.forEach(p::set);
        return p.run(tmp.resolve("local"));
    }

    private RunResult spark(Path file, List<String> sets) {
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        return engine.run(file, new ArrayList<>(sets), null, tmp.resolve("spark"));
    }

    private static void put(FileSystem fs, String name, byte[] bytes, boolean gzip) throws IOException {
        Files.write(local.resolve(name), gzip ? gzip(bytes) : bytes);
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path("/data/" + name))) {
            out.write(gzip ? gzip(bytes) : bytes);
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        }
        return out.toByteArray();
    }

    /** Items [from, from + count) of an IDX file, as an IDX file. */
    static byte[] idx(IdxFile file, int from, int count, int itemBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            long[] dims = file.dims();
            out.writeShort(0);
            out.writeByte(0x08);
            out.writeByte(dims.length);
            out.writeInt(count);
            for (int i = 1; i < dims.length; i++) {
                out.writeInt((int) dims[i]);
            }
            byte[] body = new byte[count * itemBytes];
            ByteBuffer all = file.bytes();
            all.position(from * itemBytes).get(body);
            out.write(body);
        }
        return bytes.toByteArray();
    }
}
