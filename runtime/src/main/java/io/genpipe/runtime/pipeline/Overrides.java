package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.onnx.ThreadPool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Applies {@code --set step.param=value} overrides to a read pipeline. */
public final class Overrides {

    /** Pipeline settings {@code --set} can override besides step parameters. */
    static final List<String> SETTINGS = List.of("batchSize", "seed", "threads", "threadPool", "emptyResult");

    private Overrides() {}

    /**
     * The definition with {@code sets} applied, as {@code --set} applies them.
     *
     * @param sets each {@code step.param=value} (the value is text, converted by the parameter's
     *     type) or {@code batchSize=N} / {@code seed=N} / {@code threads=N} /
     *     {@code threadPool=shared|per-session} / {@code emptyResult=warn|fail} for the pipeline's own settings
     * @throws PipelineException naming each override that does not fit the file
     */
    public static PipelineDefinition apply(PipelineDefinition definition, List<String> sets) {
        if (sets.isEmpty()) {
            return definition;
        }
        Map<String, StepDefinition> steps = new LinkedHashMap<>(); // every step, a loop's chain included
        definition.steps().forEach(s -> flatten(s, steps));
        List<Problem> problems = new ArrayList<>();
        Location where = new Location(definition.file(), 0, 0);
        int batchSize = definition.batchSize();
        long seed = definition.seed();
        int threads = definition.threads();
        ThreadPool threadPool = definition.threadPool();
        EmptyResultPolicy emptyResult = definition.emptyResult();
        for (String set : sets) {
            int eq = set.indexOf('=');
            int dot = set.indexOf('.');
            if (eq > 0 && (dot < 0 || dot > eq) && SETTINGS.contains(set.substring(0, eq))) {
                String value = set.substring(eq + 1).trim();
                if (set.startsWith("threadPool=")) {
                    Optional<ThreadPool> pool = ThreadPool.parse(value);
                    if (pool.isPresent()) {
                        threadPool = pool.get();
                    } else {
                        problems.add(new Problem(
                                where, null, "--set " + set + ": threadPool must be shared or per-session"));
                    }
                    continue;
                }
                if (set.startsWith("emptyResult=")) {
                    Optional<EmptyResultPolicy> policy = EmptyResultPolicy.parse(value);
                    if (policy.isPresent()) {
                        emptyResult = policy.get();
                    } else {
                        problems.add(new Problem(where, null, "--set " + set + ": emptyResult must be warn or fail"));
                    }
                    continue;
                }
                if (set.startsWith("threads=")) {
                    try {
                        long n = Long.parseLong(value);
                        if (n < 0 || n > PipelineReader.MAX_THREADS) {
                            throw new NumberFormatException();
                        }
                        threads = (int) n;
                    } catch (NumberFormatException e) {
                        problems.add(new Problem(
                                where,
                                null,
                                "--set " + set + ": threads must be a whole number from 0"
                                        + " (ONNX Runtime's choice) to " + PipelineReader.MAX_THREADS));
                    }
                    continue;
                }
                try {
                    if (set.startsWith("batchSize=")) {
                        long n = Long.parseLong(value);
                        if (n < 1 || n > PipelineReader.MAX_BATCH) {
                            throw new NumberFormatException();
                        }
                        batchSize = (int) n;
                    } else {
                        seed = Long.parseLong(value);
                    }
                } catch (NumberFormatException e) {
                    problems.add(new Problem(
                            where,
                            null,
                            "--set " + set + ": "
                                    + (set.startsWith("batchSize=")
                                            ? "batchSize must be a whole number from 1 to " + PipelineReader.MAX_BATCH
                                            : "seed must be a whole number from " + Long.MIN_VALUE + " to "
                                                    + Long.MAX_VALUE)));
                }
                continue;
            }
            if (eq < 0 || dot < 0 || dot > eq) {
                problems.add(new Problem(
                        where,
                        null,
                        "--set " + set + ": expected step.parameter=value (e.g. --set"
                                + " test.limit=100) or a pipeline setting (" + String.join(", ", SETTINGS)
                                + "), e.g. --set batchSize=64"));
                continue;
            }
            String id = set.substring(0, dot);
            String param = set.substring(dot + 1, eq);
            String value = set.substring(eq + 1);
            StepDefinition s = steps.get(id);
            if (s == null) {
                problems.add(new Problem(
                        where,
                        null,
                        "--set " + set + ": no step '" + id + "'" + DidYouMean.hint(id, steps.keySet()) + " (steps: "
                                + String.join(", ", steps.keySet()) + ")"));
                continue;
            }
            Map<String, Object> with = new LinkedHashMap<>(s.with());
            with.put(param, value);
            steps.put(id, s.with(s.inputs(), with));
        }
        if (!problems.isEmpty()) {
            throw new PipelineException(problems);
        }
        return definition
                .withSeed(seed)
                .withBatchSize(batchSize)
                .withThreads(threadPool, threads)
                .withEmptyResult(emptyResult)
                .withSteps(
                        definition.steps().stream().map(s -> rebuild(s, steps)).toList());
    }

    private static void flatten(StepDefinition s, Map<String, StepDefinition> into) {
        into.put(s.id(), s);
        s.steps().forEach(inner -> flatten(inner, into));
    }

    /** {@code s} as overridden, its chain too. */
    private static StepDefinition rebuild(StepDefinition s, Map<String, StepDefinition> overridden) {
        StepDefinition now = overridden.getOrDefault(s.id(), s);
        return now.renamed(
                now.id(),
                s.steps().stream().map(inner -> rebuild(inner, overridden)).toList());
    }
}
