package io.genpipe.wavenet;

import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.TextRows;
import io.genpipe.api.text.TokenSampler;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Audio continuation with the WaveNet, one sample at a time. Each row's prompt is the first
 * {@code promptSamples} of its {@code audio} column (up to its {@code length}); with
 * {@code promptSamples: 0}, or a row of length 0, it starts from one silent sample. The prompt is
 * fed through the model, then {@code samples} new samples are drawn through the shared token
 * sampler chain ({@code sampling}, {@code temperature}, {@code topK}, {@code topP}), one uniform
 * per sample from the row's own random source, so a row's audio does not depend on its neighbours
 * or the batch size.
 *
 * <p>{@code state: cache} (default) runs the one-sample step graph, its queues (one per stack) kept as
 * native tensors from one step to the next (each step's outputs become the next step's inputs and
 * the previous ones are closed): O(layers) work per sample. {@code state: recompute} reruns the full
 * graph over the last receptive field (511 samples) for every sample, for comparison.
 *
 * <p>Result rows: {@code audio} float32[batch, max(1, promptSamples) + samples] (prompt, then the
 * continuation, then zero padding) and {@code length} int64[batch], and a tag {@code promptSamples}.
 */
final class WaveNetGenerator implements Generator {

    static final String NAME = "wavenet-generator";

    private final WaveNet.StepGraph step;
    private final Model full;
    private final int receptiveField;
    private final TokenSampler sampler;
    private final int promptSamples;
    private final int samples;
    private final int width;

    private WaveNetGenerator(WaveNet.StepGraph step, Model full, TokenSampler sampler, int promptSamples, int samples) {
        this.step = step;
        this.full = full;
        this.receptiveField = full == null ? 0 : Math.max(1, WaveNet.receptiveField(full));
        this.sampler = sampler;
        this.promptSamples = promptSamples;
        this.samples = samples;
        this.width = Math.max(1, promptSamples) + samples;
    }

