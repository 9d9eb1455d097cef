package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pipeline as a step: {@code use: pipeline:path/to/other.yaml}. The other file's steps join this pipeline, their
 * ids prefixed with the step's ({@code scoring/flag}); its source steps named in {@code receive:} read this step's
 * inputs instead (one each, in order), the steps named in {@code emit:} are read here as {@code scoring.flag}
 * (rows and side values alike: nothing else crosses the boundary), {@code set:} overrides its parameters as {@code
 * --set} does, and its sinks write into the sub-folder named after the step. Its own settings (seed, batch size,
 * device) give way to this file's, and its report step is left out (this file's report covers the run).
 *
 * <pre>{@code
 * - id: scoring
 *   use: pipeline:shared/vae-flag.yaml
 *   inputs: [test]
 *   with: {receive: [images], emit: [flag], set: {flag.fraction: 0.1}}
 * - id: flagged
 *   use: filter
 *   inputs: [scoring.flag]
 *   with: {where: tags.flagged == "true"}
 * }</pre>
 *
 * <p>Problems are reported at the other file's lines; a file that includes itself, directly or not, is refused.
 */
public final class SubPipelines {

    /** What {@code use:} starts with for a pipeline. */
    static final String PREFIX = "pipeline:";

    private static final List<String> KEYS = List.of("receive", "emit", "set");

    private SubPipelines() {}

    /** {@code definition} with every pipeline step replaced by the other file's steps; problems go to {@code problems}. */
    public static PipelineDefinition inline(
            PipelineDefinition definition, Map<String, BuiltinStep> builtins, List<Problem> problems) {
        return inline(
                definition,
                builtins,
                problems,
                List.of(definition.file().toAbsolutePath().normalize()));
    }

    private static PipelineDefinition inline(
            PipelineDefinition definition,
            Map<String, BuiltinStep> builtins,
            List<Problem> problems,
            List<Path> including) {
        if (definition.steps().stream().noneMatch(s -> s.use().startsWith(PREFIX))) {
            return definition;
        }
        List<StepDefinition> steps = new ArrayList<>();
        Map<String, String> aliases = new LinkedHashMap<>(); // "scoring.flag" -> "scoring/flag"
        Map<String, List<String>> emitted = new LinkedHashMap<>(); // pipeline step -> what it emits
        String sha = definition.sha256();
        for (StepDefinition s : definition.steps()) {
            if (!s.use().startsWith(PREFIX)) {
                steps.add(s);
                continue;
            }
            emitted.put(s.id(), List.of());
            Path file = definition
                    .folder()
                    .resolve(s.use().substring(PREFIX.length()).trim())
                    .toAbsolutePath()
                    .normalize();
            if (including.contains(file)) {
                List<String> cycle = new ArrayList<>();
                including.subList(including.indexOf(file), including.size()).forEach(p -> cycle.add(p.toString()));
                cycle.add(file.toString());
                problems.add(new Problem(
                        s.location(),
                        s.id(),
                        "pipeline " + file + " includes itself (" + String.join(" -> ", cycle)
                                + "); a pipeline step cannot use its own file, directly or through others"));
                continue;
            }
            Included inner = read(s, file, builtins, problems, including);
            if (inner == null) {
                continue;
            }
            steps.addAll(inner.steps());
            for (String e : inner.emit()) {
                aliases.put(s.id() + "." + e, s.id() + "/" + e);
            }
            emitted.put(s.id(), inner.emit());
            sha = sha256(sha + inner.definition().sha256());
        }
        List<StepDefinition> resolved = new ArrayList<>();
        for (StepDefinition s : steps) {
            resolved.add(resolveAliases(s, aliases, emitted, builtins, problems));
        }
        return definition.withSteps(resolved).withSha256(sha);
    }

