package io.genpipe.runtime.pipeline.run;

import io.genpipe.runtime.io.Json;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineHost;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.RunResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** run.json: what every runner records about a run, in one shape. */
public final class RunJson {

    private RunJson() {}

    /**
     * An empty metric group ({@code metrics.<group>.<key>}) in the order run.json lists keys: by length, then
     * text, {@code mean} last (so classes 0..10 read in order). Every runner records keyed metrics in one.
     */
    public static Map<String, Object> metricGroup() {
        return new TreeMap<>(Comparator.comparing((String k) -> k.equals("mean") ? 1 : 0)
                .thenComparing(String::length)
                .thenComparing(k -> k));
    }

    /**
     * Writes {@code folder/run.json}: the pipeline (name, file, sha256), seed, the host's provenance,
     * {@code extra} (e.g. the engine that ran it), the steps' rows and seconds, the metrics, the wall time.
     *
     * @return the steps as run.json lists them (for final steps such as the report)
     * @throws RunFailure when it cannot be written
     */
    public static List<Map<String, Object>> write(
            PipelineHost host,
            PipelinePlan plan,
            Path folder,
            Map<String, Object> metrics,
            List<RunResult.StepResult> stats,
            double seconds,
            Map<String, Object> extra) {
        Map<String, Object> run = new LinkedHashMap<>();
        PipelineDefinition d = plan.definition();
        Map<String, Object> pipeline = new LinkedHashMap<>();
        pipeline.put("name", d.name());
        pipeline.put("file", d.file().toString());
        pipeline.put("sha256", d.sha256());
        run.put("pipeline", pipeline);
        run.put("seed", d.seed());
        run.putAll(host.provenance(d));
        run.putAll(extra);
        List<Map<String, Object>> steps = new ArrayList<>();
        Map<String, List<String>> inputs = new HashMap<>();
        plan.steps().forEach(p -> inputs.put(p.id(), p.definition().inputs()));
        for (RunResult.StepResult st : stats) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", st.id());
            m.put("use", st.use());
            if (!inputs.getOrDefault(st.id(), List.of()).isEmpty()) {
                m.put("inputs", inputs.get(st.id()));
            }
            m.put("rows", st.rows());
            m.put("seconds", Math.round(st.seconds() * 1000) / 1000.0);
            steps.add(m);
        }
        run.put("steps", steps);
        run.put("metrics", metrics);
        run.put("seconds", Math.round(seconds * 1000) / 1000.0);
        try {
            Files.writeString(folder.resolve("run.json"), Json.write(run) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw RunFailure.output("cannot write run.json: " + e.getMessage(), e);
        }
        return steps;
    }
}
