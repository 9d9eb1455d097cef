package io.genpipe.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Shared intra-op pool vs one pool per session, on whole pipelines as users run them: each run is
 * {@code ./genpipe run FILE --thread-pool MODE --threads N} in a fresh JVM (the pool is the
 * process's), for N = 0 (ONNX Runtime's default: one thread per physical core) and 2, the four
 * settings interleaved round by round, their order rotating. Reported: the run's own seconds (from
 * run.json) and the wall time of the command, best and median of the rounds, and per-session /
 * shared (above 1: the shared pool is faster).
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=ThreadPoolBench</pre>
 *
 * The OOD pipeline runs on its first 500 test images ({@code --set test.limit=500}): its 30
 * PixelCNN passes over all 10,000 take 6 minutes a run here.
 */
public final class ThreadPoolBench {

    private static final int ROUNDS = Integer.getInteger("rounds", 3);

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("genpipe.repo.root", "."))
                .toAbsolutePath()
                .normalize();
        Map<String, List<String>> pipelines = new LinkedHashMap<>();
        pipelines.put("anomaly-augment", List.of("pipelines/anomaly-augment.yaml"));
        pipelines.put(
                "ood-likelihood (500 images)", List.of("pipelines/ood-likelihood.yaml", "--set", "test.limit=500"));
        pipelines.put("text-novelty", List.of("pipelines/text-novelty.yaml"));
        // the pool (and its size: 0 = ONNX Runtime's default, one thread per physical core)
        String[][] modes = {{"shared", "0"}, {"per-session", "0"}, {"shared", "2"}, {"per-session", "2"}};
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        Path out = Files.createTempDirectory("genpipe-threads");
        for (int round = 0; round < ROUNDS; round++) {
            for (Map.Entry<String, List<String>> p : pipelines.entrySet()) {
                for (int m = 0; m < modes.length; m++) {
                    String[] setting = modes[(m + round) % modes.length];
                    String mode = setting[0] + " " + setting[1];
                    Path target = out.resolve(round + "-" + setting[0] + setting[1] + "-"
                            + Integer.toHexString(p.getKey().hashCode()));
                    List<String> command =
                            new ArrayList<>(List.of(root.resolve("genpipe").toString(), "run"));
                    command.addAll(p.getValue());
                    command.addAll(
                            List.of("--thread-pool", setting[0], "--threads", setting[1], "--out", target.toString()));
                    ProcessBuilder pb = new ProcessBuilder(command)
                            .directory(root.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(out.resolve("log.txt").toFile());
                    pb.environment().put("GENPIPE_NO_BUILD", "1");
                    long start = System.nanoTime();
                    Process process = pb.start();
                    if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                        throw new IllegalStateException(
                                p.getKey() + " " + mode + " failed:\n" + Files.readString(out.resolve("log.txt")));
                    }
                    double wall = (System.nanoTime() - start) / 1e9;
                    double run = new ObjectMapper()
                            .readTree(target.resolve("run.json").toFile())
                            .get("seconds")
                            .asDouble();
                    results.computeIfAbsent(p.getKey() + "|" + mode, k -> new ArrayList<>())
                            .add(new double[] {run, wall});
                    System.out.printf(
                            Locale.ROOT,
                            "round %d  %-30s %-12s run %7.2f s  wall %7.2f s%n",
                            round + 1,
                            p.getKey(),
                            mode,
                            run,
                            wall);
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%n%-30s %-12s %10s %10s %10s %10s%n",
                "pipeline",
                "pool",
                "run best",
                "run median",
                "wall best",
                "wall median");
        for (String p : pipelines.keySet()) {
            for (String[] setting : modes) {
                double[] s = summary(results.get(p + "|" + setting[0] + " " + setting[1]));
                System.out.printf(
                        Locale.ROOT,
                        "%-30s %-14s %9.2fs %9.2fs %9.2fs %9.2fs%n",
                        p,
                        setting[0] + " " + setting[1],
                        s[0],
                        s[1],
                        s[2],
                        s[3]);
            }
            for (String threads : new String[] {"0", "2"}) {
                double[] shared = summary(results.get(p + "|shared " + threads));
                double[] own = summary(results.get(p + "|per-session " + threads));
                System.out.printf(
                        Locale.ROOT,
                        "%-30s threads %s: per-session / shared run best %.3f, run median %.3f,"
                                + " wall median %.3f%n",
                        p,
                        threads,
                        own[0] / shared[0],
                        own[1] / shared[1],
                        own[3] / shared[3]);
            }
        }
    }

    /** Best and median of the run seconds, then of the wall seconds. */
    private static double[] summary(List<double[]> runs) {
        List<Double> run = new ArrayList<>();
        List<Double> wall = new ArrayList<>();
        runs.forEach(r -> {
            run.add(r[0]);
            wall.add(r[1]);
        });
        Collections.sort(run);
        Collections.sort(wall);
        return new double[] {run.get(0), median(run), wall.get(0), median(wall)};
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
