package io.genpipe.runtime.pipeline;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Built-in steps that shape datasets: flag the most anomalous share per class, filter by flag, gate
 * by per-class thresholds, take a per-class quota, concatenate streams, write IDX.
 */
final class DatasetSteps {

    static final String FLAGGED = "flagged";

    private DatasetSteps() {
    }

    static List<BuiltinStep> all() {
        return List.of(
                flag().global("a quantile of the scores per class (or overall): flags the rows above it, ties broken"
                        + " by row order").publishes(THRESHOLDS, COUNTS),
                filter(),
                gate().reads(new SideValue.Input("thresholds", "thresholds", SideValue.Type.NUMBER_PER_CLASS)),
                quota().global("the first rows of each class, in row order, up to its count")
                        .reads(new SideValue.Input("counts", "counts", SideValue.Type.COUNT_PER_CLASS)),
                repeat(), selectColumns(),
                count().global("the number of rows"),
                concat().global("the order of rows: all of the first input, then the second's, ..."),
                idxSink().writes("images", "labels"));
    }

    /** flag-quantile's per-class score thresholds (keys: labels as text, or "all"). */
    static final SideValue THRESHOLDS = new SideValue("thresholds", SideValue.Type.NUMBER_PER_CLASS,
            "the score at or above which a row is flagged, per class");
    /** flag-quantile's per-class counts of flagged rows. */
    static final SideValue COUNTS = new SideValue("counts", SideValue.Type.COUNT_PER_CLASS,
            "how many rows of each class were flagged");

    /** The per-class value for a row's label, falling back to the overall ("all") one. */
    static Object perClass(Map<String, ?> values, Integer label) {
        Object v = values.get(label == null ? "all" : Integer.toString(label));
        return v != null ? v : values.get("all");
    }

