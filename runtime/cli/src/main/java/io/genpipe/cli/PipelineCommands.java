package io.genpipe.cli;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.Pipeline;
import io.genpipe.runtime.onnx.ThreadPool;
import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.RunResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genpipe run} and {@code genpipe validate}. */
final class PipelineCommands {

    private PipelineCommands() {}

    /** Options both commands share. */
    static class Common {
        @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline file (YAML or JSON)")
        Path file;

        @Option(
                names = "--set",
                paramLabel = "STEP.PARAM=VALUE",
                description = "override a step parameter, e.g. --set test.limit=100 (repeatable)")
        List<String> sets = new ArrayList<>();

        @Option(names = "--seed", paramLabel = "N", description = "override the pipeline's seed")
        Long seed;

        @Option(names = "--device", paramLabel = "D", description = "override the device: cpu, cuda, cuda:N or auto")
        String device;

        @Option(
                names = "--threads",
                paramLabel = "N",
                description = {
                    "threads of ONNX Runtime's intra-op pool: the"
                            + " shared one, or each model's own with --thread-pool per-session (default: the file's threads:, else"
                            + " one per physical core)"
                })
        Integer threads;

        @Option(
                names = "--thread-pool",
                paramLabel = "P",
                description = {
                    "shared (default: one pool for every model"
                            + " step) or per-session (each model its own); default: the file's threadPool:"
                })
        String threadPool;

        @Mixin
        PluginOptions plugins;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** The runtime (held for closing) and the file with this command's overrides. */
        Pipeline pipeline(Genpipe[] holder) {
            Location nowhere = new Location(file.toAbsolutePath(), 0, 0);
            if (threadPool != null && ThreadPool.parse(threadPool).isEmpty()) {
                throw new PipelineException(
                        List.of(
                                new Problem(
                                        nowhere,
                                        null,
                                        "--thread-pool " + threadPool
                                                + ": must be shared (one intra-op pool for every model step) or per-session (each model its own)")));
            }
            if (threads != null && (threads < 0 || threads > 1024)) {
                throw new PipelineException(List.of(new Problem(
                        nowhere,
                        null,
                        "--threads " + threads
                                + ": must be from 0 (ONNX Runtime's choice: one per physical core) to 1024")));
            }
            Genpipe genpipe;
            try {
                // the shared pool is sized once, when ONNX Runtime starts: from --threads, else the file's threads:
                // plugins: from --plugins-dir / $GENPIPE_PLUGINS_DIR, then the folders the file names (plugins:)
                Genpipe.Builder builder = Genpipe.builder()
                        .pluginsDir(plugins.resolve())
                        .sharedThreads(threads != null ? threads : fileThreads());
                filePlugins().forEach(builder::addPluginsDir);
                genpipe = builder.build();
            } catch (GenpipeException e) {
                throw new PipelineException(
                        List.of(new Problem(new Location(file.toAbsolutePath(), 0, 0), null, e.getMessage())));
            }
            holder[0] = genpipe;
            Pipeline p = genpipe.pipeline(file);
            sets.forEach(p::set);
            if (seed != null) {
                p.seed(seed);
            }
            if (device != null) {
                p.device(device);
            }
            if (threads != null) {
                p.set("threads=" + threads);
            }
            if (threadPool != null) {
                p.set("threadPool=" + threadPool);
            }
            return p;
        }

        /** The plugins folders the file names that exist (a missing one is reported when a component is unknown). */
        private List<Path> filePlugins() {
            try {
                return new PipelineReader()
                        .readAll(file).definition().plugins().stream()
                                .filter(Files::isDirectory)
                                .toList();
            } catch (RuntimeException e) {
                return List.of();
            }
        }

        /** The file's threads: setting, read ahead of the run; 0 when absent or unreadable (the run reports why). */
        private int fileThreads() {
            try {
                return new PipelineReader().read(file).threads();
            } catch (RuntimeException e) {
                return 0;
            }
        }

        int invalid(PipelineException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(
                    "genpipe: %s is invalid (%d problem%s); nothing was run%n",
                    file, e.problems().size(), e.problems().size() == 1 ? "" : "s");
            e.problems().forEach(p -> err.println("  " + p));
            err.flush();
            return Main.INVALID_INPUT;
        }
    }

    @Command(
            header = "Checks a pipeline file without running it (exit 2 listing every problem).",
            name = "validate",
            mixinStandardHelpOptions = true,
            description = {
                "Checks a pipeline file without running it: syntax, keys, components, parameters, inputs, "
                        + "cycles and the columns connected steps pass each other. Exits 2 listing every problem."
            })
    static final class Validate extends Common implements Callable<Integer> {
        @Override
        public Integer call() {
            Genpipe[] holder = new Genpipe[1];
            try {
                PipelinePlan plan = pipeline(holder).plan();
                spec.commandLine()
                        .getOut()
                        .printf("%s is valid: %d steps%n", file, plan.steps().size());
                return 0;
            } catch (PipelineException e) {
                return invalid(e);
            } finally {
                if (holder[0] != null) {
                    holder[0].close();
                }
            }
        }
    }

