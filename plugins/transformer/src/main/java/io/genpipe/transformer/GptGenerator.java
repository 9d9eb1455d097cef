package io.genpipe.transformer;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
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
 * Prompt &rarr; text with the GPT, every row of a batch decoded together (left-padded to the longest
 * prompt), through the shared token sampler chain. With {@code cache: true} (the default) each step
 * feeds one token per row and the previous keys and values; {@code cache: false} reruns the whole
 * sequence every step (for comparison). Result rows as {@link TextRows#generated}.
 */
final class GptGenerator implements TextGenerator {

    private final Gpt gpt;
    private final TokenSampler sampler;
    private final StopRule stop;
    private final String defaultPrompt;
    private final boolean cache;

    private GptGenerator(Gpt gpt, TokenSampler sampler, StopRule stop, String defaultPrompt, boolean cache) {
        this.gpt = gpt;
        this.sampler = sampler;
        this.stop = stop;
        this.defaultPrompt = defaultPrompt;
        this.cache = cache;
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
        String[] prompts = TextRows.texts(conditions, defaultPrompt, "gpt-generator");
        int[][] ids = TextRows.prompts(conditions, prompts, Gpt.VOCABULARY);
        RandomSource[] randoms = TextRows.randoms(conditions, random);
        List<Generation> out;
        if (cache) {
            try (Gpt.Cached model = gpt.new Cached()) {
                out = DecodeLoop.run(ids, model, Gpt.VOCABULARY, sampler, stop, randoms, listener);
            }
        } else {
            out = DecodeLoop.run(ids, gpt.new Uncached(), Gpt.VOCABULARY, sampler, stop, randoms, listener);
        }
        return TextRows.generated(conditions, prompts, out);
    }

    static GeneratorFactory factory() {
        List<ParameterSpec> params = new ArrayList<>(Gpt.MODEL_PARAMETERS);
        params.add(ParameterSpec.optional("prompt", ParameterType.STRING, "", "prompt for rows without a text tag"));
        params.addAll(TokenSampler.PARAMETERS);
        params.addAll(StopRule.PARAMETERS);
        params.add(ParameterSpec.optional("cache", ParameterType.BOOLEAN, "true",
                "keep keys and values between steps (false: rerun the whole sequence each step)"));
        return GeneratorFactory.of("gpt-generator", "prompt -> text with the tiny GPT (fortunes), KV-cached, through the token"
                + " sampler chain", params, (p, context) -> new GptGenerator(Gpt.load(p, context), TokenSampler.fromParameters(p),
                StopRule.fromParameters(p), p.getString("prompt"), p.getBoolean("cache")));
    }
}
