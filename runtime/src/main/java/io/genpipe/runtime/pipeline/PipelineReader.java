package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.onnx.ThreadPool;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.configuration2.interpol.ConfigurationInterpolator;
import org.apache.commons.configuration2.interpol.DefaultLookups;
import org.apache.commons.configuration2.interpol.InterpolatorSpecification;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a pipeline file (YAML; JSON is YAML too) into a {@link PipelineDefinition}, keeping the
 * line and column of everything so each problem can point at it. Strings may use
 * {@code ${env:NAME}} and {@code ${sys:property}}, resolved through Apache Commons Configuration's
 * interpolator. Every problem of the file is collected before failing.
 */
public final class PipelineReader {

    static final List<String> TOP_LEVEL = List.of(
            "name",
            "description",
            "seed",
            "device",
            "onMissingDevice",
            "batchSize",
            "out",
            "nonFinite",
            "limits",
            "threadPool",
            "threads",
            "emptyResult",
            "plugins",
            "steps");
    static final List<String> LIMITS = List.of("rows");
    /** The largest pipeline file read: bigger ones are refused before parsing. */
    static final long MAX_FILE_BYTES = 1 << 20;
    /** The largest thread pool a pipeline may ask for. */
    static final int MAX_THREADS = 1024;
    /** The most steps a pipeline may have. */
    static final int MAX_STEPS = 10_000;

