package io.genpipe.e2e.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@code ./genpipe} call costs from the shell, before and after the launcher's start-up
 * work, interleaved in one run: "before" is the launcher with {@code GENPIPE_FAST_START=0} and
 * {@code GENPIPE_JAVA_OPTS=-XX:+UseG1GC} (plain {@code java -jar} with the JDK's default collector,
 * as the launcher ran before), "after" its defaults (class-data-sharing archive, cached ONNX Runtime
 * libraries, C1 only for every command but run and for run too on fewer than 4 cores, the serial collector). Five runs of each command in
 * each mode, wall seconds, median and range; for run also the run's own seconds from run.json.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=StartupBench</pre>
 */
public final class StartupBench {

    private static final int RUNS = 5;

    public static void main(String[] args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path out = Files.createTempDirectory("genpipe-startup");
        List<List<String>> commands = List.of(
                List.of("--version"),
                List.of("doctor", "--skip-probes"),
                List.of("validate", "pipelines/anomaly-augment.yaml"),
                List.of(
                        "run",
                        "pipelines/anomaly-augment.yaml",
                        "--out",
                        out.resolve("run").toString()));
        // one untimed call of each mode first: the after mode makes its archive and library cache there
        call(root, List.of("validate", "pipelines/anomaly-augment.yaml"), true);
        call(root, List.of("validate", "pipelines/anomaly-augment.yaml"), false);
        System.out.printf(Locale.ROOT, "%-40s %22s %22s %8s%n", "command", "before", "after", "change");
        for (List<String> command : commands) {
            double[][] wall = new double[2][RUNS];
            double[][] run = new double[2][RUNS];
            for (int i = 0; i < RUNS; i++) {
                for (int mode = 0; mode < 2; mode++) {
                    long start = System.nanoTime();
                    call(root, command, mode == 1);
                    wall[mode][i] = (System.nanoTime() - start) / 1e9;
                    if (command.get(0).equals("run")) {
                        run[mode][i] =
                                runSeconds(Files.readString(out.resolve("run").resolve("run.json")));
                    }
                }
            }
            String name = "./genpipe "
                    + String.join(" ", command).replace(out.resolve("run").toString(), "OUT");
            System.out.printf(
                    Locale.ROOT,
                    "%-40s %22s %22s %+7.0f%%%n",
                    name,
                    summary(wall[0]),
                    summary(wall[1]),
                    (median(wall[1]) / median(wall[0]) - 1) * 100);
            if (command.get(0).equals("run")) {
                System.out.printf(
                        Locale.ROOT,
                        "%-40s %22s %22s %+7.0f%%%n",
                        "  the run itself (run.json seconds)",
                        summary(run[0]),
                        summary(run[1]),
                        (median(run[1]) / median(run[0]) - 1) * 100);
            }
        }
    }

    private static void call(Path root, List<String> command, boolean fast) throws Exception {
        List<String> line = new ArrayList<>();
        line.add(root.resolve("genpipe").toString());
        line.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(line).directory(root.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("GENPIPE_NO_BUILD", "1");
        if (fast) {
            env.remove("GENPIPE_FAST_START");
            env.remove("GENPIPE_JAVA_OPTS");
        } else {
            env.put("GENPIPE_FAST_START", "0");
            env.put("GENPIPE_JAVA_OPTS", "-XX:+UseG1GC");
        }
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", line) + " failed:\n" + text);
        }
    }

    /** The whole run's seconds: run.json's top-level field (the steps have their own). */
    private static double runSeconds(String json) {
        Matcher m = Pattern.compile("\n  \"seconds\": ([0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no top-level seconds in run.json");
        }
        return Double.parseDouble(m.group(1));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String summary(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.2f s (%.2f-%.2f)", median(v), s[0], s[s.length - 1]);
    }
}