    /** With a prompt, the rows must bring {@code audio} (checked when a pipeline is validated); {@code length} is optional. */
    @Override
    public List<PortSpec> inputs() {
        return promptSamples > 0 ? List.of(WaveNet.AUDIO) : List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("audio", DType.FLOAT32, "batch", width), WaveNet.LENGTH);
    }

    @Override
    public Batch generate(Batch conditions, RandomSource random) {
        int rows = conditions.rows();
        int[][] history = new int[rows][width];
        int[] prompt = new int[rows];
        prompts(conditions, history, prompt);
        RandomSource[] randoms = TextRows.randoms(conditions, random);
        int[] total = new int[rows];
        int longest = 0;
        for (int r = 0; r < rows; r++) {
            total[r] = prompt[r] + samples;
            longest = Math.max(longest, total[r]);
        }
        Choice choice = (t, logits) -> {
            for (int r = 0; r < rows; r++) {
                int next = t + 1;
                if (next < prompt[r]) {
                    continue; // teacher-forced: already the prompt's
                }
                history[r][next] = next < total[r]
                        ? sampler.next(logits, r * MuLaw.CLASSES, MuLaw.CLASSES, history[r], next, randoms[r])
                        : MuLaw.SILENCE;
            }
        };
        if (step != null) {
            cached(history, longest, choice);
        } else {
            recomputed(history, longest, choice);
        }
        float[] audio = new float[rows * width];
        long[] length = new long[rows];
        List<RowMeta> meta = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < total[r]; t++) {
                audio[r * width + t] = MuLaw.decode(history[r][t]);
            }
            length[r] = total[r];
            RowMeta m = conditions.meta(r);
            Map<String, String> tags = new HashMap<>(m.tags());
            tags.put("promptSamples", Integer.toString(prompt[r]));
            meta.add(new RowMeta(m.id(), m.label(), m.source(), m.score(), tags));
        }
        return Batch.builder(rows)
                .meta(meta)
                .column("audio", BufferTensor.ofFloats(audio, rows, width))
                .column("length", BufferTensor.ofLongs(length, rows))
                .build();
    }

    /** Fills each row's prompt classes into {@code history} and its prompt length into {@code prompt}. */
    private void prompts(Batch conditions, int[][] history, int[] prompt) {
        int rows = conditions.rows();
        if (promptSamples > 0 && !conditions.hasColumn("audio")) {
            throw new GenpipeException("promptSamples: " + promptSamples + " reads the prompt from an audio column"
                    + " (float32[batch,samples], e.g. from wav-source), and the input rows have none (columns: "
                    + conditions.columnNames() + "); set promptSamples: 0 to start from silence");
        }
        if (promptSamples > 0) {
            Tensor audio = conditions.column("audio");
            if (audio.dtype() != DType.FLOAT32 || audio.shape().length != 2) {
                throw new GenpipeException("the audio column must be float32[batch,samples], found " + audio.dtype()
                        + " " + Arrays.toString(audio.shape()));
            }
            int in = (int) audio.shape()[1];
            float[] x = audio.toFloatArray();
            long[] length = WaveNet.lengths(conditions, in);
            for (int r = 0; r < rows; r++) {
                prompt[r] = (int) Math.min(promptSamples, length[r]);
                for (int t = 0; t < prompt[r]; t++) {
                    history[r][t] = MuLaw.encode(x[r * in + t]);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            if (prompt[r] == 0) {
                history[r][0] = MuLaw.SILENCE;
                prompt[r] = 1;
            }
        }
    }

    /** What becomes of position t + 1 of every row, given the logits at t (float[rows * 256]). */
    interface Choice {
        void next(int t, float[] logits);
    }

    /**
     * Walks positions 0 .. longest - 2 through the step graph. The layer queues start as zeros
     * (Java tensors) and are native from the first step on: each step's {@code state_out_i} is
     * taken from its outputs (this method owns it from then) and fed to the next step, and the
     * previous queue is closed; whatever is held when the walk ends or fails is closed in finally.
     */
    void cached(int[][] history, int longest, Choice choice) {
        int rows = history.length;
        List<WaveNet.State> states = step.states();
        Tensor[] state = new Tensor[states.size()];
        float[] logits = new float[rows * MuLaw.CLASSES];
        try (BufferTensor token = BufferTensor.allocate(DType.INT64, rows, 1);
                BufferTensor out = BufferTensor.allocate(DType.FLOAT32, rows, MuLaw.CLASSES)) {
            for (int i = 0; i < state.length; i++) {
                long[] dims = states.get(i).dims();
                long[] shape = new long[dims.length + 1];
                shape[0] = rows;
                System.arraycopy(dims, 0, shape, 1, dims.length);
                state[i] = BufferTensor.allocate(DType.FLOAT32, shape);
            }
            LongBuffer tb = token.longBuffer();
            Map<String, Tensor> inputs = new HashMap<>();
            inputs.put("token", token);
            Map<String, BufferTensor> into = Map.of("logits", out);
            for (int t = 0; t + 1 < longest; t++) {
                for (int r = 0; r < rows; r++) {
                    tb.put(r, history[r][t]);
                }
                for (int i = 0; i < state.length; i++) {
                    inputs.put(states.get(i).in(), state[i]);
                }
                try (ModelOutputs o = step.model().run(inputs, into)) {
                    for (int i = 0; i < state.length; i++) {
                        Tensor next = o.take(states.get(i).out());
                        state[i].close();
                        state[i] = next;
                    }
                }
                out.floatBuffer().get(0, logits);
                choice.next(t, logits);
            }
        } finally {
            for (Tensor s : state) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** Walks positions 0 .. longest - 2 by rerunning the full graph over the last receptive field. */
    void recomputed(int[][] history, int longest, Choice choice) {
        int rows = history.length;
        float[] last = new float[rows * MuLaw.CLASSES];
        BufferTensor window = null;
        BufferTensor logits = null;
        try {
            for (int t = 0; t + 1 < longest; t++) {
                int from = Math.max(0, t - receptiveField + 1);
                int n = t - from + 1;
                if (window == null || window.shape()[1] != n) {
                    if (window != null) {
                        window.close();
                        logits.close();
                    }
                    window = BufferTensor.allocate(DType.INT64, rows, n);
                    logits = BufferTensor.allocate(DType.FLOAT32, rows, n, MuLaw.CLASSES);
                }
                LongBuffer w = window.longBuffer();
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < n; k++) {
                        w.put(r * n + k, history[r][from + k]);
                    }
                }
                full.runInto(Map.of("tokens", window), Map.of("logits", logits));
                for (int r = 0; r < rows; r++) {
                    logits.floatBuffer().get((r * n + n - 1) * MuLaw.CLASSES, last, r * MuLaw.CLASSES, MuLaw.CLASSES);
                }
                choice.next(t, last);
            }
        } finally {
            if (window != null) {
                window.close();
                logits.close();
            }
        }
    }

    static GeneratorFactory factory() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(WaveNet.MODEL);
        params.add(WaveNet.STEP_MODEL);
        for (ParameterSpec s : TokenSampler.PARAMETERS) {
            if (!s.name().equals("repetitionPenalty")) { // a penalty on classes already heard has no meaning for audio
                params.add(s);
            }
        }
        params.add(ParameterSpec.optional(
                        "samples", ParameterType.INTEGER, "4000", "new samples per row (8000 = one second)")
                .range(1, 480_000));
        params.add(ParameterSpec.optional(
                        "promptSamples",
                        ParameterType.INTEGER,
                        "800",
                        "prompt length, from each row's audio column (0: start from silence)")
                .range(0, 480_000));
        params.add(ParameterSpec.choice(
                "state",
                "cache",
                "cache (default: the one-sample step graph with the layer queues kept"
                        + " native between steps) or recompute (the full graph over the last receptive field per sample, for comparison)",
                "cache",
                "recompute"));
        return GeneratorFactory.of(
                NAME,
                "speech audio continued sample by sample by the WaveNet (8 kHz, 8-bit mu-law),"
                        + " through the token sampler chain",
                params,
                (p, context) -> {
                    TokenSampler sampler = sampler(p);
                    boolean cached = p.getString("state").equals("cache");
                    Model full = !cached || p.findPath("model").isPresent() ? WaveNet.full(p, context) : null;
                    WaveNet.StepGraph step = cached ? WaveNet.step(p, context, full) : null;
                    return new WaveNetGenerator(
                            step, cached ? null : full, sampler, p.getInt("promptSamples"), p.getInt("samples"));
                });
    }

    private static TokenSampler sampler(Parameters p) {
        double t = p.getDouble("temperature");
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new InvalidParameterException("temperature", "temperature must be a number > 0, found " + t);
        }
        return TokenSampler.builder()
                .greedy(p.getString("sampling").equals("greedy"))
                .temperature(t)
                .topK(p.getInt("topK"))
                .topP(p.getDouble("topP"))
                .build();
    }
}
