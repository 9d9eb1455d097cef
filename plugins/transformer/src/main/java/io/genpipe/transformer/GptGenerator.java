package io.genpipe.transformer;

import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.DecodeLoop;
import io.genpipe.api.text.TextRows;
import io.genpipe.api.text.TokenGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt &rarr; text with the GPT, every row of a batch decoded together (left-padded to the longest
 * prompt), through the shared token sampler chain. With {@code cache: true} (the default) each step
 * feeds one token per row and the previous keys and values; {@code cache: false} reruns the whole
 * sequence every step (for comparison). Result rows as {@link TextRows#generated}.
 */
final class GptGenerator extends TokenGenerator {

    private final Gpt gpt;
    private final boolean cache;

    private GptGenerator(Gpt gpt, Parameters p) {
        super("gpt-generator", Gpt.VOCABULARY, p);
        this.gpt = gpt;
        this.cache = p.getBoolean("cache");
    }

    @Override
    protected DecodeLoop.StepModel stepModel() {
        return cache ? gpt.new Cached() : gpt.new Uncached();
    }

    static GeneratorFactory factory() {
        List<ParameterSpec> params = new ArrayList<>(Gpt.MODEL_PARAMETERS);
        params.addAll(TokenGenerator.parameters());
        params.add(ParameterSpec.optional(
                "cache",
                ParameterType.BOOLEAN,
                "true",
                "keep keys and values between steps (false: rerun the whole sequence each step)"));
        return GeneratorFactory.of(
                "gpt-generator",
                "prompt -> text with the tiny GPT (fortunes), KV-cached, through the token" + " sampler chain",
                params,
                (p, context) -> new GptGenerator(Gpt.load(p, context), p));
    }
}
