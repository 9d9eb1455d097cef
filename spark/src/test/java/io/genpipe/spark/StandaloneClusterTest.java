package io.genpipe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.io.PartFiles;
import io.genpipe.runtime.pipeline.RunResult;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on loopback: a master and two workers started from Spark's own classes, each
 * in its own JVM, executors in JVMs of their own (what catches serialization and class-loading faults
 * that local[N] hides). Jobs go in through spark-submit's own main class with docs/SPARK.md's command;
 * the workers' class path is Spark's alone, so genpipe reaches executors only in the application jar.
 */
class StandaloneClusterTest {

    static final Path ROOT = SparkLocalTest.ROOT;
    static final Path TARGET = ROOT.resolve("spark/target");

    private static final List<Process> DAEMONS = new ArrayList<>();
    private static Path home;
    private static String master;

    @TempDir
    static Path cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startCluster() throws Exception {
        // a Spark home of Spark's jars: workers build executors' class path from $SPARK_HOME/jars
        home = cluster.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        for (String jar : sparkClassPath().split(File.pathSeparator)) {
            Path j = Path.of(jar);
            Files.createSymbolicLink(home.resolve("jars").resolve(j.getFileName()), j);
        }
        int port = freePort();
        int ui = freePort();
        master = "spark://127.0.0.1:" + port;
        DAEMONS.add(daemon(
                "master",
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--webui-port",
                Integer.toString(ui)));
        waitFor(ui, "\"status\" : \"ALIVE\"", 0);
        for (int w = 1; w <= 2; w++) {
            DAEMONS.add(daemon(
                    "worker" + w,
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    "2g",
                    "--webui-port",
                    Integer.toString(freePort()),
                    "--work-dir",
                    cluster.resolve("work" + w).toString(),
                    master));
        }
        waitFor(ui, "\"aliveworkers\" : 2", 0);
    }

