package io.genpipe.cli;

import io.genpipe.api.ApiVersion;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.runtime.BuildInfo;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.component.ComponentProbe;
import io.genpipe.runtime.onnx.OnnxRuntime;
import io.genpipe.runtime.plugin.LoadedPlugin;
import io.genpipe.runtime.plugin.PluginManager;
import io.genpipe.runtime.plugin.PluginSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code genpipe doctor} found, as plain data (rendered as text or JSON). */
final class Diagnosis {

    final Map<String, Object> genpipe = new LinkedHashMap<>();
    final Map<String, Object> java = new LinkedHashMap<>();
    final Map<String, Object> onnxruntime = new LinkedHashMap<>();
    final List<Map<String, Object>> plugins = new ArrayList<>();
    final List<Map<String, Object>> components = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    /** Why components were not probed, or null when they were. */
    String probesSkipped;

    static Diagnosis run(Path pluginsDir, boolean probe) {
        Diagnosis d = new Diagnosis();
        BuildInfo build = BuildInfo.current();
        d.genpipe.put("version", build.version());
        d.genpipe.put("apiVersion", ApiVersion.CURRENT.toString());
        d.java.put("version", System.getProperty("java.version"));
        d.java.put("vendor", System.getProperty("java.vendor"));
        d.java.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        d.java.put("cores", Runtime.getRuntime().availableProcessors());
        d.java.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        try {
            OnnxRuntime onnx = new OnnxRuntime();
            d.onnxruntime.put("version", onnx.version());
            d.onnxruntime.put("artifact", build.onnxRuntimeArtifact());
            d.onnxruntime.put("providers", List.copyOf(onnx.compiledProviders()));
            OnnxRuntime.CudaStatus cuda = onnx.probeCuda(0);
            Map<String, Object> cudaInfo = new LinkedHashMap<>();
            cudaInfo.put("available", cuda.available());
            cudaInfo.put("detail", cuda.detail());
            d.onnxruntime.put("cuda", cudaInfo);
            Map<String, Object> pool = new LinkedHashMap<>();
            pool.put("shared", onnx.hasSharedPool());
            pool.put("threads", onnx.hasSharedPool() ? onnx.sharedPoolThreads() : null);
            d.onnxruntime.put("threadPool", pool);
        } catch (RuntimeException e) {
            d.problems.add(e.getMessage());
        }
        d.genpipe.put(
                "pluginsDir",
                pluginsDir == null
                        ? null
                        : pluginsDir.toAbsolutePath().normalize().toString());
        try (PluginSet set = PluginManager.forHost().scan(true, pluginsDir)) {
            for (LoadedPlugin p : set.plugins()) {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("name", p.name());
                info.put("version", p.descriptor().version());
                info.put("apiVersion", p.descriptor().apiVersion().toString());
                info.put("location", p.location());
                List<Map<String, Object>> components = new ArrayList<>();
                for (ComponentFactory<?> f : p.factories()) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("name", f.name());
                    c.put("role", f.role().label());
                    c.put("description", f.description());
                    components.add(c);
                }
                info.put("components", components);
                d.plugins.add(info);
            }
            d.problems.addAll(set.problems());
        }
        if (!probe) {
            d.probesSkipped = "--skip-probes";
        } else if (!d.problems.isEmpty()) {
            d.probesSkipped = "the problems above stop genpipe from starting; fix them first";
        } else {
            probe(d, pluginsDir);
        }
        return d;
    }

    /** Builds every component with its defaults and runs it on one row where its ports allow. */
    private static void probe(Diagnosis d, Path pluginsDir) {
        try (Genpipe genpipe = Genpipe.builder().pluginsDir(pluginsDir).build()) {
            for (ComponentProbe.Result r :
                    ComponentProbe.probeAll(genpipe.components(), genpipe.sessionSettings(), genpipe.seed())) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("name", r.component());
                c.put("role", r.role());
                c.put("plugin", r.plugin());
                c.put("status", r.status().name().toLowerCase(Locale.ROOT));
                c.put("detail", r.detail());
                d.components.add(c);
                if (r.status() == ComponentProbe.Status.BROKEN) {
                    d.problems.add(r.detail());
                }
            }
        } catch (RuntimeException | LinkageError e) {
            d.problems.add("probing components failed: " + e);
        }
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("genpipe", genpipe);
        m.put("java", java);
        m.put("onnxruntime", onnxruntime);
        m.put("plugins", plugins);
        m.put("components", components);
        if (probesSkipped != null) {
            m.put("probesSkipped", probesSkipped);
        }
        m.put("problems", problems);
        m.put("ok", problems.isEmpty());
        return m;
    }
}
