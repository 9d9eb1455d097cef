package io.genpipe.transformer;

import io.genpipe.api.Encoder;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.text.TextRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sentence embeddings: each row's text (end of text first, at most {@code maxTokens} tokens) runs
 * through the prefill graph; the final hidden states are averaged over the text's positions and
 * scaled to unit L2 length. Output column {@code embedding} float32[batch, D].
 */
final class GptEncoder implements Encoder {

    private static final int ROWS_PER_RUN = 16;

    private final Gpt gpt;
    private final int maxTokens;

    private GptEncoder(Gpt gpt, int maxTokens) {
        this.gpt = gpt;
        this.maxTokens = maxTokens;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("embedding", DType.FLOAT32, "batch", gpt.dim));
    }

    @Override
    public Batch encode(Batch samples) {
        int rows = samples.rows();
        int[][] ids = TextRows.prompts(samples, TextRows.texts(samples, null, "gpt-encoder"), Gpt.VOCABULARY);
        float[] out = new float[rows * gpt.dim];
        for (int from = 0; from < rows; from += ROWS_PER_RUN) {
            int n = Math.min(ROWS_PER_RUN, rows - from);
            int[][] chunk = new int[n][];
            for (int i = 0; i < n; i++) {
                chunk[i] = ids[from + i].length > maxTokens ? Arrays.copyOf(ids[from + i], maxTokens) : ids[from + i];
            }
            Gpt.Padded p = Gpt.Padded.of(chunk);
            try (ModelOutputs o = gpt.runPrefill(p)) {
                float[] hidden = o.get("hidden").toFloatArray();
                for (int i = 0; i < n; i++) {
                    int pad = p.pad(i, chunk);
                    double[] sum = new double[gpt.dim];
                    for (int t = pad; t < p.length(); t++) {
                        int base = (i * p.length() + t) * gpt.dim;
                        for (int d = 0; d < gpt.dim; d++) {
                            sum[d] += hidden[base + d];
                        }
                    }
                    double norm = 0;
                    for (int d = 0; d < gpt.dim; d++) {
                        sum[d] /= chunk[i].length;
                        norm += sum[d] * sum[d];
                    }
                    norm = Math.sqrt(norm);
                    for (int d = 0; d < gpt.dim; d++) {
                        out[(from + i) * gpt.dim + d] = (float) (sum[d] / norm);
                    }
                }
            }
        }
        return Batch.builder(rows)
                .meta(samples.meta())
                .column("embedding", BufferTensor.ofFloats(out, rows, gpt.dim))
                .build();
    }

    static EncoderFactory factory() {
        List<ParameterSpec> params = new ArrayList<>(Gpt.MODEL_PARAMETERS);
        params.add(ParameterSpec.optional(
                "maxTokens",
                ParameterType.INTEGER,
                "256",
                "texts longer than this many tokens (end of text included) are cut to their beginning"));
        return EncoderFactory.of(
                "gpt-encoder",
                "sentence embeddings: the GPT's final hidden states, mean-pooled, L2-normalised",
                params,
                (p, context) -> {
                    int max = p.getInt("maxTokens");
                    if (max < 2) {
                        throw new InvalidParameterException("maxTokens", "maxTokens must be at least 2, found " + max);
                    }
                    return new GptEncoder(Gpt.load(p, context), max);
                });
    }
}
