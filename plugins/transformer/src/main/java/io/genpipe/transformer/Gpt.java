package io.genpipe.transformer;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The GPT's two graphs (shipped or the user's), their port check, and the runs every component needs. */
final class Gpt {

    static final String PREFILL = "io/genpipe/transformer/models/gpt-prefill.onnx";
    static final String DECODE = "io/genpipe/transformer/models/gpt-decode.onnx";
    static final CharVocabulary VOCABULARY = CharVocabulary.printableAscii();
    static final List<ParameterSpec> MODEL_PARAMETERS = List.of(
            ParameterSpec.optional(
                    "prefill",
                    ParameterType.PATH,
                    null,
                    "your own full-sequence graph .onnx (input_ids, attention_mask -> logits, hidden, present_key_i, present_value_i)"),
            ParameterSpec.optional(
                    "decode",
                    ParameterType.PATH,
                    null,
                    "your own single-step graph .onnx (input_ids, attention_mask, past_key_i, past_value_i -> logits, present_*)"));

    final Model prefill;
    final Model decode;
    final int layers;
    final int heads;
    final int headDim;
    final int dim;
    final int vocab = VOCABULARY.size();

    private Gpt(Model prefill, Model decode, int layers, int heads, int headDim, int dim) {
        this.prefill = prefill;
        this.decode = decode;
        this.layers = layers;
        this.heads = heads;
        this.headDim = headDim;
        this.dim = dim;
    }

    static Gpt load(Parameters p, PluginContext context) {
        Model prefill = p.findPath("prefill").map(context::loadModel).orElseGet(() -> context.loadModel(PREFILL));
        Model decode = p.findPath("decode").map(context::loadModel).orElseGet(() -> context.loadModel(DECODE));
        int layers = 0;
        while (has(prefill.outputs(), "present_key_" + layers)) {
            layers++;
        }
        PortSpec key = layers > 0 ? find(prefill.outputs(), "present_key_0") : null;
        PortSpec hidden = find(prefill.outputs(), "hidden");
        if (layers == 0
                || key.rank() != 4
                || !key.shape().get(1).isFixed()
                || !key.shape().get(3).isFixed()
                || hidden == null
                || hidden.rank() != 3
                || !hidden.shape().get(2).isFixed()) {
            throw new GenpipeException("model " + prefill.name() + " does not fit: a GPT prefill graph needs outputs"
                    + " present_key_0.. float32[batch,heads,seq,head_dim] with fixed heads and head_dim, and hidden"
                    + " float32[batch,seq,dim]; its outputs are " + prefill.outputs());
        }
        int heads = (int) key.shape().get(1).size();
        int headDim = (int) key.shape().get(3).size();
        int dim = (int) hidden.shape().get(2).size();
        List<PortSpec> prefillOut = new ArrayList<>(List.of(
                PortSpec.of("logits", DType.FLOAT32, "batch", "seq", VOCABULARY.size()),
                PortSpec.of("hidden", DType.FLOAT32, "batch", "seq", dim)));
        List<PortSpec> decodeIn = new ArrayList<>(List.of(
                PortSpec.of("input_ids", DType.INT64, "batch", 1),
                PortSpec.of("attention_mask", DType.INT64, "batch", "total")));
        List<PortSpec> decodeOut =
                new ArrayList<>(List.of(PortSpec.of("logits", DType.FLOAT32, "batch", 1, VOCABULARY.size())));
        for (int i = 0; i < layers; i++) {
            for (String kind : new String[] {"key", "value"}) {
                prefillOut.add(PortSpec.of("present_" + kind + "_" + i, DType.FLOAT32, "batch", heads, "seq", headDim));
                decodeIn.add(PortSpec.of("past_" + kind + "_" + i, DType.FLOAT32, "batch", heads, "past", headDim));
                decodeOut.add(
                        PortSpec.of("present_" + kind + "_" + i, DType.FLOAT32, "batch", heads, "total", headDim));
            }
        }
        prefill.requirePorts(
                List.of(
                        PortSpec.of("input_ids", DType.INT64, "batch", "seq"),
                        PortSpec.of("attention_mask", DType.INT64, "batch", "seq")),
                prefillOut);
        decode.requirePorts(decodeIn, decodeOut);
        return new Gpt(prefill, decode, layers, heads, headDim, dim);
    }

    private static boolean has(List<PortSpec> ports, String name) {
        return find(ports, name) != null;
    }

