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
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import javax.imageio.ImageIO;

/** Built-ins: threshold, top-k, sample, PNG folders in and out, CSV out. */
final class MoreSteps {

    private MoreSteps() {
    }

    static List<BuiltinStep> all() {
        return List.of(pngSource(), threshold(), topK().global("the k rows with the highest scores, ties broken by row order"),
                sample(), pngSink().writes("folder"), csvSink().writes("file"));
    }

    static BuiltinStep pngSource() {
        return new BuiltinStep("png-source", "source",
                "grayscale images from a folder of PNG files (sorted by name) as float32[batch,1,h,w] in [0, 1]; all the same size",
                List.of(ParameterSpec.required("folder", ParameterType.PATH, "folder of .png files"),
                        ParameterSpec.optional("label", ParameterType.INTEGER, null, "label for every row")),
                0, 0, (p, folder) -> {
                    Path dir = p.getPath("folder");
                    List<Path> files = new ArrayList<>();
                    try (DirectoryStream<Path> list = Files.newDirectoryStream(dir, "*.png")) {
                        list.forEach(files::add);
                    } catch (IOException e) {
                        throw new GenpipeException("folder: " + dir + " cannot be listed (" + e.getMessage() + ")");
                    }
                    if (files.isEmpty()) {
                        throw new GenpipeException("folder: " + dir + " holds no .png files");
                    }
                    files.sort(null);
                    BufferedImage first = read(files.get(0));
                    int h = first.getHeight();
                    int w = first.getWidth();
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                            return List.of(PortSpec.of("image", DType.FLOAT32, "batch", 1, h, w));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            for (int from = 0; from < files.size(); from += context.batchSize()) {
                                int to = Math.min(files.size(), from + context.batchSize());
                                float[] pixels = new float[(to - from) * h * w];
                                List<RowMeta> meta = new ArrayList<>();
                                for (int i = from; i < to; i++) {
                                    BufferedImage img = read(files.get(i));
                                    if (img.getHeight() != h || img.getWidth() != w) {
                                        throw new GenpipeException(files.get(i) + " is " + img.getWidth() + "x" + img.getHeight()
                                                + "; the folder's images must all be " + w + "x" + h);
                                    }
                                    // gray PNGs are read from the raster: getRGB would convert linear gray to sRGB
                                    boolean gray = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
                                    for (int y = 0; y < h; y++) {
                                        for (int x = 0; x < w; x++) {
                                            int v;
                                            if (gray) {
                                                v = img.getRaster().getSample(x, y, 0);
                                            } else {
                                                int rgb = img.getRGB(x, y);
                                                v = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 3;
                                            }
                                            pixels[(i - from) * h * w + y * w + x] = v / 255f;
                                        }
                                    }
                                    RowMeta m = RowMeta.of(files.get(i).getFileName().toString()).withSource(dir.toString());
                                    meta.add(p.has("label") ? m.withLabel(p.getInt("label")) : m);
                                }
                                output.emit(Batch.builder(to - from).meta(meta)
                                        .column("image", BufferTensor.ofFloats(pixels, to - from, 1, h, w)).build());
                            }
                        }
                    };
                });
    }

    private static BufferedImage read(Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new GenpipeException(file + " is not a readable PNG");
            }
            return img;
        } catch (IOException e) {
            throw new GenpipeException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    static BuiltinStep threshold() {
        return new BuiltinStep("threshold", "transform", "keeps rows whose score is at most `max` and at least `min`",
                List.of(ParameterSpec.optional("min", ParameterType.NUMBER, null, "lowest score kept"),
                        ParameterSpec.optional("max", ParameterType.NUMBER, null, "highest score kept")),
                1, 1, (p, folder) -> {
                    if (!p.has("min") && !p.has("max")) {
                        throw new GenpipeException("threshold needs min:, max: or both");
                    }
                    double min = p.has("min") ? p.getDouble("min") : Double.NEGATIVE_INFINITY;
                    double max = p.has("max") ? p.getDouble("max") : Double.POSITIVE_INFINITY;
                    return new RowFilter(() -> (m, context) -> {
                        if (m.score() == null) {
                            throw new GenpipeException("row " + m.id() + " has no score; put a scorer step before threshold");
                        }
                        return m.score() >= min && m.score() <= max;
                    });
                });
    }

    static BuiltinStep sample() {
        return new BuiltinStep("sample", "transform",
                "keeps each row with probability `fraction`, drawn per row id from the run's seed (same seed, same rows)",
                List.of(ParameterSpec.required("fraction", ParameterType.NUMBER, "share of rows kept, in [0, 1]")),
                1, 1, (p, folder) -> {
                    double fraction = p.getDouble("fraction");
                    if (fraction < 0 || fraction > 1) {
                        throw new GenpipeException("fraction must be in [0, 1], got " + fraction);
                    }
                    return new RowFilter(() -> (m, context) -> context.random().fork(m.id()).nextDouble() < fraction);
                });
    }

    static BuiltinStep topK() {
        return new BuiltinStep("top-k", "transform",
                "the k rows with the highest scores, highest first (holds k rows while its input streams)",
                List.of(ParameterSpec.required("k", ParameterType.INTEGER, "rows kept")), 1, 1, (p, folder) -> {
                    int k = p.getInt("k");
                    if (k < 1) {
                        throw new GenpipeException("k must be >= 1, got " + k);
                    }
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                            // a min-heap of single-row batches: memory is k rows whatever the input size
                            PriorityQueue<Batch> best = new PriorityQueue<>((a, b) -> Double.compare(a.meta(0).score(),
                                    b.meta(0).score()));
                            try {
                                for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                    try (Batch b = next) {
                                        for (int r = 0; r < b.rows(); r++) {
                                            RowMeta m = b.meta(r);
                                            if (m.score() == null) {
                                                throw new GenpipeException("row " + m.id() + " has no score; put a scorer before top-k");
                                            }
                                            if (best.size() < k || m.score() > best.peek().meta(0).score()) {
                                                best.add(row(b, r));
                                                if (best.size() > k) {
                                                    best.poll().close();
                                                }
                                            }
                                        }
                                    }
                                }
                                List<Batch> ordered = new ArrayList<>();
                                while (!best.isEmpty()) {
                                    ordered.add(0, best.poll());
                                }
                                for (Batch row : ordered) {
                                    output.emit(row);
                                }
                            } finally {
                                best.forEach(Batch::close);
                            }
                        }
                    };
                });
    }

    private static Batch row(Batch b, int r) {
        Batch.Builder out = Batch.builder(1).meta(List.of(b.meta(r)));
        for (String name : b.columnNames()) {
            out.column(name, DatasetSteps.gather(b.column(name), List.of(r)));
        }
        return out.build();
    }

    static BuiltinStep pngSink() {
        return new BuiltinStep("png-sink", "sink", "one grayscale PNG per row in a folder of the output, named after the row id",
                List.of(ParameterSpec.optional("column", ParameterType.STRING, "image", "float32[batch,1,h,w] in [0, 1]"),
                        ParameterSpec.optional("folder", ParameterType.STRING, null, "sub-folder (default: the step id)")),
                1, 1, (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                        Columns.require(PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", 1, "height", "width"),
                                inputs.get(0), "input");
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Path dir = OutputPaths.resolve(context.outputFolder(), p.findString("folder").orElse(context.stepId()));
                        Files.createDirectories(dir);
                        for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                            try (Batch b = next) {
                                Tensor t = b.column(p.getString("column"));
                                int h = (int) t.shape()[2];
                                int w = (int) t.shape()[3];
                                float[] pixels = t.toFloatArray();
                                for (int r = 0; r < b.rows(); r++) {
                                    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
                                    for (int y = 0; y < h; y++) {
                                        for (int x = 0; x < w; x++) {
                                            float v = Math.min(1f, Math.max(0f, pixels[r * h * w + y * w + x]));
                                            img.getRaster().setSample(x, y, 0, Math.round(v * 255));
                                        }
                                    }
                                    String name = b.meta(r).id().replaceAll("[^A-Za-z0-9._#~-]", "_") + ".png";
                                    ImageIO.write(img, "png", dir.resolve(name).toFile());
                                }
                            }
                        }
                    }
                });
    }

    static BuiltinStep csvSink() {
        return new BuiltinStep("csv-sink", "sink", "a CSV with a header: id, label, source, score and every one-number-per-row column",
                List.of(ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.csv)")),
                1, 1, (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Path file = OutputPaths.resolve(context.outputFolder(), p.findString("file").orElse(context.stepId() + ".csv"));
                        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                            List<String> header = null;
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    List<String> scalars = new ArrayList<>();
                                    for (String name : b.columnNames()) {
                                        if (b.column(name).shape().length == 1) {
                                            scalars.add(name);
                                        }
                                    }
                                    if (header == null) {
                                        header = scalars;
                                        w.write("id,label,source,score");
                                        for (String s : scalars) {
                                            w.write("," + csv(s));
                                        }
                                        w.write("\n");
                                    }
                                    List<double[]> values = new ArrayList<>();
                                    for (String s : header) {
                                        values.add(BuiltinSteps.toDoublesOf(b.column(s)));
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        RowMeta m = b.meta(r);
                                        StringBuilder line = new StringBuilder(csv(m.id())).append(',')
                                                .append(m.label() == null ? "" : m.label()).append(',')
                                                .append(m.source() == null ? "" : csv(m.source())).append(',')
                                                .append(m.score() == null ? "" : m.score());
                                        for (double[] v : values) {
                                            line.append(',').append(v[r]);
                                        }
                                        w.write(line.append('\n').toString());
                                    }
                                }
                            }
                        }
                    }
                });
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
