package io.genpipe.serve;

import io.genpipe.runtime.onnx.DeviceSpec;
import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.NonFinitePolicy;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.Problem;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a serve config (YAML), every problem with file, line and column, all of them at once:
 *
 * <pre>
 * host: 127.0.0.1          # default; 0.0.0.0 to listen on every interface
 * port: 8080               # 0: any free port
 * grpcPort: 8081           # gRPC (default: port + 1; 0: any free port; -1: no gRPC)
 * device: cpu              # or cuda / cuda:N / auto; onMissingDevice: fail (default) or fallback
 * limits: {maxRequestBytes: 4194304, maxRowsPerRequest: 256, maxPromptBytes: 16384, maxTokens: 1024,
 *          maxSamplesTimesRows: 65536}
 * nonFinite: fail          # a NaN / infinite output: the request fails (500); warn: sent (null in JSON)
 * models:
 *   - name: gan
 *     use: gan-generator
 *     batching: {maxBatchSize: 64, maxQueueDelayMs: 5, queueCapacity: 1024}
 *   - name: vae-score
 *     use: vae-anomaly-scorer
 *     with: {method: combined}
 * </pre>
 */
public final class ServeConfigReader {

    static final List<String> TOP = List.of(
            "host", "port", "grpcPort", "limits", "threads", "device", "onMissingDevice", "nonFinite", "models");
    static final List<String> LIMITS =
            List.of("maxRequestBytes", "maxRowsPerRequest", "maxPromptBytes", "maxTokens", "maxSamplesTimesRows");
    static final List<String> MODEL =
            List.of("name", "use", "with", "batching", "description", "pipeline", "input", "output");
    static final List<String> BATCHING = List.of("maxBatchSize", "maxQueueDelayMs", "queueCapacity", "mode");
    static final List<String> MODES = List.of("auto", "continuous", "static");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final long MAX_FILE_BYTES = 1 << 20;

    private Path file;
    private final List<Problem> problems = new ArrayList<>();

    /**
     * Reads and checks a serve config file.
     *
     * @throws PipelineException listing every problem of the file
     */
    public ServeConfig read(Path path) {
        file = path.toAbsolutePath().normalize();
        problems.clear();
        String text;
        try {
            if (Files.isRegularFile(file) && Files.size(file) > MAX_FILE_BYTES) {
                throw fail(
                        0,
                        0,
                        "the serve config is " + Files.size(file) + " bytes; at most " + MAX_FILE_BYTES + " are read");
            }
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw fail(
                    0,
                    0,
                    Files.exists(file)
                            ? "cannot read the serve config: " + e.getMessage()
                            : "serve config does not exist");
        }
        return parse(text);
    }

    /**
     * Reads a serve config given as text (a model repository load request's config), as if it were the file
     * {@code path}: relative paths resolve against its folder, problems name it.
     *
     * @throws PipelineException listing every problem
     */
    public ServeConfig read(Path path, String text) {
        file = path.toAbsolutePath().normalize();
        problems.clear();
        return parse(text);
    }

