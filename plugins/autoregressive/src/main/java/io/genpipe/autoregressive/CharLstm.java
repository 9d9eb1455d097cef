package io.genpipe.autoregressive;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import io.genpipe.api.text.CharVocabulary;
import io.genpipe.api.text.DecodeLoop;
import io.genpipe.api.text.TextRows;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The character LSTM graph (shipped or the user's): port check, scoring and step models. */
final class CharLstm {

    static final String SHIPPED = "io/genpipe/autoregressive/models/char-lstm.onnx";
    static final ParameterSpec MODEL = ParameterSpec.optional(
            "model",
            ParameterType.PATH,
            null,
            "your own character LSTM .onnx (tokens int64[batch,seq], h, c float32[layers,batch,hidden] -> logits"
                    + " float32[batch,seq,97], h_out, c_out)");
    static final CharVocabulary VOCABULARY = CharVocabulary.printableAscii();

    final Model model;
    final int layers;
    final int hidden;
    final int vocab;

    private CharLstm(Model model, int layers, int hidden) {
        this.model = model;
        this.layers = layers;
        this.hidden = hidden;
        this.vocab = VOCABULARY.size();
    }

    static CharLstm load(Parameters p, PluginContext context) {
        Model model = p.findPath("model").map(context::loadModel).orElseGet(() -> context.loadModel(SHIPPED));
        PortSpec h = model.inputs().stream()
                .filter(s -> s.name().equals("h"))
                .findFirst()
                .orElse(null);
        int layers = h != null && h.rank() == 3 && h.shape().get(0).isFixed()
                ? (int) h.shape().get(0).size()
                : -1;
        int hidden = h != null && h.rank() == 3 && h.shape().get(2).isFixed()
                ? (int) h.shape().get(2).size()
                : -1;
        Object l = layers > 0 ? layers : "layers";
        Object d = hidden > 0 ? hidden : "hidden";
        model.requirePorts(
                List.of(
                        PortSpec.of("tokens", DType.INT64, "batch", "seq"),
                        PortSpec.of("h", DType.FLOAT32, l, "batch", d),
                        PortSpec.of("c", DType.FLOAT32, l, "batch", d)),
                List.of(
                        PortSpec.of("logits", DType.FLOAT32, "batch", "seq", VOCABULARY.size()),
                        PortSpec.of("h_out", DType.FLOAT32, l, "batch", d),
                        PortSpec.of("c_out", DType.FLOAT32, l, "batch", d)));
        if (layers <= 0 || hidden <= 0) {
            throw new GenpipeException("model " + model.name()
                    + " does not fit: input 'h' needs fixed layers and hidden" + " sizes, found " + h);
        }
        return new CharLstm(model, layers, hidden);
    }

    /** Runs {@code ids} (rows of equal length) from the given state; the caller owns the outputs. */
    ModelOutputs run(long[] ids, int rows, Tensor h, Tensor c) {
        try (BufferTensor tokens = BufferTensor.ofLongs(ids, rows, ids.length / rows)) {
            return model.run(Map.of("tokens", tokens, "h", h, "c", c));
        }
    }

    BufferTensor zeros(int rows) {
        return BufferTensor.allocate(DType.FLOAT32, layers, rows, hidden);
    }

    /**
     * Natural-log likelihood of each text followed by end of text, read from end of text: the sum
     * over characters of log p(char | previous). {@code counts[r]} receives the number of
     * predicted symbols (characters + 1).
     */
    double[] logLikelihood(int[][] texts, int[] counts) {
        int rows = texts.length;
        int longest = 0;
        for (int[] t : texts) {
            longest = Math.max(longest, t.length + 1);
        }
        long[] ids = new long[rows * longest];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < texts[r].length; i++) {
                ids[r * longest + 1 + i] = texts[r][i];
            }
        }
        double[] ll = new double[rows];
        try (BufferTensor h = zeros(rows);
                BufferTensor c = zeros(rows);
                ModelOutputs out = run(ids, rows, h, c)) {
            float[] logits = out.get("logits").toFloatArray();
            for (int r = 0; r < rows; r++) {
                int n = texts[r].length + 1;
                counts[r] = n;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    int target = i < texts[r].length ? texts[r][i] : VOCABULARY.endOfText();
                    sum += TextRows.logProbability(logits, (r * longest + i) * vocab, vocab, target);
                }
                ll[r] = sum;
            }
        }
        return ll;
    }

    /** A step model that carries each row's (h, c) between steps as native tensors, never recomputing. */
    Carried carried() {
        return new Carried();
    }

    /** A step model that recomputes every row's whole prefix from a zero state at each step. */
    DecodeLoop.StepModel recomputed() {
        return new Recomputed();
    }

    /** State for the whole batch; {@link #close()} releases the native tensors. */
    final class Carried implements DecodeLoop.StepModel {
        private Tensor h;
        private Tensor c;
        private BufferTensor ids;

        @Override
        public float[] start(int[][] prompts) {
            int rows = prompts.length;
            float[] hs = new float[layers * rows * hidden];
            float[] cs = new float[layers * rows * hidden];
            float[] logits = new float[rows * vocab];
            for (int r = 0; r < rows; r++) {
                long[] ids = Arrays.stream(prompts[r]).asLongStream().toArray();
                try (BufferTensor h0 = zeros(1);
                        BufferTensor c0 = zeros(1);
                        ModelOutputs out = run(ids, 1, h0, c0)) {
                    float[] l = out.get("logits").toFloatArray();
                    System.arraycopy(l, l.length - vocab, logits, r * vocab, vocab);
                    float[] hr = out.get("h_out").toFloatArray();
                    float[] cr = out.get("c_out").toFloatArray();
                    for (int layer = 0; layer < layers; layer++) {
                        System.arraycopy(hr, layer * hidden, hs, (layer * rows + r) * hidden, hidden);
                        System.arraycopy(cr, layer * hidden, cs, (layer * rows + r) * hidden, hidden);
                    }
                }
            }
            close();
            h = BufferTensor.ofFloats(hs, layers, rows, hidden);
            c = BufferTensor.ofFloats(cs, layers, rows, hidden);
            ids = BufferTensor.allocate(DType.INT64, rows, 1);
            return logits;
        }

        /** Each row's state is its own (prompts are prefilled one at a time): rows may join at any step. */
        @Override
        public boolean joinable() {
            return true;
        }

        /** Prefills the new prompts (each alone, as {@link #start} does) and appends their states. */
        @Override
        public float[] join(int[][] prompts) {
            if (h == null) {
                return start(prompts);
            }
            int old = (int) h.shape()[1];
            float[] oldH = h.toFloatArray();
            float[] oldC = c.toFloatArray();
            float[] logits = start(prompts);
            int fresh = prompts.length;
            float[] newH = h.toFloatArray();
            float[] newC = c.toFloatArray();
            int rows = old + fresh;
            float[] hs = new float[layers * rows * hidden];
            float[] cs = new float[layers * rows * hidden];
            for (int layer = 0; layer < layers; layer++) {
                System.arraycopy(oldH, layer * old * hidden, hs, layer * rows * hidden, old * hidden);
                System.arraycopy(oldC, layer * old * hidden, cs, layer * rows * hidden, old * hidden);
                System.arraycopy(newH, layer * fresh * hidden, hs, (layer * rows + old) * hidden, fresh * hidden);
                System.arraycopy(newC, layer * fresh * hidden, cs, (layer * rows + old) * hidden, fresh * hidden);
            }
            close();
            h = BufferTensor.ofFloats(hs, layers, rows, hidden);
            c = BufferTensor.ofFloats(cs, layers, rows, hidden);
            ids = BufferTensor.allocate(DType.INT64, rows, 1);
            return logits;
        }

        @Override
        public void keep(int[] kept) {
            if (kept.length == 0) {
                close();
                return;
            }
            int old = (int) h.shape()[1];
            float[] oldH = h.toFloatArray();
            float[] oldC = c.toFloatArray();
            int rows = kept.length;
            float[] hs = new float[layers * rows * hidden];
            float[] cs = new float[layers * rows * hidden];
            for (int layer = 0; layer < layers; layer++) {
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(oldH, (layer * old + kept[i]) * hidden, hs, (layer * rows + i) * hidden, hidden);
                    System.arraycopy(oldC, (layer * old + kept[i]) * hidden, cs, (layer * rows + i) * hidden, hidden);
                }
            }
            close();
            h = BufferTensor.ofFloats(hs, layers, rows, hidden);
            c = BufferTensor.ofFloats(cs, layers, rows, hidden);
            ids = BufferTensor.allocate(DType.INT64, rows, 1);
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            for (int r = 0; r < tokens.length; r++) {
                ids.longBuffer().put(r, tokens[r]);
            }
            try (ModelOutputs out = model.run(Map.of("tokens", ids, "h", h, "c", c))) {
                Tensor nh = out.take("h_out");
                Tensor nc = out.take("c_out");
                h.close();
                c.close();
                h = nh;
                c = nc;
                return out.get("logits").toFloatArray();
            }
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {h, c, ids}) {
                if (t != null) {
                    t.close();
                }
            }
            h = null;
            c = null;
            ids = null;
        }
    }

    private final class Recomputed implements DecodeLoop.StepModel {
        private int[][] sequences;

        @Override
        public float[] start(int[][] prompts) {
            sequences = prompts.clone();
            return lastLogits(new boolean[prompts.length], true);
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            for (int r = 0; r < tokens.length; r++) {
                if (active[r]) {
                    sequences[r] = Arrays.copyOf(sequences[r], sequences[r].length + 1);
                    sequences[r][sequences[r].length - 1] = tokens[r];
                }
            }
            return lastLogits(active, false);
        }

        private float[] lastLogits(boolean[] active, boolean all) {
            float[] logits = new float[sequences.length * vocab];
            for (int r = 0; r < sequences.length; r++) {
                if (!all && !active[r]) {
                    continue;
                }
                long[] ids = Arrays.stream(sequences[r]).asLongStream().toArray();
                try (BufferTensor h0 = zeros(1);
                        BufferTensor c0 = zeros(1);
                        ModelOutputs out = run(ids, 1, h0, c0)) {
                    float[] l = out.get("logits").toFloatArray();
                    System.arraycopy(l, l.length - vocab, logits, r * vocab, vocab);
                }
            }
            return logits;
        }
    }
}