    @AfterAll
    static void stopCluster() {
        for (Process p : DAEMONS) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : DAEMONS) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void theDocumentedSubmitMatchesTheLocalRunnerOnTwoExecutors() throws Exception {
        List<String> args = documentedSubmit();
        Path out = tmp.resolve("spark-out");
        args.set(args.indexOf("--out") + 1, out.toString());
        Result r = submit(args);
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("wrote " + out), r.output);
        try (Genpipe genpipe = Genpipe.builder().build()) {
            RunResult local = genpipe.pipeline(ROOT.resolve("pipelines/anomaly-augment.yaml"))
                    .set("test.limit=2000")
                    .run(tmp.resolve("local"));
            Map<?, ?> run = sameOutputs(local.outputFolder(), out);
            Map<?, ?> spark = (Map<?, ?>) run.get("spark");
            assertEquals(master, spark.get("master"));
            assertEquals(2, spark.get("executors"));
        }
        // executors in their own JVMs rebuilt the pipeline from the file and checked its models
        List<String> logs = executorLogs();
        assertTrue(
                logs.stream()
                        .anyMatch(l -> l.contains(" rebuilt pipeline " + ROOT.resolve("pipelines/anomaly-augment.yaml")
                                + " (4 model(s), sha256 as on the driver)")),
                String.join("\n----\n", logs));
    }

    @Test
    void theFlagshipWithItsShardsAndItsOutputOnHdfs() throws Exception {
        // a real HDFS in this JVM; the executors, in the workers' JVMs, read its shards through Hadoop's FileSystem
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            hdfs.waitActive();
            String uri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
            FileSystem fs = hdfs.getFileSystem();
            IdxFile images = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
            IdxFile labels = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"));
            Path shards = tmp.resolve("shards");
            Files.createDirectories(shards);
            for (int s = 0; s < 2; s++) {
                String suffix = s == 1 ? ".idx.gz" : ".idx";
                byte[] im = HdfsTest.idx(images, s * 1000, 1000, 28 * 28);
                byte[] lb = HdfsTest.idx(labels, s * 1000, 1000, 1);
                if (s == 1) {
                    im = HdfsTest.gzip(im);
                    lb = HdfsTest.gzip(lb);
                }
                for (Object[] f : new Object[][] {{"images-" + s + suffix, im}, {"labels-" + s + suffix, lb}}) {
                    Files.write(shards.resolve((String) f[0]), (byte[]) f[1]);
                    try (var o = fs.create(new org.apache.hadoop.fs.Path("/data/" + f[0]))) {
                        o.write((byte[]) f[1]);
                    }
                }
            }
            String out = uri + "/runs/augment";
            Result r = submit(List.of(
                    "--master",
                    master,
                    "--class",
                    SparkMain.class.getName(),
                    appJar().toString(),
                    "run",
                    ROOT.resolve("pipelines/anomaly-augment.yaml").toString(),
                    "--set",
                    "test.images=" + uri + "/data/images-*",
                    "--set",
                    "test.labels=" + uri + "/data/labels-*",
                    "--out",
                    out));
            assertEquals(0, r.exit, r.output);
            assertTrue(r.output.contains("wrote " + out), r.output);
            Path copy = tmp.resolve("copy");
            fs.copyToLocalFile(
                    false,
                    new org.apache.hadoop.fs.Path("/runs/augment"),
                    new org.apache.hadoop.fs.Path(copy.toUri()),
                    true);
            assertTrue(Files.isRegularFile(copy.resolve(PartFiles.SUCCESS)), "the manifest");
            PartFiles.merge(copy);
            Files.delete(copy.resolve(PartFiles.SUCCESS));
            try (Genpipe genpipe = Genpipe.builder().build()) {
                RunResult local = genpipe.pipeline(ROOT.resolve("pipelines/anomaly-augment.yaml"))
                        .set("test.images=" + shards + "/images-*")
                        .set("test.labels=" + shards + "/labels-*")
                        .run(tmp.resolve("local"));
                // report.html lists the files the driver wrote: those written in parts are listed in _SUCCESS
                Path report = local.outputFolder().resolve("report.html");
                Files.writeString(
                        report,
                        Files.readString(report, StandardCharsets.UTF_8)
                                .replaceAll("(?m)^.*augmented-(images|labels)-idx[13]-ubyte\\.gz.*\\R", ""),
                        StandardCharsets.UTF_8);
                sameOutputs(local.outputFolder(), copy);
            }
        } finally {
            hdfs.shutdown();
        }
    }

    @Test
    void theOneClassBenchmarkMatchesTheLocalRunnerOnTwoExecutors() throws Exception {
        Path out = tmp.resolve("spark-out");
        Result r = submit(List.of(
                "--master",
                master,
                "--class",
                SparkMain.class.getName(),
                appJar().toString(),
                "run",
                ROOT.resolve("pipelines/bench/vae-one-class.yaml").toString(),
                "--set",
                "test.limit=1000",
                "--out",
                out.toString()));
        assertEquals(0, r.exit, r.output);
        try (Genpipe genpipe = Genpipe.builder().build()) {
            RunResult local = genpipe.pipeline(ROOT.resolve("pipelines/bench/vae-one-class.yaml"))
                    .set("test.limit=1000")
                    .run(tmp.resolve("local"));
            sameOutputs(local.outputFolder(), out);
        }
    }

    @Test
    void aThirdPartyPluginTravelsToTheExecutorsInItsPluginsFolder() throws Exception {
        // wavenet is not in the application jar: executors get its folder through SparkContext.addFile and load
        // it in genpipe's isolated plugin class loader; speech-ood also has take and a two-input concat
        Path plugins = ROOT.resolve("plugins/wavenet/target/plugins");
        assertTrue(
                Files.isDirectory(plugins.resolve("wavenet")), plugins + " is built by the reactor before this module");
        Path file = ROOT.resolve("pipelines/speech-ood.yaml");
        Path out = tmp.resolve("spark-out");
        Result r = submit(List.of(
                "--master",
                master,
                "--class",
                SparkMain.class.getName(),
                appJar().toString(),
                "run",
                file.toString(),
                "--plugins-dir",
                plugins.toString(),
                "--out",
                out.toString()));
        assertEquals(0, r.exit, r.output);
        try (Genpipe genpipe = Genpipe.builder().pluginsDir(plugins).build()) {
            sameOutputs(genpipe.pipeline(file).run(tmp.resolve("local")).outputFolder(), out);
        }
        assertTrue(
                executorLogs().stream().anyMatch(l -> l.contains(" rebuilt pipeline " + file)), "an executor ran it");
    }

    @Test
    void anInvalidFileIsRefusedOnTheDriverWithItsLineAndExit2() throws Exception {
        Path file = tmp.resolve("typo.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "name: typo",
                        "steps:",
                        "  - id: test",
                        "    use: idx-sorce",
                        "    with: {images: x.gz}",
                        ""));
        Result r = submit(List.of(
                "--master",
                master,
                "--class",
                SparkMain.class.getName(),
                appJar().toString(),
                "run",
                file.toString(),
                "--out",
                tmp.resolve("never").toString()));
        assertEquals(2, r.exit, r.output);
        assertTrue(
                r.output.contains(file + ":3:5: step 'test': unknown component or step 'idx-sorce'; did you mean"
                        + " 'idx-source'?"),
                r.output);
        assertTrue(Files.notExists(tmp.resolve("never")));
    }

    /** docs/SPARK.md's spark-submit command, as arguments, on this cluster's master. */
    static List<String> documentedSubmit() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/SPARK.md"));
        Matcher m = Pattern.compile("<!-- spark-submit -->\\s*```\\s*\\n(.*?)\\n```", Pattern.DOTALL)
                .matcher(doc);
        assertTrue(m.find(), "docs/SPARK.md has no <!-- spark-submit --> block");
        List<String> words = new ArrayList<>(List.of(m.group(1).trim().split("\\s+")));
        assertEquals("spark-submit", words.remove(0));
        words.replaceAll(w -> w.equals("spark://HOST:7077")
                ? master
                : w.startsWith("spark/target/")
                        ? ROOT.resolve(w).toString()
                        : w.startsWith("pipelines/") ? ROOT.resolve(w).toString() : w);
        assertTrue(words.contains(master) && words.contains("--out"), words.toString());
        return words;
    }

    record Result(int exit, String output) {}

    /** spark-submit: Spark's own launcher class, as the spark-submit script runs it. */
    static Result submit(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(java());
        command.add("org.apache.spark.deploy.SparkSubmit");
        command.addAll(args);
        Path log = Files.createTempFile(cluster, "submit-", ".log");
        Process p = new ProcessBuilder(command)
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        p.getOutputStream().close();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("spark-submit did not finish in 300 s:\n" + Files.readString(log));
        }
        String output = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.contains(" INFO ") && !l.contains("TaskSetManager: Stage"))
                .collect(Collectors.joining("\n"));
        return new Result(p.exitValue(), output);
    }

    private static Map<?, ?> sameOutputs(Path local, Path spark) throws Exception {
        List<String> files = SparkLocalTest.list(local);
        assertEquals(files, SparkLocalTest.list(spark));
        for (String f : files) {
            if (!f.equals("run.json") && !f.equals("timings.js")) { // timings differ
                assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(spark.resolve(f)), f);
            }
        }
        ObjectMapper json = new ObjectMapper();
        Map<?, ?> a = json.readValue(local.resolve("run.json").toFile(), Map.class);
        Map<?, ?> b = json.readValue(spark.resolve("run.json").toFile(), Map.class);
        assertEquals(a.get("metrics"), b.get("metrics"));
        assertEquals(rows(a), rows(b));
        assertEquals(a.get("models"), b.get("models"));
        return b;
    }

    private static List<String> rows(Map<?, ?> run) {
        return ((List<?>) run.get("steps"))
                .stream()
                        .map(s -> ((Map<?, ?>) s).get("id") + "=" + ((Map<?, ?>) s).get("rows"))
                        .collect(Collectors.toList());
    }

    /** The stderr of every executor of the latest application. */
    private static List<String> executorLogs() throws Exception {
        List<String> logs = new ArrayList<>();
        for (int w = 1; w <= 2; w++) {
            Path work = cluster.resolve("work" + w);
            if (!Files.isDirectory(work)) {
                continue;
            }
            try (Stream<Path> apps = Files.list(work)) {
                Path app = apps.max(Comparator.comparing(Path::toString)).orElse(null);
                if (app == null) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(app)) {
                    for (Path f : files.filter(x -> x.getFileName().toString().equals("stderr"))
                            .toList()) {
                        logs.add(Files.readString(f));
                    }
                }
            }
        }
        return logs;
    }

    private static Process daemon(String name, String main, String... args) throws Exception {
        List<String> command = new ArrayList<>(java());
        command.add(main);
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(cluster.resolve(name + ".log").toFile());
        b.environment().put("SPARK_HOME", home.toString());
        b.environment().put("SPARK_SCALA_VERSION", "2.13");
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return b.start();
    }

    private static List<String> java() throws Exception {
        return new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "-Dspark.local.ip=127.0.0.1",
                "-cp",
                sparkClassPath()));
    }

    static String sparkClassPath() throws Exception {
        return Files.readString(TARGET.resolve("spark-classpath.txt")).trim();
    }

    static Path appJar() throws Exception {
        try (Stream<Path> s = Files.list(TARGET)) {
            return s.filter(p -> p.getFileName().toString().matches("genpipe-spark-.*-all\\.jar"))
                    .findFirst()
                    .orElseThrow(() ->
                            new AssertionError("no genpipe-spark-*-all.jar in " + TARGET + "; run after package"));
        }
    }

    private static void waitFor(int ui, String text, int unused) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ui + "/json/"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                if (last.contains(text)) {
                    return;
                }
            } catch (IOException notYet) {
                // the master is starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the standalone master did not report " + text + " within 60 s: " + last);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
