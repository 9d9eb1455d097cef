package io.genpipe.autoregressive;

import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.DecodeLoop;
import io.genpipe.api.text.TokenGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt &rarr; text with the character LSTM. Each row's prompt is its {@code text} tag (or the
 * {@code prompt} parameter); the result row carries tags {@code prompt}, {@code completion},
 * {@code text} (prompt + completion, what a scorer reads) and {@code finish}, and a column
 * {@code tokens} with the number of generated characters.
 */
final class CharLstmGenerator extends TokenGenerator {

    private final CharLstm lstm;
    private final boolean carryState;

    private CharLstmGenerator(CharLstm lstm, Parameters p) {
        super("char-lstm-generator", CharLstm.VOCABULARY, p);
        this.lstm = lstm;
        this.carryState = p.getString("state").equals("carry");
    }

    @Override
    protected DecodeLoop.StepModel stepModel() {
        return carryState ? lstm.carried() : lstm.recomputed();
    }

    static GeneratorFactory factory() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(CharLstm.MODEL);
        params.addAll(TokenGenerator.parameters());
        params.add(ParameterSpec.choice(
                "state",
                "carry",
                "carry: feed one character and the previous LSTM state per step; recompute: rerun the whole prefix"
                        + " each step (for comparison)",
                "carry",
                "recompute"));
        return GeneratorFactory.of(
                "char-lstm-generator",
                "prompt -> text with the character LSTM (fortunes), through the token sampler chain",
                params,
                (p, context) -> new CharLstmGenerator(CharLstm.load(p, context), p));
    }
}
