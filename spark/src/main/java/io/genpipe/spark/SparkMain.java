package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class io.genpipe.spark.SparkMain genpipe-spark-<version>-all.jar run FILE [options]},
 * and what {@code ./genpipe run FILE --engine spark} runs: validates on the driver (every problem with
 * file:line, exit 2), runs the job, prints the output folder (exit 0) or the failing step (exit 1).
 *
 * <p>Options: {@code --out DIR}, {@code --set step.param=value} (repeatable), {@code --seed N},
 * {@code --plugins-dir DIR} (default $GENPIPE_PLUGINS_DIR), {@code --master URL} (when spark-submit
 * did not set one; default local[*]), {@code --partitions N} (a source's rows are cut into N partitions;
 * results do not depend on it), {@code --engine spark} (accepted, for the launcher).
 */
public final class SparkMain {

    private SparkMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        List<String> rest = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2 && !a.startsWith("--set=")) {
                rest.add(a.substring(0, eq)); // --out=DIR as --out DIR, as the CLI takes it
                rest.add(a.substring(eq + 1));
            } else if (a.startsWith("--set=")) {
                rest.add("--set");
                rest.add(a.substring(6));
            } else {
                rest.add(a);
            }
        }
        if (!rest.isEmpty() && rest.get(0).equals("run")) {
            rest.remove(0);
        }
        Path file = null;
        String out = null;
        Long seed = null;
        String master = null;
        String plugins = System.getenv("GENPIPE_PLUGINS_DIR");
        List<String> sets = new ArrayList<>();
        int partitions = 0;
        try {
            for (int i = 0; i < rest.size(); i++) {
                String a = rest.get(i);
                switch (a) {
                    case "--out", "-o" -> out = value(rest, ++i, a);
                    case "--set" -> sets.add(value(rest, ++i, a));
                    case "--strict" -> sets.add("emptyResult=fail");
                    case "--seed" -> seed = Long.parseLong(value(rest, ++i, a));
                    case "--plugins-dir" -> plugins = value(rest, ++i, a);
                    case "--master" -> master = value(rest, ++i, a);
                    case "--partitions" -> {
                        partitions = Integer.parseInt(value(rest, ++i, a));
                        if (partitions < 1) {
                            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
                        }
                    }
                    case "--engine" -> {
                        String engine = value(rest, ++i, a);
                        if (!engine.equals("spark")) {
                            throw new IllegalArgumentException(
                                    "--engine " + engine + ": this entry point runs the spark engine;"
                                            + " the local engine is ./genpipe run FILE");
                        }
                    }
                    default -> {
                        if (a.startsWith("-") || file != null) {
                            throw new IllegalArgumentException(
                                    "unknown argument " + a + " (usage: run FILE [--out DIR]"
                                            + " [--set step.param=value]... [--seed N] [--plugins-dir DIR] [--master URL] [--partitions N] [--strict])");
                        }
                        file = Path.of(a);
                    }
                }
            }
            if (file == null) {
                throw new IllegalArgumentException(
                        "no pipeline file (usage: run FILE [--out DIR] [--set step.param=value]..."
                                + " [--seed N] [--plugins-dir DIR] [--master URL])");
            }
        } catch (NumberFormatException e) {
            System.err.println("genpipe: --seed and --partitions take a whole number: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("genpipe: " + e.getMessage());
            return 2;
        }
        Path pluginsDir = plugins == null || plugins.isBlank() ? null : Path.of(plugins);
        // the file's plugins: folder; the engine ships one plugins folder to its executors
        List<Path> named = new PipelineReader()
                .readAll(file).definition().plugins().stream()
                        .filter(Files::isDirectory)
                        .toList();
        if (!named.isEmpty()) {
            Path given = pluginsDir == null ? null : pluginsDir.toAbsolutePath().normalize();
            if (given == null && named.size() == 1) {
                pluginsDir = named.get(0);
            } else if (!(named.size() == 1 && named.get(0).equals(given))) {
                System.err.println("genpipe: the Spark engine ships one plugins folder to its executors; the file's"
                        + " plugins: names " + named + (given == null ? "" : " and --plugins-dir names " + given)
                        + ": put the plugins in one folder and name that one");
                return 2;
            }
        }
        Genpipe.Builder b = Genpipe.builder();
        if (pluginsDir != null) {
            b.pluginsDir(pluginsDir);
        }
        try (Genpipe genpipe = b.build()) {
            if (out == null) {
                out = new PipelineReader().read(file).out();
            }
            // validated before Spark starts: an invalid file registers no application and asks for no executors
            var check = genpipe.pipeline(file);
            sets.forEach(check::set);
            if (seed != null) {
                check.seed(seed);
            }
            check.plan();
            boolean submitted = System.getProperty("spark.master") != null;
            SparkSession session = SparkEngine.session(
                    submitted ? null : master != null ? master : "local[*]", "genpipe " + file.getFileName());
            try {
                SparkEngine engine = new SparkEngine(
                        genpipe,
                        JavaSparkContext.fromSparkContext(session.sparkContext()),
                        pluginsDir,
                        line -> System.err.println("genpipe: " + line));
                if (partitions > 0) {
                    engine.partitions(partitions);
                }
                RunResult result = engine.run(engine.prepare(file, sets, seed), out);
                System.out.println(String.format(
                        Locale.ROOT,
                        "wrote %s in %.1f s (spark %s, %s)",
                        result.outputFolder() != null ? result.outputFolder() : out,
                        result.seconds(),
                        session.sparkContext().applicationId(),
                        session.sparkContext().master()));
                for (Map.Entry<String, Object> m : result.metrics().entrySet()) {
                    System.out.println("  " + m.getKey() + ": " + m.getValue());
                }
                return 0;
            } finally {
                session.stop();
            }
        } catch (PipelineException e) {
            for (Problem p : e.problems()) {
                System.err.println(p);
            }
            return 2;
        } catch (GenpipeException e) {
            System.err.println("genpipe: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            System.err.println("genpipe: the Spark job could not run: " + e);
            return 1;
        }
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }
}