    /** The other file, read and checked, its steps renamed and connected; null when it cannot be used. */
    private static Included read(
            StepDefinition s,
            Path file,
            Map<String, BuiltinStep> builtins,
            List<Problem> problems,
            List<Path> including) {
        for (String key : s.with().keySet()) {
            if (!KEYS.contains(key)) {
                problems.add(new Problem(
                        s.parameterLocations().getOrDefault(key, s.location()),
                        s.id(),
                        "unknown key '" + key + "' of a pipeline step" + DidYouMean.hint(key, KEYS)
                                + " (receive: its source steps fed by this step's inputs, emit: its steps read here as "
                                + s.id() + ".STEP, set: its parameters)"
                                + (key.contains(".")
                                        ? "; a parameter of its steps goes under set: (set: {" + key + ": ...}), or on"
                                                + " the command line as --set " + s.id() + "/" + key + "=..."
                                        : "")));
            }
        }
        List<String> receive = names(s, "receive", problems);
        List<String> emit = names(s, "emit", problems);
        if (!Files.isRegularFile(file)) {
            problems.add(new Problem(
                    s.location(),
                    s.id(),
                    "pipeline file " + s.use().substring(PREFIX.length()).trim() + " does not exist (looked for " + file
                            + "); its path is relative to the folder of the file that uses it"));
            return null;
        }
        PipelineReader.Result read;
        try {
            read = new PipelineReader().readAll(file);
        } catch (PipelineException e) {
            problems.addAll(e.problems());
            return null;
        }
        problems.addAll(read.problems());
        PipelineDefinition inner = read.definition();
        List<String> sets = new ArrayList<>();
        if (s.with().get("set") instanceof Map<?, ?> set) {
            set.forEach((k, v) -> sets.add(k + "=" + v));
        } else if (s.with().get("set") != null) {
            problems.add(new Problem(
                    at(s, "set"),
                    s.id(),
                    "set: maps the other file's STEP.PARAM to values, e.g." + " set: {flag.fraction: 0.1}"));
        }
        try {
            inner = Overrides.apply(inner, sets);
        } catch (PipelineException e) {
            for (Problem p : e.problems()) {
                problems.add(new Problem(at(s, "set"), s.id(), "set: " + p.message()));
            }
        }
        List<Path> deeper = new ArrayList<>(including);
        deeper.add(file);
        inner = inline(inner, builtins, problems, deeper);
        Map<String, StepDefinition> byId = new LinkedHashMap<>();
        inner.steps().forEach(t -> byId.put(t.id(), t));
        Set<String> all = new HashSet<>(byId.keySet()); // a loop's chain's ids too
        inner.steps().forEach(t -> t.steps().forEach(c -> all.add(c.id())));
        // a boundary problem leaves its name unconnected; the other file's steps are still checked, at their lines
        if (receive.size() != s.inputs().size()) {
            problems.add(new Problem(
                    s.location(),
                    s.id(),
                    "receive: names " + receive.size() + " source step(s) of " + file.getFileName() + " for "
                            + s.inputs().size() + " input(s); each input feeds one source step, in order"));
        }
        Map<String, String> received = new LinkedHashMap<>();
        for (int i = 0; i < receive.size(); i++) {
            String r = receive.get(i);
            StepDefinition t = byId.get(r);
            if (t != null && t.inputs().isEmpty() && i < s.inputs().size()) {
                received.put(r, s.inputs().get(i));
            }
            if (t == null || !t.inputs().isEmpty()) {
                problems.add(new Problem(
                        at(s, "receive"),
                        s.id(),
                        "receive: " + r + " is not a source step of " + file
                                + (t == null ? DidYouMean.hint(r, byId.keySet()) : " (it reads " + t.inputs() + ")")
                                + "; its sources: " + String.join(", ", sources(byId.values()))));
            }
        }
        List<String> emits = new ArrayList<>();
        for (String e : emit) {
            StepDefinition t = byId.get(e);
            BuiltinStep b = t == null ? null : builtins.get(t.use());
            if (t != null && (b == null || b.category() != StepCategory.SINK)) {
                emits.add(e);
            } else {
                problems.add(new Problem(
                        at(s, "emit"),
                        s.id(),
                        "emit: " + e
                                + (t == null
                                        ? " is not a step of " + file + DidYouMean.hint(e, byId.keySet())
                                        : " is a sink of " + file + ": it passes no rows on")));
            }
        }
        String prefix = s.id() + "/";
        List<StepDefinition> steps = new ArrayList<>();
        for (StepDefinition t : inner.steps()) {
            if (received.containsKey(t.id()) || t.use().equals("report")) {
                continue;
            }
            List<String> inputs = new ArrayList<>();
            for (String in : t.inputs()) {
                StepRef ref = StepRef.parse(in);
                inputs.add(received.containsKey(ref.step()) ? received.get(ref.step()) : prefix + in);
            }
            steps.add(renamed(t, inputs, s.id(), all, builtins));
        }
        return new Included(inner, steps, emits);
    }

