package io.genpipe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code genpipe doctor}: what this installation can do, and what is broken. */
@Command(
        header = "Checks ONNX Runtime, CUDA and every plugin component (exit 1 when one is broken).",
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Reports the ONNX Runtime version and execution providers, whether CUDA really loads (by "
                    + "attempting it), and the plugins found with their versions and components; then probes "
                    + "every component: builds it with its defaults (loading its models) and runs it on one row "
                    + "where its ports allow. Exits 1 when a plugin or component is broken or ONNX Runtime cannot "
                    + "load."
        })
final class DoctorCommand implements Callable<Integer> {

    @Mixin
    PluginOptions plugins;

    @Option(names = "--json", description = "Print one JSON object for machines.")
    boolean json;

    @Option(names = "--skip-probes", description = "Do not build and run the components (faster).")
    boolean skipProbes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Diagnosis d = Diagnosis.run(plugins.resolve(), !skipProbes);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(d.asMap()));
        } else {
            printText(d, out);
        }
        out.flush();
        return d.problems.isEmpty() ? 0 : Main.FAILED;
    }

    @SuppressWarnings("unchecked")
    private static void printText(Diagnosis d, PrintWriter out) {
        out.printf("genpipe %s (api %s)%n", d.genpipe.get("version"), d.genpipe.get("apiVersion"));
        out.printf(
                "Java %s (%s), %s, %s cores, max heap %s MiB%n",
                d.java.get("version"),
                d.java.get("vendor"),
                d.java.get("os"),
                d.java.get("cores"),
                d.java.get("maxHeapMiB"));
        if (!d.onnxruntime.isEmpty()) {
            out.printf("ONNX Runtime %s (artifact %s)%n", d.onnxruntime.get("version"), d.onnxruntime.get("artifact"));
            out.printf(
                    "  execution providers compiled in: %s%n",
                    String.join(", ", (List<String>) d.onnxruntime.get("providers")));
            Map<String, Object> cuda = (Map<String, Object>) d.onnxruntime.get("cuda");
            Map<String, Object> pool = (Map<String, Object>) d.onnxruntime.get("threadPool");
            out.printf(
                    "  thread pool: %s%n",
                    Boolean.TRUE.equals(pool.get("shared"))
                            ? "one intra-op pool shared by every session, "
                                    + (Integer.valueOf(0).equals(pool.get("threads"))
                                            ? "ONNX Runtime's default size (one thread per physical core)"
                                            : pool.get("threads") + " threads")
                                    + " (--threads / threads: in a pipeline file set it for runs)"
                            : "none shared: each session has its own");
            out.printf(
                    "  CUDA: %s (%s)%n",
                    Boolean.TRUE.equals(cuda.get("available")) ? "loads" : "not available", cuda.get("detail"));
        }
        out.printf(
                "Plugins directory: %s%n",
                d.genpipe.get("pluginsDir") == null
                        ? "none (use --plugins-dir or $GENPIPE_PLUGINS_DIR)"
                        : d.genpipe.get("pluginsDir"));
        out.printf("Plugins (%d):%n", d.plugins.size());
        for (Map<String, Object> p : d.plugins) {
            out.printf(
                    "  %s %s (api %s) from %s%n",
                    p.get("name"), p.get("version"), p.get("apiVersion"), p.get("location"));
            for (Map<String, Object> c : (List<Map<String, Object>>) p.get("components")) {
                out.printf("    %-10s %s%n", c.get("role"), c.get("name"));
            }
        }
        if (d.probesSkipped != null) {
            out.printf("Components: not probed (%s)%n", d.probesSkipped);
        } else {
            long ok = d.components.stream()
                    .filter(c -> "ok".equals(c.get("status")))
                    .count();
            long broken = d.components.stream()
                    .filter(c -> "broken".equals(c.get("status")))
                    .count();
            out.printf(
                    "Components probed (%d): %d ok, %d broken, %d not built%n",
                    d.components.size(), ok, broken, d.components.size() - ok - broken);
            for (Map<String, Object> c : d.components) {
                if ("broken".equals(c.get("status"))) {
                    out.printf("  broken: %s%n", c.get("detail"));
                } else if (!"ok".equals(c.get("status"))) {
                    out.printf(
                            "  %s: %s '%s' (plugin %s): %s%n",
                            c.get("status"), c.get("role"), c.get("name"), c.get("plugin"), c.get("detail"));
                }
            }
        }
        if (d.problems.isEmpty()) {
            out.println("No problems found.");
        } else {
            out.printf("Problems (%d):%n", d.problems.size());
            d.problems.forEach(p -> out.println("  - " + p));
        }
    }
}