    static BuiltinStep flag() {
        return new BuiltinStep("flag-quantile", "transform",
                "tags (flagged=true) the rows whose score is in the top `fraction` of their class (or overall with by: none);"
                        + " publishes thresholds and counts (per class) for gate / take-per-class, and records metrics.<metric>"
                        + " (count), <metric>PerClass and <metric>Thresholds. Holds all rows until its input ends: quantiles"
                        + " need every score",
                List.of(ParameterSpec.required("fraction", ParameterType.NUMBER, "share of rows to flag, in (0, 1)"),
                        ParameterSpec.choice("by", "label", "flag per class (label) or over all rows (none)", "label", "none"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "flagged", "metric name in run.json")),
                1, 1, (p, folder) -> {
                    double fraction = p.getDouble("fraction");
                    if (!(fraction > 0 && fraction < 1)) {
                        throw new GenpipeException("fraction must be in (0, 1), got " + fraction);
                    }
                    boolean perClass = p.getString("by").equals("label");
                    String metric = p.getString("metric");
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            List<Batch> held = new ArrayList<>();
                            Map<Integer, List<Double>> scores = new TreeMap<>();
                            try {
                                for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                                    held.add(b);
                                    for (RowMeta m : b.meta()) {
                                        if (m.score() == null) {
                                            throw new GenpipeException("row " + m.id() + " has no score; put a scorer step before"
                                                    + " flag-quantile");
                                        }
                                        if (perClass && m.label() == null) {
                                            throw new GenpipeException("row " + m.id() + " has no label; by: label needs labelled rows");
                                        }
                                        scores.computeIfAbsent(perClass ? m.label() : -1, k -> new ArrayList<>()).add(m.score());
                                    }
                                }
                                Map<Integer, Double> thresholds = new HashMap<>();
                                Map<Integer, Integer> quota = new HashMap<>();
                                for (Map.Entry<Integer, List<Double>> e : scores.entrySet()) {
                                    List<Double> sorted = new ArrayList<>(e.getValue());
                                    sorted.sort(null);
                                    int k = (int) Math.round(fraction * sorted.size());
                                    quota.put(e.getKey(), k);
                                    // rows strictly above the (n-k)-th score are flagged; ties at it fill the quota in row order
                                    thresholds.put(e.getKey(), k == 0 ? Double.POSITIVE_INFINITY : sorted.get(sorted.size() - k));
                                }
                                // decide every row first, record the metrics, then emit: steps downstream
                                // (gate, take-per-class) read the thresholds and counts as rows arrive
                                Map<Integer, Integer> flagged = new TreeMap<>();
                                List<List<RowMeta>> decided = new ArrayList<>();
                                int total = 0;
                                for (Batch b : held) {
                                    List<RowMeta> meta = new ArrayList<>(b.rows());
                                    for (RowMeta m : b.meta()) {
                                        int group = perClass ? m.label() : -1;
                                        int have = flagged.getOrDefault(group, 0);
                                        boolean flag = m.score() >= thresholds.get(group) && have < quota.get(group);
                                        if (flag) {
                                            flagged.put(group, have + 1);
                                            total++;
                                        }
                                        Map<String, String> tags = new LinkedHashMap<>(m.tags());
                                        tags.put(FLAGGED, Boolean.toString(flag));
                                        meta.add(new RowMeta(m.id(), m.label(), m.source(), m.score(), tags));
                                    }
                                    decided.add(meta);
                                }
                                context.metric(metric, null, total);
                                Map<String, Double> published = new TreeMap<>();
                                Map<String, Long> counts = new TreeMap<>();
                                for (Integer group : scores.keySet()) {
                                    String key = perClass ? Integer.toString(group) : "all";
                                    context.metric(metric + "PerClass", key, flagged.getOrDefault(group, 0));
                                    context.metric(metric + "Thresholds", key, thresholds.get(group));
                                    published.put(key, thresholds.get(group));
                                    counts.put(key, (long) flagged.getOrDefault(group, 0));
                                }
                                context.publish(THRESHOLDS.name(), java.util.Collections.unmodifiableMap(published));
                                context.publish(COUNTS.name(), java.util.Collections.unmodifiableMap(counts));
                                while (!held.isEmpty()) {
                                    Batch b = held.remove(0);
                                    output.emit(b.extend().meta(decided.remove(0)).build());
                                }
                            } finally {
                                held.forEach(Batch::close);
                            }
                        }
                    };
                });
    }

    static BuiltinStep filter() {
        return new BuiltinStep("filter", "transform", "keeps the rows whose tag `tag` equals `equals` (e.g. flagged = true)",
                List.of(ParameterSpec.optional("tag", ParameterType.STRING, FLAGGED, "row tag to test"),
                        ParameterSpec.optional("equals", ParameterType.STRING, "true", "value that keeps a row")),
                1, 1, (p, folder) -> {
                    String tag = p.getString("tag");
                    String want = p.getString("equals");
                    return new RowFilter(() -> (row, context) -> want.equals(row.tags().get(tag)));
                });
    }

    static BuiltinStep gate() {
        return new BuiltinStep("gate", "transform",
                "keeps rows whose score is at most their class's threshold, as published by the flag-quantile step named"
                        + " in thresholds:; counts the others in metrics.<metric>",
                List.of(ParameterSpec.required("thresholds", ParameterType.STRING,
                                "the step whose per-class thresholds to apply (a flag-quantile step, e.g. flag)"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "rejected", "metric counting rejected rows")),
                1, 1, (p, folder) -> new RowFilter(() -> new RowFilter.Test() {
                    Map<String, ?> thresholds;
                    long rejected;

                    @Override
                    @SuppressWarnings("unchecked")
                    public boolean keep(RowMeta m, StepContext context) throws InterruptedException {
                        if (thresholds == null) {
                            thresholds = (Map<String, ?>) context.side(p.getString("thresholds"), THRESHOLDS.name());
                        }
                        Object t = perClass(thresholds, m.label());
                        if (m.score() == null || t == null) {
                            throw new GenpipeException("row " + m.id() + (m.score() == null ? " has no score; put a scorer"
                                    + " step before gate" : " has label " + m.label() + ", for which step '"
                                    + p.getString("thresholds") + "' published no threshold"));
                        }
                        boolean keep = m.score() <= ((Number) t).doubleValue();
                        rejected += keep ? 0 : 1;
                        return keep;
                    }

                    @Override
                    public void finish(StepContext context) {
                        context.metric(p.getString("metric"), null, rejected);
                    }
                }));
    }

    static BuiltinStep quota() {
        return new BuiltinStep("take-per-class", "transform",
                "passes on the first rows of each class, as many as the flag-quantile step named in counts: flagged"
                        + " (e.g. refill exactly what was flagged)",
                List.of(ParameterSpec.required("counts", ParameterType.STRING,
                        "the step whose per-class counts to take (a flag-quantile step, e.g. flag)")),
                1, 1, (p, folder) -> new RowFilter(() -> new RowFilter.Test() {
                    final Map<Integer, Long> taken = new HashMap<>();
                    Map<String, ?> counts;

                    @Override
                    @SuppressWarnings("unchecked")
                    public boolean keep(RowMeta m, StepContext context) throws InterruptedException {
                        if (counts == null) {
                            counts = (Map<String, ?>) context.side(p.getString("counts"), COUNTS.name());
                        }
                        Object limit = perClass(counts, m.label());
                        long have = taken.getOrDefault(m.label(), 0L);
                        if (limit != null && have < ((Number) limit).longValue()) {
                            taken.put(m.label(), have + 1);
                            return true;
                        }
                        return false;
                    }
                }));
    }

    static BuiltinStep repeat() {
        return new BuiltinStep("repeat", "transform", "each row `times` times in a row (ids get #1, #2, ...): e.g. to"
                + " generate more candidates than needed before a gate",
                List.of(ParameterSpec.required("times", ParameterType.INTEGER, "copies of each row")), 1, 1, (p, folder) -> {
                    int times = p.getInt("times");
                    if (times < 1) {
                        throw new GenpipeException("times must be >= 1, got " + times);
                    }
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    List<RowMeta> meta = new ArrayList<>();
                                    List<Integer> rows = new ArrayList<>();
                                    for (int r = 0; r < b.rows(); r++) {
                                        for (int k = 1; k <= times; k++) {
                                            RowMeta m = b.meta(r);
                                            meta.add(new RowMeta(m.id() + "#" + k, m.label(), m.source(), m.score(), m.tags()));
                                            rows.add(r);
                                        }
                                    }
                                    Batch.Builder out = Batch.builder(rows.size()).meta(meta);
                                    for (String name : b.columnNames()) {
                                        out.column(name, gather(b.column(name), rows));
                                    }
                                    output.emit(out.build());
                                }
                            }
                        }
                    };
                });
    }

    static BuiltinStep selectColumns() {
        return new BuiltinStep("select-columns", "transform", "keeps only the listed columns (row metadata stays)",
                List.of(ParameterSpec.required("columns", ParameterType.STRING_LIST, "columns to keep")), 1, 1, (p, folder) -> {
                    List<String> keep = p.getStringList("columns");
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                            List<PortSpec> out = new ArrayList<>();
                            for (String c : keep) {
                                PortSpec found = inputs.get(0).stream().filter(x -> x.name().equals(c)).findFirst()
                                        .orElseThrow(() -> new GenpipeException("needs column '" + c + "' but its input 'input'"
                                                + " provides " + inputs.get(0)));
                                out.add(found);
                            }
                            return out;
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                                Batch.Builder out = Batch.builder(b.rows()).meta(b.meta());
                                Batch.Builder all = b.extend();
                                Batch owned = all.build();
                                for (String c : keep) {
                                    out.column(c, owned.column(c));
                                }
                                // the kept columns now belong to `out`; close the others
                                for (String name : owned.columnNames()) {
                                    if (!keep.contains(name)) {
                                        owned.column(name).close();
                                    }
                                }
                                output.emit(out.build());
                            }
                        }
                    };
                });
    }

    static BuiltinStep count() {
        return new BuiltinStep("count", "transform", "passes rows on and records how many in metrics.<metric>",
                List.of(ParameterSpec.required("metric", ParameterType.STRING, "metric name in run.json")), 1, 1,
                (p, folder) -> new PassThroughStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        long n = 0;
                        for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                            n += b.rows();
                            output.emit(b);
                        }
                        context.metric(p.getString("metric"), null, n);
                    }
                });
    }

    /** Rows {@code rows} of {@code t} (repeats allowed) as a new Java tensor. */
    static BufferTensor gather(Tensor t, List<Integer> rows) {
        long[] shape = t.shape();
        int rowBytes = (int) (t.size() / Math.max(1, shape[0]) * t.dtype().byteSize());
        byte[] all = t.toByteArray();
        shape[0] = rows.size();
        BufferTensor part = BufferTensor.allocate(t.dtype(), shape);
        java.nio.ByteBuffer buffer = part.buffer();
        for (int r : rows) {
            buffer.put(all, r * rowBytes, rowBytes);
        }
        return part;
    }

    static BuiltinStep concat() {
        return new BuiltinStep("concat", "transform",
                "all rows of its first input in their order, then the second's, and so on; the inputs must carry the same columns (dtype and shape)",
                List.of(), 2, 8, (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                        List<PortSpec> first = inputs.get(0);
                        for (int i = 1; i < inputs.size(); i++) {
                            for (PortSpec port : first) {
                                Columns.require(port, inputs.get(i), "input");
                            }
                            if (inputs.get(i).size() != first.size()) {
                                throw new GenpipeException("inputs carry different columns: " + first + " and " + inputs.get(i));
                            }
                        }
                        return first;
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // all rows of the first input in their order, then the second's, ...: the runner
                        // buffers the inputs not read yet, so the order never depends on thread timing
                        for (BatchInput in : inputs) {
                            for (Batch b = in.next(); b != null; b = in.next()) {
                                output.emit(b);
                            }
                        }
                    }
                });
    }

    static BuiltinStep idxSink() {
        return new BuiltinStep("idx-sink", "sink",
                "writes an image column as IDX uint8 [n,h,w] (pixels x 255, rounded) and the labels as IDX uint8 [n], gzipped",
                List.of(ParameterSpec.optional("column", ParameterType.STRING, "image", "float32[batch,1,h,w] in [0, 1]"),
                        ParameterSpec.optional("images", ParameterType.STRING, "images-idx3-ubyte.gz", "file name for the images"),
                        ParameterSpec.optional("labels", ParameterType.STRING, "labels-idx1-ubyte.gz", "file name for the labels")),
                1, 1, (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                        Columns.require(PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", 1, "height", "width"),
                                inputs.get(0), "input");
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // rows stream to a body file; the header (which needs the count) is written at the end
                        Path body = Files.createTempFile(context.outputFolder(), ".idx-", ".body");
                        java.io.ByteArrayOutputStream labels = new java.io.ByteArrayOutputStream();
                        int n = 0;
                        long h = 0;
                        long w = 0;
                        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(body))) {
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    Tensor t = b.column(p.getString("column"));
                                    long[] shape = t.shape();
                                    h = shape[2];
                                    w = shape[3];
                                    float[] pixels = t.toFloatArray();
                                    byte[] bytes = new byte[pixels.length];
                                    for (int i = 0; i < pixels.length; i++) {
                                        bytes[i] = (byte) Math.round(Math.min(1f, Math.max(0f, pixels[i])) * 255);
                                    }
                                    out.write(bytes);
                                    for (RowMeta m : b.meta()) {
                                        if (m.label() == null || m.label() < 0 || m.label() > 255) {
                                            throw new GenpipeException("row " + m.id() + " has " + (m.label() == null ? "no label"
                                                    : "label " + m.label()) + "; IDX labels are 0-255");
                                        }
                                        labels.write(m.label());
                                    }
                                    n += b.rows();
                                }
                            }
                        }
                        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                                Files.newOutputStream(OutputPaths.resolve(context.outputFolder(), p.getString("images")))))) {
                            out.writeInt(0x00000803);
                            out.writeInt(n);
                            out.writeInt((int) h);
                            out.writeInt((int) w);
                            Files.copy(body, out);
                        } finally {
                            Files.deleteIfExists(body);
                        }
                        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                                Files.newOutputStream(OutputPaths.resolve(context.outputFolder(), p.getString("labels")))))) {
                            out.writeInt(0x00000801);
                            out.writeInt(n);
                            labels.writeTo(out);
                        } catch (IOException e) {
                            throw new GenpipeException("cannot write " + p.getString("labels") + ": " + e.getMessage(), e);
                        }
                    }
                });
    }

    /** The listed rows of {@code b}: {@code b} itself when all are listed, else a copy (and {@code b} is closed). */
    static Batch select(Batch b, List<Integer> rows) {
        if (rows.size() == b.rows()) {
            return b;
        }
        try (b) {
            List<RowMeta> meta = new ArrayList<>(rows.size());
            rows.forEach(r -> meta.add(b.meta(r)));
            Batch.Builder out = Batch.builder(rows.size()).meta(meta);
            for (String name : b.columnNames()) {
                out.column(name, gather(b.column(name), rows));
            }
            return out.build();
        }
    }

}
