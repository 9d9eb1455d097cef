package io.genpipe.e2e.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The flagship ({@code pipelines/anomaly-augment.yaml}) at 1x, 2x, 4x and 8x the test split (the
 * 10,000 test images and labels repeated k times into one IDX pair): wall seconds and peak resident
 * memory of {@code ./genpipe run}, each in its own JVM, as {@code /usr/bin/time -v} reports them
 * (maximum resident set size of the whole process: heap, native memory, ONNX Runtime). Two
 * launcher settings, one after the other: "before" ({@code GENPIPE_FAST_START=0},
 * {@code GENPIPE_JAVA_OPTS=-XX:+UseG1GC}: plain {@code java -jar} with the JDK's default collector)
 * and "after" (the launcher's defaults: the serial collector, the start-up cache, C1 on few cores).
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=FlagshipScaleBench</pre>
 */
public final class FlagshipScaleBench {

    public static void main(String[] args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path dir = Files.createTempDirectory("genpipe-scale");
        byte[] images = gunzip(root.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        byte[] labels = gunzip(root.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        String flagship = Files.readString(root.resolve("pipelines/anomaly-augment.yaml"));
        System.out.printf(
                Locale.ROOT,
                "%-8s %6s %8s %9s %14s %18s%n",
                "launcher",
                "input",
                "rows",
                "seconds",
                "peak RSS MiB",
                "MiB per 10k rows");
        for (int k : new int[] {1, 2, 4, 8}) {
            Path data = dir.resolve("x" + k);
            Files.createDirectories(data);
            repeat(images, 16, k, data.resolve("images.gz"));
            repeat(labels, 8, k, data.resolve("labels.gz"));
            Files.writeString(
                    data.resolve("flagship.yaml"),
                    flagship.replace("../data/fashion-mnist/t10k-images-idx3-ubyte.gz", "images.gz")
                            .replace("../data/fashion-mnist/t10k-labels-idx1-ubyte.gz", "labels.gz")
                            .replace("out: runs/anomaly-augment", "out: " + data.resolve("run")));
        }
        long[] firstPeak = new long[2];
        for (int mode = 0; mode < 2; mode++) {
            for (int k : new int[] {1, 2, 4, 8}) {
                // out: is inside the bench's temporary folder (a relative out: resolves against the working directory)
                Path file = dir.resolve("x" + k).resolve("flagship.yaml");
                ProcessBuilder pb = new ProcessBuilder(List.of(
                                "/usr/bin/time", "-v", root.resolve("genpipe").toString(), "run", file.toString()))
                        .directory(root.toFile())
                        .redirectErrorStream(true);
                pb.environment().put("GENPIPE_NO_BUILD", "1");
                if (mode == 0) {
                    pb.environment().put("GENPIPE_FAST_START", "0");
                    pb.environment().put("GENPIPE_JAVA_OPTS", "-XX:+UseG1GC");
                } else {
                    pb.environment().remove("GENPIPE_FAST_START");
                    pb.environment().remove("GENPIPE_JAVA_OPTS");
                }
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), UTF_8);
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("run at " + k + "x failed:\n" + out);
                }
                long peakKiB = Long.parseLong(field(out, "Maximum resident set size (kbytes): "));
                double seconds = wall(field(out, "Elapsed (wall clock) time (h:mm:ss or m:ss): "));
                int rows = 10_000 * k;
                if (k == 1) {
                    firstPeak[mode] = peakKiB;
                }
                System.out.printf(
                        Locale.ROOT,
                        "%-8s %5dx %8d %9.2f %14.0f %18s%n",
                        mode == 0 ? "before" : "after",
                        k,
                        rows,
                        seconds,
                        peakKiB / 1024.0,
                        k == 1
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        "%.1f",
                                        (peakKiB - firstPeak[mode]) / 1024.0 / ((rows - 10_000) / 10_000.0)));
            }
        }
    }

    /** An IDX file's body repeated k times under a header whose count says so. */
    private static void repeat(byte[] idx, int headerBytes, int k, Path to) throws IOException {
        ByteBuffer header = ByteBuffer.wrap(idx, 0, headerBytes).slice();
        byte[] h = new byte[headerBytes];
        header.get(h);
        int count = ByteBuffer.wrap(h, 4, 4).getInt();
        ByteBuffer.wrap(h, 4, 4).putInt(count * k);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to), 1 << 16)) {
            out.write(h);
            for (int i = 0; i < k; i++) {
                out.write(idx, headerBytes, idx.length - headerBytes);
            }
        }
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static String field(String text, String label) {
        int at = text.indexOf(label);
        if (at < 0) {
            throw new IllegalStateException("no '" + label + "' in:\n" + text);
        }
        int end = text.indexOf('\n', at);
        return text.substring(at + label.length(), end).trim();
    }

    /** m:ss.cc or h:mm:ss as seconds. */
    private static double wall(String value) {
        String[] parts = value.split(":");
        double s = 0;
        for (String part : parts) {
            s = s * 60 + Double.parseDouble(part);
        }
        return s;
    }
}
