package io.genpipe.autoregressive;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.DecodeLoop;
import io.genpipe.api.text.Generation;
import io.genpipe.api.text.StopRule;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.api.text.TextRows;
import io.genpipe.api.text.TokenListener;
import io.genpipe.api.text.TokenSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt &rarr; text with the character LSTM. Each row's prompt is its {@code text} tag (or the
 * {@code prompt} parameter); the result row carries tags {@code prompt}, {@code completion},
 * {@code text} (prompt + completion, what a scorer reads) and {@code finish}, and a column
 * {@code tokens} with the number of generated characters.
 */
final class CharLstmGenerator implements TextGenerator {

    private final CharLstm lstm;
    private final TokenSampler sampler;
    private final StopRule stop;
    private final String defaultPrompt;
    private final boolean carryState;

    private CharLstmGenerator(CharLstm lstm, TokenSampler sampler, StopRule stop, String defaultPrompt, boolean carryState) {
        this.lstm = lstm;
        this.sampler = sampler;
        this.stop = stop;
        this.defaultPrompt = defaultPrompt;
        this.carryState = carryState;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("tokens", DType.INT64, "batch"));
    }

    @Override
    public Batch generate(Batch conditions, RandomSource random, TokenListener listener) {
        String[] prompts = TextRows.texts(conditions, defaultPrompt, "char-lstm-generator");
        int[][] ids = TextRows.prompts(conditions, prompts, CharLstm.VOCABULARY);
        RandomSource[] randoms = TextRows.randoms(conditions, random);
        List<Generation> out;
        if (carryState) {
            try (CharLstm.Carried model = lstm.carried()) {
                out = DecodeLoop.run(ids, model, CharLstm.VOCABULARY, sampler, stop, randoms, listener);
            }
        } else {
            out = DecodeLoop.run(ids, lstm.recomputed(), CharLstm.VOCABULARY, sampler, stop, randoms, listener);
        }
        return TextRows.generated(conditions, prompts, out);
    }

    static GeneratorFactory factory() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(CharLstm.MODEL);
        params.add(ParameterSpec.optional("prompt", ParameterType.STRING, "", "prompt for rows without a text tag"));
        params.addAll(TokenSampler.PARAMETERS);
        params.addAll(StopRule.PARAMETERS);
        params.add(ParameterSpec.choice("state", "carry",
                "carry: feed one character and the previous LSTM state per step; recompute: rerun the whole prefix"
                        + " each step (for comparison)", "carry", "recompute"));
        return GeneratorFactory.of("char-lstm-generator",
                "prompt -> text with the character LSTM (fortunes), through the token sampler chain",
                params, (p, context) -> new CharLstmGenerator(CharLstm.load(p, context), TokenSampler.fromParameters(p),
                        StopRule.fromParameters(p), p.getString("prompt"), p.getString("state").equals("carry")));
    }
}