    @Command(
            header = "Validates and runs a pipeline file (exit 0 ok, 1 a step failed, 2 invalid).",
            name = "run",
            mixinStandardHelpOptions = true,
            description = {
                "Validates and runs a pipeline. Outputs and run.json go to the pipeline's out: folder (or "
                        + "--out), which appears only when every step succeeded.",
                "Exit codes: 0 ok, 1 a step failed (nothing written), 2 invalid pipeline (nothing run)."
            })
    static final class Run extends Common implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: the pipeline's out:)")
        Path out;

        @Option(
                names = "--stream",
                negatable = true,
                description = {
                    "print generated text to standard output as it is"
                            + " generated (the first row of the first text step); default: on when attached to a terminal"
                })
        Boolean stream;

        @Option(
                names = "--engine",
                paramLabel = "E",
                defaultValue = "local",
                description = {
                    "local (default: this"
                            + " machine) or spark (Apache Spark: --master URL; the ./genpipe launcher builds and starts it, see docs/SPARK.md)"
                })
        String engine;

        @Option(
                names = "--master",
                paramLabel = "URL",
                description = "Spark master (local[N], spark://HOST:PORT, yarn), with --engine spark; default local[*]")
        String master;

        @Option(
                names = "--partitions",
                paramLabel = "N",
                description = "with --engine spark: partitions of each source's rows (default: twice the default"
                        + " parallelism, at most one per batch; the results do not depend on it)")
        Integer partitions;

        @Option(
                names = "--strict",
                description = "a step that turns input rows into none fails the run (the file's emptyResult: fail);"
                        + " without it, a warning names the step")
        boolean strict;

        @Override
        public Integer call() {
            if (!"local".equals(engine) || master != null || partitions != null) {
                String message;
                if (!"local".equals(engine) && !"spark".equals(engine)) {
                    message = "--engine must be local or spark, got '" + engine + "'";
                } else if ("local".equals(engine)) {
                    message = (master != null ? "--master" : "--partitions")
                            + " is for running on Apache Spark: add --engine spark (e.g. ./genpipe run " + file
                            + " --engine spark --master 'local[2]')";
                } else {
                    message = "--engine spark runs through the ./genpipe launcher, which builds the Spark-enabled"
                            + " engine on first use (or submit spark/target/genpipe-spark-*-all.jar with spark-submit;"
                            + " see docs/SPARK.md)";
                }
                spec.commandLine().getErr().println("genpipe: " + message);
                return 2;
            }
            // SIGINT / SIGTERM would start the JVM's shutdown at once, and ONNX Runtime's own
            // shutdown hook releases its environment while a step may still be inside a native
            // run (a crash). So a signal first stops the run, which waits for every step to leave
            // native code and removes the temporary folder; the command then exits 128 + signal.
            Signals signals = Signals.install(
                    () -> {
                        Pipeline r = Main.active;
                        return r != null && r.cancel();
                    },
                    () -> {
                        Pipeline r = Main.active;
                        if (r != null) {
                            r.abandon();
                        }
                    });
            try {
                int code = runOnce();
                if (signals.received() != 0) {
                    // stopped by a signal: a step stuck in plugin code may still run, even inside ONNX Runtime, so
                    // the JVM ends now, without the shutdown hooks that would release ONNX Runtime under it
                    spec.commandLine().getOut().flush();
                    spec.commandLine().getErr().flush();
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(128 + signals.received());
                }
                return code;
            } finally {
                signals.uninstall();
            }
        }

        private Integer runOnce() {
            Genpipe[] holder = new Genpipe[1];
            PrintWriter err = spec.commandLine().getErr();
            try {
                Pipeline pipeline = pipeline(holder);
                if (strict) {
                    pipeline.set("emptyResult=fail");
                }
                pipeline.log(line -> {
                    err.println("genpipe: " + line);
                    err.flush();
                });
                PipelinePlan plan = pipeline.plan();
                Path target = out != null ? out : Path.of(plan.definition().out());
                Main.active = pipeline;
                boolean terminal = Terminal.attached();
                StatusLine status = terminal ? new StatusLine(err, plan) : null;
                boolean streaming = stream != null ? stream : terminal;
                if (streaming) {
                    pipeline.progress(new TextStream(spec.commandLine().getOut(), status));
                } else if (status != null) {
                    pipeline.progress(status);
                }
                RunResult result;
                try {
                    result = pipeline.run(plan, target);
                } finally {
                    if (status != null) {
                        status.close();
                    }
                }
                PrintWriter o = spec.commandLine().getOut();
                o.printf("wrote %s in %.1f s%n", result.outputFolder(), result.seconds());
                for (Map.Entry<String, Object> m : result.metrics().entrySet()) {
                    o.printf("  %s: %s%n", m.getKey(), m.getValue());
                }
                o.flush();
                return 0;
            } catch (PipelineException e) {
                return invalid(e);
            } catch (GenpipeException e) {
                err.println("genpipe: " + e.getMessage());
                if (Main.debug()) {
                    e.printStackTrace(err); // --debug: the whole trace, down to the plugin's frame in its cause
                }
                err.flush();
                return Main.FAILED;
            } finally {
                if (holder[0] != null) {
                    holder[0].close();
                }
            }
        }
    }
}