    static final List<String> STEP_KEYS = List.of("id", "use", "inputs", "with", "steps", "description");
    private static final Pattern STEP_ID = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}");
    /** Every dollar-brace prefix and colon in a text, nested ones included. */
    private static final Pattern PREFIX = Pattern.compile("\\$\\{([^:}${]*):");

    private static final int DEFAULT_BATCH = 256;
    /** The largest top-level batchSize: rows moved between steps at once. */
    static final int MAX_BATCH = 1_000_000;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** The only lookups a pipeline file may use: a pipeline file must never read a file, a URL or a constant. */
    static final List<String> LOOKUPS = List.of("env", "sys");

    private final ConfigurationInterpolator interpolator =
            ConfigurationInterpolator.fromSpecification(new InterpolatorSpecification.Builder()
                    .withPrefixLookup("env", DefaultLookups.ENVIRONMENT.getLookup())
                    .withPrefixLookup("sys", DefaultLookups.SYSTEM_PROPERTIES.getLookup())
                    .create());

    /**
     * Reads and checks the file's structure (not its components).
     *
     * @throws PipelineException listing every problem with file, line and column
     */
    public PipelineDefinition read(Path file) {
        Result result = readAll(file);
        if (!result.problems().isEmpty()) {
            throw new PipelineException(result.problems());
        }
        return result.definition();
    }

    /**
     * The file as far as it could be read, and the problems found; the validator goes on from it so
     * that every problem of a file is reported at once. Fails only when the file cannot be parsed
     * at all (unreadable, YAML syntax, not a mapping).
     *
     * @param definition the pipeline, without the steps that lack an id or a use
     * @param problems structural problems found
     */
    public record Result(PipelineDefinition definition, List<Problem> problems) {}

    /**
     * The file as far as it could be read, and its problems.
     *
     * @throws PipelineException when the file cannot be parsed at all
     */
    public Result readAll(Path file) {
        Path path = file.toAbsolutePath().normalize();
        byte[] bytes = bytes(path);
        Context ctx = new Context(path, interpolator);
        MappingNode root = parse(ctx, text(path, bytes));
        Map<String, NodeTuple> top = ctx.mapping(root, TOP_LEVEL, null, "pipeline key");
        Settings settings = settings(ctx, top, path);
        NodeTuple stepsTuple = top.get("steps");
        List<StepDefinition> steps = steps(ctx, root, stepsTuple);
        return new Result(
                new PipelineDefinition(
                        path,
                        sha256(bytes),
                        settings.name,
                        settings.seed,
                        settings.device,
                        settings.onMissingDevice,
                        settings.batchSize,
                        settings.out,
                        steps,
                        settings.nonFinite,
                        settings.maxRows,
                        settings.threadPool,
                        settings.threads,
                        settings.emptyResult,
                        settings.plugins),
                List.copyOf(ctx.problems));
    }

    /** The file's bytes, refused when too big or unreadable. */
    private static byte[] bytes(Path path) {
        try {
            if (Files.isRegularFile(path) && Files.size(path) > MAX_FILE_BYTES) {
                throw new PipelineException(List.of(new Problem(
                        new Location(path, 0, 0),
                        null,
                        "the pipeline file is " + Files.size(path) + " bytes; at most " + MAX_FILE_BYTES
                                + " bytes (1 MiB) are read")));
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new PipelineException(List.of(new Problem(
                    new Location(path, 0, 0),
                    null,
                    Files.exists(path)
                            ? "cannot read the pipeline file: " + e.getMessage()
                            : "pipeline file does not exist")));
        }
    }

    /** The bytes as UTF-8 text, refused when they are not. */
    private static String text(Path path, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new PipelineException(
                    List.of(new Problem(new Location(path, 0, 0), null, "the pipeline file is not UTF-8 text")));
        }
    }

    /** The YAML document's root mapping; a syntax error or another kind of document is refused. */
    private static MappingNode parse(Context ctx, String text) {
        Path path = ctx.file;
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true); // reported below with both lines
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = "";
            if (e.getContext() != null) {
                Mark start = e.getContextMark();
                context = " (" + e.getContext()
                        + (start != null && start != mark
                                ? " that starts at line " + (start.getLine() + 1) + ", column "
                                        + (start.getColumn() + 1)
                                : "")
                        + ")";
            }
            throw new PipelineException(
                    List.of(new Problem(ctx.at(mark), null, "YAML syntax error: " + what + context)));
        } catch (YAMLException e) {
            throw new PipelineException(
                    List.of(new Problem(new Location(path, 0, 0), null, "YAML syntax error: " + e.getMessage())));
        }
        if (root == null) {
            throw new PipelineException(List.of(new Problem(
                    new Location(path, 1, 1), null, "the pipeline file is empty; it needs at least a steps: list")));
        }
        if (!(root instanceof MappingNode mappingNode)) {
            throw new PipelineException(List.of(new Problem(
                    ctx.at(root),
                    null,
                    "a pipeline file is a mapping with name:, steps: and settings; found " + kind(root))));
        }
        return mappingNode;
    }

    /** The pipeline's own settings: every top-level key but steps:, each checked, with its default. */
    private record Settings(
            String name,
            long seed,
            String device,
            String onMissingDevice,
            int batchSize,
            String out,
            NonFinitePolicy nonFinite,
            long maxRows,
            ThreadPool threadPool,
            int threads,
            EmptyResultPolicy emptyResult,
            List<Path> plugins) {}

    private static Settings settings(Context ctx, Map<String, NodeTuple> top, Path path) {
        String fileName = path.getFileName().toString().replaceFirst("\\.(ya?ml|json)$", "");
        String name = ctx.string(top.get("name"), null, fileName);
        if (!NAME.matcher(name).matches()) {
            if (top.get("name") != null) {
                ctx.problem(
                        top.get("name").getValueNode(),
                        null,
                        "name '" + name + "' is invalid; a pipeline's name"
                                + " names its default output folder runs/NAME, so use letters, digits, dots, dashes and"
                                + " underscores (no / or ..), at most 128 characters");
            }
            name = NAME.matcher(fileName).matches() ? fileName : "pipeline";
        }
        long seed = ctx.integer(top.get("seed"), null, 0, Long.MIN_VALUE);
        String device = ctx.string(top.get("device"), null, "cpu");
        String onMissing = ctx.string(top.get("onMissingDevice"), null, "fail");
        long batch = ctx.integer(top.get("batchSize"), null, DEFAULT_BATCH, 1);
        if (batch > MAX_BATCH) {
            ctx.problem(
                    top.get("batchSize").getValueNode(),
                    null,
                    "batchSize must be at most " + MAX_BATCH + " rows; found " + batch);
            batch = DEFAULT_BATCH;
        }
        int batchSize = (int) batch;
        String out = ctx.string(top.get("out"), null, "runs/" + name);
        if (top.get("out") != null && out.isBlank()) {
            ctx.problem(
                    top.get("out").getValueNode(),
                    null,
                    "out is empty; name the folder the run writes," + " e.g. out: runs/" + name);
            out = "runs/" + name;
        }
        String nonFiniteText = ctx.string(top.get("nonFinite"), null, "fail");
        NonFinitePolicy nonFinite = NonFinitePolicy.parse(nonFiniteText).orElse(null);
        if (nonFinite == null) {
            ctx.problem(
                    top.get("nonFinite").getValueNode(),
                    null,
                    "nonFinite must be fail or warn; found '" + nonFiniteText + "'");
            nonFinite = NonFinitePolicy.FAIL;
        }
        long maxRows = PipelineDefinition.DEFAULT_MAX_ROWS;
        NodeTuple limits = top.get("limits");
        if (limits != null) {
            if (!(limits.getValueNode() instanceof MappingNode)) {
                ctx.problem(limits.getValueNode(), null, "limits must be a mapping, e.g. limits: {rows: 50000000}");
            } else {
                Map<String, NodeTuple> l = ctx.mapping((MappingNode) limits.getValueNode(), LIMITS, null, "limit");
                maxRows = ctx.integer(l.get("rows"), null, maxRows, 1);
            }
        }
        String threadPoolText = ctx.string(top.get("threadPool"), null, null);
        ThreadPool threadPool =
                threadPoolText == null ? null : ThreadPool.parse(threadPoolText).orElse(null);
        if (threadPoolText != null && threadPool == null) {
            ctx.problem(
                    top.get("threadPool").getValueNode(),
                    null,
                    "threadPool must be shared (one intra-op pool for every"
                            + " model step) or per-session (each model its own); found '" + threadPoolText + "'");
        }
        long threads = ctx.integer(top.get("threads"), null, 0, 0);
        if (threads > MAX_THREADS) {
            ctx.problem(
                    top.get("threads").getValueNode(),
                    null,
                    "threads must be from 0 (ONNX Runtime's choice) to " + MAX_THREADS + "; found " + threads);
            threads = 0;
        }
        String emptyText = ctx.string(top.get("emptyResult"), null, "warn");
        EmptyResultPolicy emptyResult = EmptyResultPolicy.parse(emptyText).orElse(null);
        if (emptyResult == null) {
            ctx.problem(
                    top.get("emptyResult").getValueNode(),
                    null,
                    "emptyResult must be warn (a step that turns rows into none prints a warning) or fail (it stops"
                            + " the run); found '" + emptyText + "'");
            emptyResult = EmptyResultPolicy.WARN;
        }
        List<Path> plugins = new ArrayList<>();
        NodeTuple pluginsTuple = top.get("plugins");
        if (pluginsTuple != null) {
            Object value = ctx.value(pluginsTuple.getValueNode(), null);
            List<?> folders = value instanceof List<?> l ? l : value instanceof String one ? List.of(one) : null;
            if (folders == null || folders.stream().anyMatch(f -> !(f instanceof String t) || t.isBlank())) {
                ctx.problem(
                        pluginsTuple.getValueNode(),
                        null,
                        "plugins must list plugins folders (relative to this file), e.g. plugins:"
                                + " [../plugins/wavenet/target/plugins]");
            } else {
                Path folder = path.toAbsolutePath().getParent();
                folders.forEach(f -> plugins.add(folder.resolve((String) f).normalize()));
            }
        }
        return new Settings(
                name,
                seed,
                device,
                onMissing,
                batchSize,
                out,
                nonFinite,
                maxRows,
                threadPool,
                (int) threads,
                emptyResult,
                plugins);
    }

    /** The steps: section, each step checked by itself (keys, id, use, inputs, with). */
    private static List<StepDefinition> steps(Context ctx, Node root, NodeTuple stepsTuple) {
        List<StepDefinition> steps = new ArrayList<>();
        if (stepsTuple == null) {
            ctx.problem(root, null, "missing steps: the list of steps to run");
        } else if (!(stepsTuple.getValueNode() instanceof SequenceNode)
                || ((SequenceNode) stepsTuple.getValueNode()).getValue().isEmpty()) {
            ctx.problem(
                    stepsTuple.getValueNode(), null, "steps must be a non-empty list of steps (- id: ..., use: ...)");
        } else {
            Map<String, Location> ids = new LinkedHashMap<>();
            for (Node stepNode : ((SequenceNode) stepsTuple.getValueNode()).getValue()) {
                StepDefinition step = step(ctx, stepNode, ids);
                if (step != null) {
                    steps.add(step);
                }
            }
        }
        if (steps.size() > MAX_STEPS) {
            ctx.problem(
                    stepsTuple.getValueNode(),
                    null,
                    "the pipeline has " + steps.size() + " steps; at most " + MAX_STEPS + " are allowed");
        }
        return steps;
    }

    private static StepDefinition step(Context ctx, Node node, Map<String, Location> ids) {
        if (!(node instanceof MappingNode map)) {
            ctx.problem(node, null, "a step is a mapping with id: and use: (and inputs:, with:); found " + kind(node));
            return null;
        }

        String hint = null;
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode
                    && ((ScalarNode) t.getKeyNode()).getValue().equals("id")
                    && t.getValueNode() instanceof ScalarNode) {
                hint = ((ScalarNode) t.getValueNode()).getValue();
            }
        }
        Map<String, NodeTuple> keys = ctx.mapping(map, STEP_KEYS, hint, "step key");
        String id = ctx.string(keys.get("id"), hint, null);
        if (keys.get("id") == null) {
            ctx.problem(
                    node, null, "step without id: every step needs a unique id: (lower-case letters, digits, dashes)");
        } else if (id != null && !STEP_ID.matcher(id).matches()) {
            ctx.problem(
                    keys.get("id").getValueNode(),
                    null,
                    "step id '" + id + "' is invalid; use lower-case letters, digits and dashes, e.g. score-test");
        } else if (id != null && ids.containsKey(id)) {
            ctx.problem(
                    keys.get("id").getValueNode(),
                    id,
                    "duplicate step id '" + id + "' (first defined at line "
                            + ids.get(id).line() + "); step ids must be unique");
        } else if (id != null) {
            ids.put(id, ctx.at(node));
        }
        String use = ctx.string(keys.get("use"), id, null);
        if (keys.get("use") == null) {
            ctx.problem(node, id, "missing use: the component or built-in step to run (genpipe plugins lists them)");
        }
        List<String> inputs = new ArrayList<>();
        NodeTuple inputsTuple = keys.get("inputs");
        if (inputsTuple != null) {
            Node value = inputsTuple.getValueNode();
            if (value instanceof ScalarNode scalarNode) {
                inputs.add(scalarNode.getValue());
            } else if (value instanceof SequenceNode sequenceNode) {
                for (Node item : sequenceNode.getValue()) {
                    if (item instanceof ScalarNode scalarNode) {
                        inputs.add(scalarNode.getValue());
                    } else {
                        ctx.problem(item, id, "inputs lists step ids; found " + kind(item));
                    }
                }
            } else {
                ctx.problem(value, id, "inputs must be a step id or a list of step ids; found " + kind(value));
            }
        }
        Map<String, Object> with = new LinkedHashMap<>();
        Map<String, Location> locations = new LinkedHashMap<>();
        NodeTuple withTuple = keys.get("with");
        if (withTuple != null) {
            Node value = withTuple.getValueNode();
            if (value instanceof MappingNode mappingNode) {
                Map<String, NodeTuple> params = ctx.mapping(mappingNode, null, id, "parameter");
                for (Map.Entry<String, NodeTuple> e : params.entrySet()) {
                    with.put(e.getKey(), ctx.value(e.getValue().getValueNode(), id));
                    locations.put(e.getKey(), ctx.at(e.getValue().getKeyNode()));
                }
            } else if (!(value instanceof ScalarNode scalarNode
                    && scalarNode.getTag().equals(Tag.NULL))) {
                ctx.problem(value, id, "with must be a mapping of parameter: value; found " + kind(value));
            }
        }
        List<StepDefinition> chain = new ArrayList<>();
        NodeTuple stepsTuple = keys.get("steps");
        if (stepsTuple != null) {
            // a loop's chain: each step reads the one before it, the first the loop's rows; ids unique file-wide
            if (!(stepsTuple.getValueNode() instanceof SequenceNode seq)
                    || seq.getValue().isEmpty()) {
                ctx.problem(
                        stepsTuple.getValueNode(),
                        id,
                        "steps: lists the chain of steps a loop runs each round"
                                + " (- id: ..., use: ...), each reading the one before it");
            } else {
                for (Node n : seq.getValue()) {
                    StepDefinition inner = step(ctx, n, ids);
                    if (inner != null) {
                        if (!inner.inputs().isEmpty()) {
                            ctx.problem(
                                    n,
                                    inner.id(),
                                    "a step of a loop's chain takes no inputs: it reads the step"
                                            + " before it (the first, the loop's rows)");
                        }
                        chain.add(inner);
                    }
                }
            }
        }
        if (id == null || use == null || ids.get(id) == null || !ids.get(id).equals(ctx.at(node))) {
            return null;
        }
        return new StepDefinition(id, use, inputs, with, ctx.at(node), locations, chain);
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        ScalarNode s = (ScalarNode) node;
        return s.getTag().equals(Tag.NULL) ? "nothing" : "'" + s.getValue() + "'";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Problems found so far and helpers that add to them. */
    private static final class Context {
        final Path file;
        final ConfigurationInterpolator interpolator;
        final List<Problem> problems = new ArrayList<>();

        Context(Path file, ConfigurationInterpolator interpolator) {
            this.file = file;
            this.interpolator = interpolator;
        }

        Location at(Mark mark) {
            return mark == null
                    ? new Location(file, 0, 0)
                    : new Location(file, mark.getLine() + 1, mark.getColumn() + 1);
        }

        Location at(Node node) {
            return at(node.getStartMark());
        }

        void problem(Node node, String step, String message) {
            problems.add(new Problem(at(node), step, message));
        }

        /** Keys of a mapping; unknown (when {@code allowed} is given), duplicate and non-scalar keys are problems. */
        Map<String, NodeTuple> mapping(MappingNode map, List<String> allowed, String step, String what) {
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            for (NodeTuple t : map.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode)) {
                    problem(t.getKeyNode(), step, what + " must be a plain name; found " + kind(t.getKeyNode()));
                    continue;
                }
                String key = ((ScalarNode) t.getKeyNode()).getValue();
                if (allowed != null && !allowed.contains(key)) {
                    problem(
                            t.getKeyNode(),
                            step,
                            "unknown " + what + " '" + key + "'" + DidYouMean.hint(key, allowed) + " (known: "
                                    + String.join(", ", allowed) + ")");
                    continue;
                }
                NodeTuple first = out.putIfAbsent(key, t);
                if (first != null) {
                    problem(
                            t.getKeyNode(),
                            step,
                            "duplicate " + what + " '" + key + "' (first at line "
                                    + at(first.getKeyNode()).line() + ")");
                }
            }
            return out;
        }

        String string(NodeTuple tuple, String step, String fallback) {
            if (tuple == null) {
                return fallback;
            }
            Node v = tuple.getValueNode();
            if (!(v instanceof ScalarNode scalarNode) || scalarNode.getTag().equals(Tag.NULL)) {
                problem(v, step, ((ScalarNode) tuple.getKeyNode()).getValue() + " must be text; found " + kind(v));
                return fallback;
            }
            Object value = value(v, step);
            return value == null ? fallback : value.toString();
        }

        long integer(NodeTuple tuple, String step, long fallback, long min) {
            if (tuple == null) {
                return fallback;
            }
            Node v = tuple.getValueNode();
            Object value = v instanceof ScalarNode ? value(v, step) : null;
            String key = ((ScalarNode) tuple.getKeyNode()).getValue();
            if (value instanceof String) {
                try {
                    value = Long.parseLong(((String) value).trim());
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            if (!(value instanceof Long) || (Long) value < min) {
                problem(
                        v,
                        step,
                        key + " must be " + (min == 1 ? "a positive integer" : "an integer") + "; found " + kind(v));
                return fallback;
            }
            return (Long) value;
        }

        /** A YAML value as Java: Long, Double, Boolean, String (interpolated), List, Map, or null. */
        Object value(Node node, String step) {
            if (node instanceof SequenceNode sequenceNode) {
                List<Object> list = new ArrayList<>();
                for (Node item : sequenceNode.getValue()) {
                    list.add(value(item, step));
                }
                return list;
            }
            if (node instanceof MappingNode mappingNode) {
                Map<String, Object> map = new LinkedHashMap<>();
                for (NodeTuple t : mappingNode.getValue()) {
                    map.put(String.valueOf(value(t.getKeyNode(), step)), value(t.getValueNode(), step));
                }
                return map;
            }
            ScalarNode s = (ScalarNode) node;
            Tag tag = s.getTag();
            String text = s.getValue();
            try {
                if (tag.equals(Tag.NULL)) {
                    return null;
                } else if (tag.equals(Tag.BOOL)) {
                    return Boolean.parseBoolean(
                            text.toLowerCase(Locale.ROOT).replace("yes", "true").replace("on", "true"));
                } else if (tag.equals(Tag.INT)) {
                    BigInteger big = new BigInteger(text.replace("_", ""));
                    return big.bitLength() < 64 ? (Object) big.longValue() : text;
                } else if (tag.equals(Tag.FLOAT)) {
                    return Double.parseDouble(text.replace("_", ""));
                }
            } catch (NumberFormatException e) {
                return text;
            }
            return interpolate(text, node, step);
        }

        private String interpolate(String text, Node node, String step) {
            if (!text.contains("${")) {
                return text;
            }
            boolean refused = false;
            Matcher each = PREFIX.matcher(text);
            while (each.find()) {
                String prefix = each.group(1);
                if (!LOOKUPS.contains(prefix)) {
                    problem(
                            node,
                            step,
                            "${" + prefix + ":...} is not allowed: a pipeline file may use only ${env:NAME}"
                                    + " and ${sys:property} (allowed prefixes: " + String.join(", ", LOOKUPS) + ")");
                    refused = true;
                }
            }
            if (refused) {
                return text; // never evaluated
            }
            Object resolved = interpolator.interpolate(text);
            String result = resolved == null ? "" : resolved.toString();
            Matcher left = VARIABLE.matcher(result);
            while (left.find()) {
                String variable = left.group(1);
                String why = variable.startsWith("env:")
                        ? "environment variable " + variable.substring(4) + " is not set"
                        : variable.startsWith("sys:")
                                ? "system property " + variable.substring(4) + " is not set"
                                : "unknown variable; use ${env:NAME} or ${sys:property}";
                problem(node, step, "cannot resolve ${" + variable + "}: " + why);
            }
            return result;
        }
    }
}