    private ServeConfig parse(String text) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw fail(
                    m == null ? 0 : m.getLine() + 1,
                    m == null ? 0 : m.getColumn() + 1,
                    "YAML syntax error: " + (e.getProblem() != null ? e.getProblem() : e.getMessage()));
        } catch (RuntimeException e) {
            throw fail(0, 0, "YAML syntax error: " + e.getMessage());
        }
        if (!(root instanceof MappingNode mappingNode)) {
            throw fail(
                    1,
                    1,
                    "a serve config is a mapping with models: (and host:, port:, limits:); found "
                            + (root == null
                                    ? "an empty file"
                                    : "a " + root.getNodeId().name().toLowerCase(Locale.ROOT)));
        }
        Map<String, NodeTuple> top = mapping(mappingNode, TOP, "key");
        String host = string(top.get("host"), "127.0.0.1");
        int port = (int) integer(top.get("port"), 8080, 0, 65535);
        Integer grpcPort = top.containsKey("grpcPort") ? (int) integer(top.get("grpcPort"), -1, -1, 65535) : null;
        if (grpcPort != null && port != 0 && grpcPort == port) {
            problem(top.get("grpcPort").getValueNode(), "grpcPort must differ from port (" + port + ")");
        }
        int threads = (int) integer(top.get("threads"), 0, 0, 1024);
        String device = string(top.get("device"), "cpu");
        try {
            DeviceSpec.parse(device);
        } catch (RuntimeException e) {
            problem(
                    top.get("device").getValueNode(),
                    "device must be cpu, cuda, cuda:N or auto; found '" + device + "'");
            device = "cpu";
        }
        String onMissing = string(top.get("onMissingDevice"), "fail");
        if (!onMissing.equals("fail") && !onMissing.equals("fallback")) {
            problem(
                    top.get("onMissingDevice").getValueNode(),
                    "onMissingDevice must be fail (the server does not start) or fallback" + " (run on CPU); found '"
                            + onMissing + "'");
            onMissing = "fail";
        }
        long maxBytes = 4L << 20;
        int maxRows = 256;
        ServeConfig.Limits bounds = ServeConfig.Limits.DEFAULT;
        NodeTuple limits = top.get("limits");
        if (limits != null) {
            if (limits.getValueNode() instanceof MappingNode m) {
                Map<String, NodeTuple> l = mapping(m, LIMITS, "limit");
                maxBytes = integer(l.get("maxRequestBytes"), maxBytes, 1024, 1L << 30);
                maxRows = (int) integer(l.get("maxRowsPerRequest"), maxRows, 1, 1_000_000);
                bounds = new ServeConfig.Limits(
                        (int) integer(l.get("maxPromptBytes"), bounds.maxPromptBytes(), 1, 1 << 30),
                        (int) integer(l.get("maxTokens"), bounds.maxTokens(), 1, 1_000_000),
                        integer(l.get("maxSamplesTimesRows"), bounds.maxSamplesTimesRows(), 1, 1L << 40));
            } else {
                problem(
                        limits.getValueNode(),
                        "limits must be a mapping, e.g. limits: {maxRequestBytes: 4194304, maxRowsPerRequest: 256}");
            }
        }
        String nonFiniteText = string(top.get("nonFinite"), "fail");
        NonFinitePolicy nonFinite = NonFinitePolicy.parse(nonFiniteText).orElse(null);
        if (nonFinite == null) {
            problem(
                    top.get("nonFinite").getValueNode(),
                    "nonFinite must be fail (a NaN or infinite output fails the request) or warn (sent, null in JSON);"
                            + " found '" + nonFiniteText + "'");
            nonFinite = NonFinitePolicy.FAIL;
        }
        List<ServeConfig.ModelConfig> models = new ArrayList<>();
        NodeTuple list = top.get("models");
        if (list == null) {
            problem(root, "missing models: the list of served models (- name: gan, use: gan-generator)");
        } else if (!(list.getValueNode() instanceof SequenceNode seq)
                || seq.getValue().isEmpty()) {
            problem(list.getValueNode(), "models must be a non-empty list (- name: gan, use: gan-generator)");
        } else {
            Map<String, Node> names = new LinkedHashMap<>();
            for (Node n : seq.getValue()) {
                ServeConfig.ModelConfig model = model(n);
                if (model == null) {
                    continue;
                }
                Node earlier = names.putIfAbsent(model.name(), n);
                if (earlier != null) {
                    problem(
                            n,
                            "model name '" + model.name() + "' is used twice (first at line "
                                    + (earlier.getStartMark().getLine() + 1)
                                    + "); each served model needs its own name");
                } else {
                    models.add(model);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new PipelineException(List.copyOf(problems));
        }
        return new ServeConfig(
                file,
                host,
                port,
                grpcPort,
                maxBytes,
                maxRows,
                threads,
                device,
                onMissing,
                bounds,
                nonFinite,
                List.copyOf(models));
    }

    private ServeConfig.ModelConfig model(Node n) {
        if (!(n instanceof MappingNode m)) {
            problem(n, "each model is a mapping with name: and use: (and with:, batching:)");
            return null;
        }
        Map<String, NodeTuple> keys = mapping(m, MODEL, "model key");
        String name = string(keys.get("name"), null);
        String use = string(keys.get("use"), null);
        if (name == null) {
            problem(n, "model without a name: (the name requests use in /v2/models/NAME/infer)");
            return null;
        }
        if (!NAME.matcher(name).matches()) {
            problem(
                    keys.get("name").getValueNode(),
                    "model name '" + name + "' is invalid: letters, digits, dots, dashes and underscores,"
                            + " at most 64 characters (it is part of a URL)");
            return null;
        }
        String pipelineFile = string(keys.get("pipeline"), null);
        String input = string(keys.get("input"), null);
        String output = string(keys.get("output"), null);
        ServeConfig.PipelineRef pipeline = null;
        if (pipelineFile != null) {
            if (use != null || keys.containsKey("with")) {
                problem(
                        n,
                        "model '" + name + "' has both pipeline: and " + (use != null ? "use:" : "with:")
                                + "; a model serves a"
                                + " component (use:, with:) or a pipeline file (pipeline:, input:, output:)");
                return null;
            }
            if (input == null || output == null) {
                problem(
                        n,
                        "model '" + name
                                + "' serves a pipeline: it needs input: (the source step a request's rows replace)"
                                + " and output: (the step whose rows come back)");
                return null;
            }
            Path base = file.toAbsolutePath().getParent();
            pipeline = new ServeConfig.PipelineRef(base.resolve(pipelineFile).normalize(), input, output);
            use = pipelineFile;
        } else if (input != null || output != null) {
            problem(n, "model '" + name + "': input: and output: are for a served pipeline (pipeline: FILE)");
            return null;
        }
        if (use == null) {
            problem(
                    n,
                    "model '" + name
                            + "' has no use: (the component it serves, e.g. use: gan-generator; or pipeline: FILE)");
            return null;
        }
        Map<String, Object> with = new LinkedHashMap<>();
        NodeTuple w = keys.get("with");
        if (w != null) {
            if (w.getValueNode() instanceof MappingNode wm) {
                for (NodeTuple t : wm.getValue()) {
                    String key = scalar(t.getKeyNode());
                    Object value = value(t.getValueNode());
                    if (key != null && value != null) {
                        with.put(key, value);
                    }
                }
            } else {
                problem(
                        w.getValueNode(),
                        "with: must be a mapping of the component's parameters, e.g. with: {method: combined}");
            }
        }
        int maxBatch = pipeline != null ? 1 : 32;
        long delay = 5;
        int capacity = 1024;
        String mode = "auto";
        NodeTuple b = keys.get("batching");
        if (b != null) {
            if (b.getValueNode() instanceof MappingNode bm) {
                Map<String, NodeTuple> bk = mapping(bm, BATCHING, "batching key");
                maxBatch = (int) integer(bk.get("maxBatchSize"), maxBatch, 1, 65_536);
                delay = integer(bk.get("maxQueueDelayMs"), delay, 0, 60_000);
                capacity = (int) integer(bk.get("queueCapacity"), capacity, 1, 1_000_000);
                mode = string(bk.get("mode"), mode);
                if (!MODES.contains(mode)) {
                    problem(
                            bk.get("mode").getValueNode(),
                            "batching mode must be auto (continuous for text generators that support it, else"
                                    + " static), continuous or static; found '" + mode + "'");
                    mode = "auto";
                }
            } else {
                problem(
                        b.getValueNode(),
                        "batching: must be a mapping, e.g. batching: {maxBatchSize: 32, maxQueueDelayMs: 5, queueCapacity: 1024}");
            }
        }
        if (pipeline != null && maxBatch != 1) {
            problem(
                    b.getValueNode(),
                    "model '" + name + "' serves a pipeline, which runs each request on its own (its global"
                            + " steps see that request's rows only): leave maxBatchSize out (1)");
            return null;
        }
        return new ServeConfig.ModelConfig(name, use, with, maxBatch, delay, capacity, at(n), pipeline, mode);
    }

    private Object value(Node n) {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        if (n instanceof SequenceNode seq) {
            List<Object> out = new ArrayList<>();
            for (Node item : seq.getValue()) {
                out.add(value(item));
            }
            return out;
        }
        problem(n, "a parameter value is a scalar or a list");
        return null;
    }

    private Map<String, NodeTuple> mapping(MappingNode m, List<String> allowed, String what) {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalar(t.getKeyNode());
            if (key == null) {
                problem(t.getKeyNode(), "a " + what + " must be a plain word");
            } else if (!allowed.contains(key)) {
                problem(t.getKeyNode(), "unknown " + what + " '" + key + "'; expected one of " + allowed);
            } else {
                out.put(key, t);
            }
        }
        return out;
    }

    private String string(NodeTuple t, String fallback) {
        if (t == null) {
            return fallback;
        }
        String s = scalar(t.getValueNode());
        if (s == null || s.isBlank()) {
            problem(t.getValueNode(), scalar(t.getKeyNode()) + " must be a non-empty text");
            return fallback;
        }
        return s;
    }

    private long integer(NodeTuple t, long fallback, long min, long max) {
        if (t == null) {
            return fallback;
        }
        String s = scalar(t.getValueNode());
        String key = scalar(t.getKeyNode());
        try {
            long v = Long.parseLong(s == null ? "" : s.trim());
            if (v < min || v > max) {
                problem(t.getValueNode(), key + " must be between " + min + " and " + max + "; found " + v);
                return fallback;
            }
            return v;
        } catch (NumberFormatException e) {
            problem(
                    t.getValueNode(),
                    key + " must be a whole number between " + min + " and " + max + "; found '" + s + "'");
            return fallback;
        }
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private Location at(Node n) {
        Mark m = n.getStartMark();
        return new Location(file, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1);
    }

    private void problem(Node n, String message) {
        problems.add(new Problem(at(n), null, message));
    }

    private PipelineException fail(int line, int column, String message) {
        return new PipelineException(List.of(new Problem(new Location(file, line, column), null, message)));
    }
}
