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
import io.genpipe.runtime.data.IdxFile;
import io.genpipe.runtime.eval.Auroc;
import io.genpipe.runtime.image.ImageGrid;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The steps every pipeline can use besides plugin components. */
public final class BuiltinSteps {

    private BuiltinSteps() {
    }

    /** All built-in steps by name. */
    public static Map<String, BuiltinStep> all() {
        Map<String, BuiltinStep> steps = new LinkedHashMap<>();
        List<BuiltinStep> list = new ArrayList<>(List.of(idxSource(), take().global("the first n rows in row order"), relabel(),
                interpolate().global("walks between consecutive pairs of rows (1st with 2nd, 3rd with 4th, ...)")));
        list.addAll(DatasetSteps.all());
        list.addAll(MoreSteps.all());
        list.addAll(TextSteps.all());
        list.addAll(NoveltySteps.all());
        list.addAll(List.of(auroc(), accuracy(), frechetDistance(), imageGrid().writes("file"), jsonlSink().writes("file")));
        list.addAll(ReportSteps.all());
        for (BuiltinStep s : list) {
            steps.put(s.name(), s);
        }
        return steps;
    }

    // ---- sources ------------------------------------------------------------------------------

    static BuiltinStep idxSource() {
        return new BuiltinStep("idx-source", "source", "images (and labels) from IDX / IDX.gz files as float32[batch,1,h,w] in [0, 1]",
                List.of(ParameterSpec.required("images", ParameterType.PATH, "IDX file of uint8 images [n, h, w]"),
                        ParameterSpec.optional("labels", ParameterType.PATH, null, "IDX file of uint8 labels [n]"),
                        ParameterSpec.optional("limit", ParameterType.INTEGER, null, "read at most this many images")),
                0, 0, (p, folder) -> {
                    IdxFile images = IdxFile.read(p.getPath("images"));
                    long[] dims = images.dims();
                    if (images.dtype() != DType.UINT8 || dims.length != 3) {
                        throw new GenpipeException("images: " + images.path() + " holds " + images.dtype()
                                + java.util.Arrays.toString(dims) + ", not uint8 images [n, height, width]");
                    }
                    int[] labels = p.findPath("labels").map(l -> IdxFile.read(l).toLabels()).orElse(null);
                    if (labels != null && labels.length != images.count()) {
                        throw new GenpipeException("labels: " + p.getPath("labels") + " holds " + labels.length
                                + " labels for " + images.count() + " images");
                    }
                    int limit = p.has("limit") ? (int) Math.min(p.getLong("limit"), images.count()) : images.count();
                    String source = images.path().getFileName().toString();
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                            return List.of(PortSpec.of("image", DType.FLOAT32, "batch", 1, dims[1], dims[2]));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            for (int from = 0; from < limit; from += context.batchSize()) {
                                int to = Math.min(limit, from + context.batchSize());
                                List<RowMeta> meta = new ArrayList<>(to - from);
                                for (int i = from; i < to; i++) {
                                    RowMeta m = RowMeta.of(context.stepId() + "-" + i).withSource(source);
                                    meta.add(labels == null ? m : m.withLabel(labels[i]));
                                }
                                output.emit(Batch.builder(to - from).column("image", images.toImages(from, to)).meta(meta).build());
                            }
                        }
                    };
                });
    }

    // ---- transforms ---------------------------------------------------------------------------

    static BuiltinStep take() {
        return new BuiltinStep("take", "transform", "passes the first n rows on and drops the rest",
                List.of(ParameterSpec.required("n", ParameterType.INTEGER, "rows to keep")), 1, 1, (p, folder) -> {
                    long n = p.getLong("n");
                    if (n < 0) {
                        throw new GenpipeException("n must be >= 0, got " + n);
                    }
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            long kept = 0;
                            for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                                if (kept >= n) {
                                    b.close();
                                } else if (kept + b.rows() <= n) {
                                    kept += b.rows();
                                    output.emit(b);
                                } else {
                                    int k = (int) (n - kept);
                                    kept = n;
                                    output.emit(slice(b, k));
                                }
                            }
                        }
                    };
                });
    }

    /** The first {@code k} rows of {@code b} (copied to Java); closes {@code b}. */
    static Batch slice(Batch b, int k) {
        try (b) {
            Batch.Builder out = Batch.builder(k).meta(b.meta().subList(0, k));
            for (String name : b.columnNames()) {
                Tensor t = b.column(name);
                long[] shape = t.shape();
                long rowBytes = t.size() / Math.max(1, shape[0]) * t.dtype().byteSize();
                shape[0] = k;
                BufferTensor part = BufferTensor.allocate(t.dtype(), shape);
                java.nio.ByteBuffer src = java.nio.ByteBuffer.wrap(t.toByteArray(), 0, (int) (rowBytes * k));
                part.buffer().put(src);
                out.column(name, part);
            }
            return out.build();
        }
    }

    static BuiltinStep relabel() {
        return new BuiltinStep("relabel", "transform",
                "sets each row's label: to a fixed class (to: c) or cycling through classes (cycle: k gives 0, 1, ..., k-1, 0, ...)",
                List.of(ParameterSpec.optional("to", ParameterType.INTEGER, null, "the label every row gets"),
                        ParameterSpec.optional("cycle", ParameterType.INTEGER, null, "labels 0..cycle-1 in turn, row by row")),
                1, 1, (p, folder) -> {
                    if (p.has("to") == p.has("cycle")) {
                        throw new GenpipeException("relabel needs exactly one of to: (a fixed label) or cycle: (a number of classes)");
                    }
                    long cycle = p.has("cycle") ? p.getLong("cycle") : 0;
                    if (p.has("cycle") && cycle < 1) {
                        throw new GenpipeException("cycle must be >= 1, got " + cycle);
                    }
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            long row = 0;
                            for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                                List<RowMeta> meta = new ArrayList<>(b.rows());
                                for (int r = 0; r < b.rows(); r++, row++) {
                                    int label = p.has("to") ? p.getInt("to") : (int) (row % cycle);
                                    meta.add(b.meta(r).withLabel(label));
                                }
                                output.emit(b.extend().meta(meta).build());
                            }
                        }
                    };
                });
    }

    static BuiltinStep interpolate() {
        return new BuiltinStep("interpolate", "transform",
                "pairs consecutive rows (1st with 2nd, 3rd with 4th, ...) and emits `steps` rows walking from one's vector"
                        + " to the other's, by lerp or slerp; only that column goes on",
                List.of(ParameterSpec.required("column", ParameterType.STRING, "float32[batch,d] column to walk in, e.g. mu"),
                        ParameterSpec.optional("steps", ParameterType.INTEGER, "8", "rows per pair, both ends included"),
                        ParameterSpec.choice("mode", "slerp", "interpolation", "lerp", "slerp")),
                1, 1, (p, folder) -> {
                    String column = p.getString("column");
                    int steps = p.getInt("steps");
                    if (steps < 2) {
                        throw new GenpipeException("steps must be >= 2 (both ends of the walk), got " + steps);
                    }
                    boolean slerp = p.getString("mode").equals("slerp");
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                            for (PortSpec port : inputs.get(0)) {
                                if (port.name().equals(column)) {
                                    Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", port.rank() == 2
                                            ? port.shape().get(1) : "d"), inputs.get(0), "input");
                                    return List.of(port);
                                }
                            }
                            Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", "d"), inputs.get(0), "input");
                            return List.of();
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            float[] pending = null;
                            RowMeta pendingMeta = null;
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    Tensor t = b.column(column);
                                    int d = (int) t.shape()[1];
                                    float[] all = t.toFloatArray();
                                    List<float[]> rows = new ArrayList<>();
                                    List<RowMeta> meta = new ArrayList<>();
                                    for (int r = 0; r < b.rows(); r++) {
                                        float[] v = java.util.Arrays.copyOfRange(all, r * d, (r + 1) * d);
                                        if (pending == null) {
                                            pending = v;
                                            pendingMeta = b.meta(r);
                                            continue;
                                        }
                                        for (int k = 0; k < steps; k++) {
                                            rows.add(io.genpipe.runtime.builtin.Walks.interpolate(pending, v,
                                                    (double) k / (steps - 1), slerp));
                                            meta.add(RowMeta.of(pendingMeta.id() + "~" + b.meta(r).id() + "-" + k)
                                                    .withSource(context.stepId()));
                                        }
                                        pending = null;
                                    }
                                    if (!rows.isEmpty()) {
                                        float[] out = new float[rows.size() * d];
                                        for (int i = 0; i < rows.size(); i++) {
                                            System.arraycopy(rows.get(i), 0, out, i * d, d);
                                        }
                                        output.emit(Batch.builder(rows.size()).meta(meta)
                                                .column(column, BufferTensor.ofFloats(out, rows.size(), d)).build());
                                    }
                                }
                            }
                        }
                    };
                });
    }

    // ---- evaluation ---------------------------------------------------------------------------

    static BuiltinStep accuracy() {
        return new BuiltinStep("accuracy", "eval",
                "share of rows whose predicted class equals their label: metrics.<metric>, <metric>PerClass and"
                        + " <metric>Confusion (label -> predicted -> rows)"
                        + " (label fidelity when the rows are generated images and their requested labels)",
                List.of(ParameterSpec.optional("predicted", ParameterType.STRING, "predicted", "int64 column of predicted classes"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "accuracy", "metric name in run.json")),
                1, 1, (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                        Columns.require(PortSpec.of(p.getString("predicted"), DType.INT64, "batch"), inputs.get(0), "input");
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Map<Integer, long[]> perClass = new java.util.TreeMap<>();
                        Map<Integer, Map<Long, Long>> confusion = new java.util.TreeMap<>();
                        long right = 0;
                        long total = 0;
                        for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                            try (Batch b = next) {
                                long[] predicted = b.column(p.getString("predicted")).toLongArray();
                                for (int r = 0; r < b.rows(); r++) {
                                    RowMeta m = b.meta(r);
                                    if (m.label() == null) {
                                        throw new GenpipeException("row " + m.id() + " has no label; accuracy needs labelled rows");
                                    }
                                    long[] counts = perClass.computeIfAbsent(m.label(), k -> new long[2]);
                                    boolean hit = predicted[r] == m.label();
                                    confusion.computeIfAbsent(m.label(), k -> new java.util.TreeMap<>())
                                            .merge(predicted[r], 1L, Long::sum);
                                    counts[0] += hit ? 1 : 0;
                                    counts[1]++;
                                    right += hit ? 1 : 0;
                                    total++;
                                }
                            }
                        }
                        if (total == 0) {
                            throw new GenpipeException("no rows reached this step; accuracy needs at least one");
                        }
                        String metric = p.getString("metric");
                        context.metric(metric, null, round((double) right / total));
                        perClass.forEach((label, c) -> context.metric(metric + "PerClass", Integer.toString(label),
                                round((double) c[0] / c[1])));
                        confusion.forEach((label, row) -> {
                            Map<String, Object> counts = new java.util.LinkedHashMap<>();
                            row.forEach((pred, n) -> counts.put(Long.toString(pred), n));
                            context.metric(metric + "Confusion", Integer.toString(label), counts);
                        });
                    }
                });
    }

    static BuiltinStep frechetDistance() {
        return new BuiltinStep("frechet-distance", "eval",
                "Frechet distance between the feature columns of two inputs (FD on classifier features: FD-clf); metrics.<metric>",
                List.of(ParameterSpec.optional("column", ParameterType.STRING, "features", "float32[batch,d] feature column"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "fdClf", "metric name in run.json")),
                2, 2, (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                        for (List<PortSpec> in : inputs) {
                            Columns.require(PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", "d"), in, "input");
                        }
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // the runner buffers the second input while the first is read
                        Features first = new Features();
                        first.drain(inputs.get(0), p.getString("column"));
                        first.rethrow();
                        Features second = new Features();
                        second.drain(inputs.get(1), p.getString("column"));
                        second.rethrow();
                        if (first.d != second.d) {
                            throw new GenpipeException("the two inputs' feature columns differ in size: " + first.d
                                    + " and " + second.d);
                        }
                        context.metric(p.getString("metric"), null, round(io.genpipe.runtime.eval.FrechetDistance.compute(
                                first.values(), first.rows, second.values(), second.rows, first.d)));
                    }
                });
    }

    static BuiltinStep auroc() {
        return new BuiltinStep("auroc", "eval",
                "AUROC of score columns, each against the rows whose label is its normal class; metrics.auroc.<normal>, and .mean (group set by metric:)",
                List.of(ParameterSpec.required("scores", ParameterType.STRING_LIST,
                                "score columns (higher = more anomalous), one per normal class"),
                        ParameterSpec.required("normal", ParameterType.STRING_LIST,
                                "the normal label of each score column; other labels are the anomalies"),
                        ParameterSpec.optional("plot", ParameterType.BOOLEAN, "false", "also write <step>-roc.png"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "auroc",
                                "the run.json group the figures go under: metrics.<metric>.<normal> and .mean")),
                1, 1, (p, folder) -> {
                    List<String> scores = p.getStringList("scores");
                    String group = p.getString("metric");
                    List<Integer> normal = new ArrayList<>();
                    for (String n : p.getStringList("normal")) {
                        try {
                            normal.add(Integer.parseInt(n.trim()));
                        } catch (NumberFormatException e) {
                            throw new GenpipeException("normal lists integer labels; '" + n + "' is not one");
                        }
                    }
                    if (scores.size() != normal.size() || scores.isEmpty()) {
                        throw new GenpipeException("scores and normal must pair up: " + scores.size() + " score columns, "
                                + normal.size() + " normal labels");
                    }
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                            for (String s : scores) {
                                Columns.require(PortSpec.of(s, DType.FLOAT64, "batch"), inputs.get(0), "input");
                            }
                            return List.of();
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            List<double[]> values = new ArrayList<>();
                            List<Integer> labels = new ArrayList<>();
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    double[][] cols = new double[scores.size()][];
                                    for (int i = 0; i < scores.size(); i++) {
                                        cols[i] = b.column(scores.get(i)).toDoubleArray();
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        RowMeta m = b.meta(r);
                                        if (m.label() == null) {
                                            throw new GenpipeException("row " + m.id() + " has no label; AUROC needs labelled rows");
                                        }
                                        labels.add(m.label());
                                        double[] row = new double[scores.size()];
                                        for (int i = 0; i < row.length; i++) {
                                            row[i] = cols[i][r];
                                        }
                                        values.add(row);
                                    }
                                }
                            }
                            double sum = 0;
                            List<double[]> curves = new ArrayList<>();
                            List<String> names = new ArrayList<>();
                            for (int i = 0; i < scores.size(); i++) {
                                double[] s = new double[values.size()];
                                boolean[] anomaly = new boolean[values.size()];
                                for (int r = 0; r < s.length; r++) {
                                    s[r] = values.get(r)[i];
                                    anomaly[r] = labels.get(r) != normal.get(i).intValue();
                                }
                                double a = Auroc.compute(s, anomaly);
                                sum += a;
                                if (p.getBoolean("plot")) {
                                    curves.add(Auroc.curve(s, anomaly, 400));
                                    names.add(String.format(Locale.ROOT, "normal %d (AUROC %.3f)", normal.get(i), a));
                                }
                                context.metric(group, Integer.toString(normal.get(i)), round(a));
                            }
                            if (scores.size() > 1) {
                                context.metric(group, "mean", round(sum / scores.size()));
                            }
                            if (!curves.isEmpty()) {
                                ReportSteps.roc(curves, names, context.outputFolder().resolve(context.stepId() + "-roc.png"));
                            }
                        }
                    };
                });
    }

    static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** Feature rows collected from one input. */
    private static final class Features {
        final List<float[]> parts = new ArrayList<>();
        int rows;
        int d = -1;
        Throwable failure;

        void drain(BatchInput input, String column) {
            try {
                for (Batch next = input.next(); next != null; next = input.next()) {
                    try (Batch b = next) {
                        Tensor t = b.column(column);
                        d = (int) t.shape()[1];
                        parts.add(t.toFloatArray());
                        rows += b.rows();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        void rethrow() throws InterruptedException {
            if (failure instanceof InterruptedException) {
                throw (InterruptedException) failure;
            }
            if (failure != null) {
                throw (RuntimeException) failure;
            }
        }

        double[] values() {
            double[] all = new double[rows * Math.max(d, 0)];
            int at = 0;
            for (float[] part : parts) {
                for (float v : part) {
                    all[at++] = v;
                }
            }
            return all;
        }
    }

    // ---- sinks --------------------------------------------------------------------------------

    static BuiltinStep imageGrid() {
        return new BuiltinStep("image-grid", "sink", "a PNG grid of the first images of a column, in the output folder",
                List.of(ParameterSpec.optional("column", ParameterType.STRING, "image", "image column, float32[batch,1,h,w] in [0, 1]"),
                        ParameterSpec.optional("file", ParameterType.STRING, null, "file name in the output folder (default: <step>.png)"),
                        ParameterSpec.optional("columns", ParameterType.INTEGER, "10", "images per grid row"),
                        ParameterSpec.optional("limit", ParameterType.INTEGER, "100", "most images shown"),
                        ParameterSpec.optional("scale", ParameterType.INTEGER, "2", "pixel scale")),
                1, 1, (p, folder) -> new Step() {
                    final String column = p.getString("column");

                    @Override
                    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                        Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", 1, "height", "width"), inputs.get(0), "input");
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        int limit = p.getInt("limit");
                        List<Tensor> kept = new ArrayList<>();
                        int have = 0;
                        try {
                            for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                                if (have < limit) {
                                    Batch part = b.rows() <= limit - have ? b : slice(b, limit - have);
                                    try (part) {
                                        kept.add(part.column(column).copyToJava());
                                        have += part.rows();
                                    }
                                } else {
                                    b.close();
                                }
                            }
                            String file = p.findString("file").orElse(context.stepId() + ".png");
                            if (!kept.isEmpty()) {
                                // one tensor, so the cells run on across batch boundaries
                                long[] shape = kept.get(0).shape();
                                int cell = (int) (shape[1] * shape[2] * shape[3]);
                                float[] all = new float[have * cell];
                                int at = 0;
                                for (Tensor t : kept) {
                                    float[] part = t.toFloatArray();
                                    System.arraycopy(part, 0, all, at, part.length);
                                    at += part.length;
                                }
                                shape[0] = have;
                                try (BufferTensor grid = BufferTensor.ofFloats(all, shape)) {
                                    ImageGrid.write(List.of(grid), p.getInt("columns"), p.getInt("scale"),
                                            OutputPaths.resolve(context.outputFolder(), file));
                                }
                            }
                        } finally {
                            kept.forEach(Tensor::close);
                        }
                    }
                });
    }

    private static final java.util.Set<String> JSONL_FIXED = java.util.Set.of("id", "label", "source", "score");

    static BuiltinStep jsonlSink() {
        return new BuiltinStep("jsonl-sink", "sink", "one JSON line per row: id, label, source, score, the row's tags (e.g. text) and every one-number-per-row column",
                List.of(ParameterSpec.optional("file", ParameterType.STRING, null, "file name in the output folder (default: <step>.jsonl)")),
                1, 1, (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Path file = OutputPaths.resolve(context.outputFolder(), p.findString("file").orElse(context.stepId() + ".jsonl"));
                        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    Map<String, double[]> scalars = new LinkedHashMap<>();
                                    java.util.Set<String> whole = new java.util.HashSet<>();
                                    for (String name : b.columnNames()) {
                                        Tensor t = b.column(name);
                                        if (t.shape().length == 1) {
                                            scalars.put(name, toDoubles(t));
                                            if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
                                                whole.add(name);
                                            }
                                        }
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        RowMeta m = b.meta(r);
                                        StringBuilder line = new StringBuilder("{\"id\":").append(quote(m.id()));
                                        if (m.label() != null) {
                                            line.append(",\"label\":").append(m.label());
                                        }
                                        if (m.source() != null) {
                                            line.append(",\"source\":").append(quote(m.source()));
                                        }
                                        if (m.score() != null) {
                                            line.append(",\"score\":").append(number(m.score()));
                                        }
                                        for (String tag : new java.util.TreeSet<>(m.tags().keySet())) {
                                            if (!JSONL_FIXED.contains(tag) && !scalars.containsKey(tag)) {
                                                line.append(',').append(quote(tag)).append(':').append(quote(m.tags().get(tag)));
                                            }
                                        }
                                        for (Map.Entry<String, double[]> e : scalars.entrySet()) {
                                            double v = e.getValue()[r];
                                            line.append(',').append(quote(e.getKey())).append(':')
                                                    .append(whole.contains(e.getKey()) ? Long.toString((long) v) : number(v));
                                        }
                                        w.write(line.append('}').append('\n').toString());
                                    }
                                }
                            }
                        }
                    }
                });
    }

    static double[] toDoublesOf(Tensor t) {
        return toDoubles(t);
    }

    private static double[] toDoubles(Tensor t) {
        switch (t.dtype()) {
            case FLOAT64:
                return t.toDoubleArray();
            case FLOAT32: {
                float[] f = t.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                return d;
            }
            case INT64:
                return java.util.Arrays.stream(t.toLongArray()).asDoubleStream().toArray();
            case INT32:
                return java.util.Arrays.stream(t.toIntArray()).asDoubleStream().toArray();
            default:
                byte[] b = t.toByteArray();
                double[] d = new double[b.length];
                for (int i = 0; i < b.length; i++) {
                    d[i] = t.dtype() == DType.INT8 ? b[i] : b[i] & 0xFF;
                }
                return d;
        }
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }
}