    /**
     * Step {@code t} of the other file under the pipeline step {@code owner}: its id prefixed, reading {@code
     * inputs}, its side values read from the other file's steps by their new ids, its files written into the
     * owner's sub-folder; a loop's chain likewise.
     */
    private static StepDefinition renamed(
            StepDefinition t,
            List<String> inputs,
            String owner,
            Set<String> theirs,
            Map<String, BuiltinStep> builtins) {
        String prefix = owner + "/";
        Map<String, Object> with = new LinkedHashMap<>(t.with());
        BuiltinStep b = builtins.get(t.use());
        if (b != null) {
            for (SideValue.Input read : b.reads()) {
                if (with.get(read.parameter()) instanceof String producer && theirs.contains(producer)) {
                    with.put(read.parameter(), prefix + producer);
                }
            }
            for (String out : b.outputPaths()) {
                if (with.get(out) instanceof String name) {
                    with.put(out, owner + "/" + name); // its sinks write into the step's sub-folder
                }
            }
        }
        List<StepDefinition> chain = new ArrayList<>();
        for (StepDefinition inner : t.steps()) {
            chain.add(renamed(inner, inner.inputs(), owner, theirs, builtins));
        }
        return t.with(inputs, with).renamed(prefix + t.id(), chain);
    }

    /** What one pipeline step brings: the other file as read, its steps renamed, what it emits. */
    private record Included(PipelineDefinition definition, List<StepDefinition> steps, List<String> emit) {}

    /** {@code s} reading the other files' emitted steps by their new ids; a step they do not emit is a problem. */
    private static StepDefinition resolveAliases(
            StepDefinition s,
            Map<String, String> aliases,
            Map<String, List<String>> emitted,
            Map<String, BuiltinStep> builtins,
            List<Problem> problems) {
        List<String> inputs = new ArrayList<>();
        for (String in : s.inputs()) {
            inputs.add(alias(s, in, s.location(), aliases, emitted, problems));
        }
        Map<String, Object> with = new LinkedHashMap<>(s.with());
        BuiltinStep b = builtins.get(s.use());
        if (b != null) {
            for (SideValue.Input read : b.reads()) {
                if (with.get(read.parameter()) instanceof String producer) {
                    with.put(read.parameter(), alias(s, producer, at(s, read.parameter()), aliases, emitted, problems));
                }
            }
        }
        List<StepDefinition> chain = new ArrayList<>();
        for (StepDefinition inner : s.steps()) {
            chain.add(resolveAliases(inner, aliases, emitted, builtins, problems));
        }
        return s.with(inputs, with).renamed(s.id(), chain);
    }

    private static String alias(
            StepDefinition s,
            String ref,
            Location at,
            Map<String, String> aliases,
            Map<String, List<String>> emitted,
            List<Problem> problems) {
        String alias = aliases.get(ref);
        if (alias != null) {
            return alias;
        }
        StepRef r = StepRef.parse(ref);
        List<String> emits = emitted.get(r.step());
        if (emits != null) {
            problems.add(new Problem(
                    at,
                    s.id(),
                    "'" + ref + "': pipeline step '" + r.step() + "' emits "
                            + (emits.isEmpty() ? "nothing" : "only " + String.join(", ", emits))
                            + (r.output() == null ? "; read one as " + r.step() + ".STEP" : "")
                            + (r.output() != null ? DidYouMean.hint(r.output(), emits) : "")
                            + " (list the other file's steps to read in its emit:)"));
        }
        return ref;
    }

    private static List<String> names(StepDefinition s, String key, List<Problem> problems) {
        Object v = s.with().get(key);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v instanceof String one) {
            out.add(one);
        } else if (v instanceof List<?> list && list.stream().allMatch(x -> x instanceof String)) {
            list.forEach(x -> out.add((String) x));
        } else {
            problems.add(new Problem(
                    at(s, key), s.id(), key + ": lists step ids of the other file, e.g. " + key + ": [flag]"));
        }
        Set<String> seen = new HashSet<>();
        for (String x : out) {
            if (!seen.add(x)) {
                problems.add(new Problem(at(s, key), s.id(), key + ": names step '" + x + "' twice"));
            }
        }
        return out;
    }

    private static List<String> sources(Iterable<StepDefinition> steps) {
        List<String> out = new ArrayList<>();
        steps.forEach(t -> {
            if (t.inputs().isEmpty()) {
                out.add(t.id());
            }
        });
        return out;
    }

    private static Location at(StepDefinition s, String parameter) {
        return s.parameterLocations().getOrDefault(parameter, s.location());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