    private static PortSpec find(List<PortSpec> ports, String name) {
        for (PortSpec p : ports) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Sequences left-padded to one length: ids (pad = end of text) and mask (0 on padding). */
    record Padded(long[] ids, long[] mask, int rows, int length) {
        static Padded of(int[][] sequences) {
            return of(sequences, 1);
        }

        /**
         * Left-padded to a length that is a multiple of {@code align}: a row's tokens then sit at the same offsets
         * modulo {@code align} however much padding a batch gives it, so vectorised sums over positions (the
         * softmax's) add the same numbers in the same lanes, and a row's numbers do not depend on its batch.
         */
        static Padded of(int[][] sequences, int align) {
            int length = 0;
            for (int[] s : sequences) {
                length = Math.max(length, s.length);
            }
            length = (length + align - 1) / align * align;
            int rows = sequences.length;
            long[] ids = new long[rows * length];
            long[] mask = new long[rows * length];
            for (int r = 0; r < rows; r++) {
                int pad = length - sequences[r].length;
                for (int i = 0; i < sequences[r].length; i++) {
                    ids[r * length + pad + i] = sequences[r][i];
                    mask[r * length + pad + i] = 1;
                }
            }
            return new Padded(ids, mask, rows, length);
        }

        int pad(int row, int[][] sequences) {
            return length - sequences[row].length;
        }
    }

    /** Runs the prefill graph on left-padded sequences; the caller owns the outputs. */
    ModelOutputs runPrefill(Padded p) {
        try (BufferTensor ids = BufferTensor.ofLongs(p.ids(), p.rows(), p.length());
                BufferTensor mask = BufferTensor.ofLongs(p.mask(), p.rows(), p.length())) {
            return prefill.run(Map.of("input_ids", ids, "attention_mask", mask));
        }
    }

    /** Logits at each row's last position, float[rows * vocab]. */
    float[] lastLogits(ModelOutputs out, Padded p) {
        float[] all = out.get("logits").toFloatArray();
        float[] last = new float[p.rows() * vocab];
        for (int r = 0; r < p.rows(); r++) {
            System.arraycopy(all, ((r + 1) * p.length() - 1) * vocab, last, r * vocab, vocab);
        }
        return last;
    }

    /**
     * Decoding with the KV cache kept native between steps: each step's present tensors are taken
     * from its outputs and fed as the next step's past. The token ids go in through one reused
     * buffer. The logits are read from the run's outputs: writing them into a preallocated buffer
     * ({@code Model.run(inputs, into)}) measured slower with ONNX Runtime 1.29 (docs/BENCHMARKS.md).
     */
    /**
     * The cached decoder's alignment of positions: rows are left-padded by multiples of it, and join a running
     * batch only when its length is a multiple of it (see {@link Padded#of(int[][], int)}).
     */
    static final int ALIGN = 16;

    final class Cached implements DecodeLoop.StepModel {
        private final Tensor[] cache = new Tensor[2 * layers];
        private long[] mask;
        private int rows;
        private int total;
        private BufferTensor ids;

        @Override
        public float[] start(int[][] prompts) {
            Padded p = Padded.of(prompts, ALIGN);
            rows = p.rows();
            total = p.length();
            mask = p.mask();
            close();
            try (ModelOutputs out = runPrefill(p)) {
                for (int i = 0; i < layers; i++) {
                    cache[2 * i] = out.take("present_key_" + i);
                    cache[2 * i + 1] = out.take("present_value_" + i);
                }
                ids = BufferTensor.allocate(DType.INT64, rows, 1);
                return lastLogits(out, p);
            }
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            long[] grown = new long[rows * (total + 1)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(mask, r * total, grown, r * (total + 1), total);
                grown[r * (total + 1) + total] = 1;
            }
            mask = grown;
            total++;
            for (int r = 0; r < rows; r++) {
                ids.longBuffer().put(r, tokens[r]);
            }
            Map<String, Tensor> in = new HashMap<>();
            in.put("input_ids", ids);
            try (BufferTensor m = BufferTensor.ofLongs(mask, rows, total)) {
                in.put("attention_mask", m);
                for (int i = 0; i < layers; i++) {
                    in.put("past_key_" + i, cache[2 * i]);
                    in.put("past_value_" + i, cache[2 * i + 1]);
                }
                try (ModelOutputs out = decode.run(in)) {
                    for (int i = 0; i < layers; i++) {
                        Tensor k = out.take("present_key_" + i);
                        Tensor v = out.take("present_value_" + i);
                        cache[2 * i].close();
                        cache[2 * i + 1].close();
                        cache[2 * i] = k;
                        cache[2 * i + 1] = v;
                    }
                    return out.get("logits").toFloatArray();
                }
            }
        }

        @Override
        public boolean joinable() {
            return true;
        }

        /**
         * Rows join when the batch's length is a multiple of {@link #ALIGN}: every row then stays padded by a
         * multiple of it, as it is alone.
         */
        @Override
        public boolean canJoin() {
            return rows == 0 || total % ALIGN == 0;
        }

        /**
         * Prefills the new prompts on their own, then merges their caches with the running rows': both
         * left-padded (zeros, masked out) to the longer past, stacked along the batch.
         */
        @Override
        public float[] join(int[][] prompts) {
            if (rows == 0) {
                return start(prompts);
            }
            if (total % ALIGN != 0) {
                throw new IllegalStateException("rows join when the batch's length is a multiple of " + ALIGN);
            }
            Padded p = Padded.of(prompts, ALIGN);
            float[][] fresh = new float[cache.length][];
            long[] freshShape;
            float[] logits;
            try (ModelOutputs out = runPrefill(p)) {
                freshShape = out.get("present_key_0").shape();
                for (int i = 0; i < layers; i++) {
                    fresh[2 * i] = out.get("present_key_" + i).toFloatArray();
                    fresh[2 * i + 1] = out.get("present_value_" + i).toFloatArray();
                }
                logits = lastLogits(out, p);
            }
            int n = p.rows();
            int length = Math.max(total, p.length());
            int h = (int) freshShape[1];
            int d = (int) freshShape[3];
            for (int j = 0; j < cache.length; j++) {
                float[] merged = new float[(rows + n) * h * length * d];
                place(cache[j].toFloatArray(), 0, rows, total, merged, length, h, d);
                place(fresh[j], rows, n, p.length(), merged, length, h, d);
                cache[j].close();
                cache[j] = BufferTensor.ofFloats(merged, rows + n, h, length, d);
            }
            long[] grown = new long[(rows + n) * length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(mask, r * total, grown, r * length + length - total, total);
            }
            for (int r = 0; r < n; r++) {
                System.arraycopy(
                        p.mask(), r * p.length(), grown, (rows + r) * length + length - p.length(), p.length());
            }
            mask = grown;
            rows += n;
            total = length;
            ids.close();
            ids = BufferTensor.allocate(DType.INT64, rows, 1);
            return logits;
        }

        /** Copies {@code count} rows of a [count, h, past, d] cache into rows from {@code at} of [*, h, length, d], left-padded. */
        private static void place(float[] from, int at, int count, int past, float[] into, int length, int h, int d) {
            for (int r = 0; r < count; r++) {
                for (int k = 0; k < h; k++) {
                    System.arraycopy(
                            from,
                            ((r * h + k) * past) * d,
                            into,
                            (((at + r) * h + k) * length + length - past) * d,
                            past * d);
                }
            }
        }

        /** Keeps the rows given; positions every kept row has masked out (leading padding) are dropped. */
        @Override
        public void keep(int[] kept) {
            int n = kept.length;
            if (n == 0) {
                close();
                rows = 0;
                total = 0;
                mask = new long[0];
                return;
            }
            int drop = total;
            for (int r : kept) {
                int first = 0;
                while (first < total && mask[r * total + first] == 0) {
                    first++;
                }
                drop = Math.min(drop, first);
            }
            drop = drop / ALIGN * ALIGN; // whole blocks only: every row keeps its alignment
            int length = total - drop;
            for (int j = 0; j < cache.length; j++) {
                long[] shape = cache[j].shape();
                int h = (int) shape[1];
                int d = (int) shape[3];
                float[] all = cache[j].toFloatArray();
                float[] out = new float[n * h * length * d];
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < h; k++) {
                        System.arraycopy(
                                all,
                                ((kept[i] * h + k) * total + drop) * d,
                                out,
                                ((i * h + k) * length) * d,
                                length * d);
                    }
                }
                cache[j].close();
                cache[j] = BufferTensor.ofFloats(out, n, h, length, d);
            }
            long[] m = new long[n * length];
            for (int i = 0; i < n; i++) {
                System.arraycopy(mask, kept[i] * total + drop, m, i * length, length);
            }
            mask = m;
            rows = n;
            total = length;
            ids.close();
            ids = BufferTensor.allocate(DType.INT64, rows, 1);
        }

        @Override
        public void close() {
            for (int i = 0; i < cache.length; i++) {
                if (cache[i] != null) {
                    cache[i].close();
                    cache[i] = null;
                }
            }
            if (ids != null) {
                ids.close();
                ids = null;
            }
        }
    }

    /** Decoding without a cache: the whole (left-padded) batch is rerun through prefill at every step. */
    final class Uncached implements DecodeLoop.StepModel {
        private int[][] sequences;

        @Override
        public float[] start(int[][] prompts) {
            sequences = prompts.clone();
            return run();
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            for (int r = 0; r < tokens.length; r++) {
                int[] s = Arrays.copyOf(sequences[r], sequences[r].length + 1);
                s[s.length - 1] = tokens[r];
                sequences[r] = s;
            }
            return run();
        }

        private float[] run() {
            Padded p = Padded.of(sequences);
            try (ModelOutputs out = runPrefill(p)) {
                return lastLogits(out, p);
            }
        }
    }
}
