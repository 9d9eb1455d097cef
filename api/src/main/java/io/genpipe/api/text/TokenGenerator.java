package io.genpipe.api.text;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link TextGenerator} built from a step model: everything but "how do I get the next logits" is
 * here — prompts from the rows' {@code text} tags (or the {@code prompt} parameter), one random stream
 * per row, the {@link DecodeLoop} with the configured {@link TokenSampler} and {@link StopRule},
 * result rows as {@link TextRows#generated}. A plugin subclasses it and supplies {@link #stepModel()}.
 */
public abstract class TokenGenerator implements TextGenerator {

    private final String name;
    private final Vocabulary vocabulary;
    private final TokenSampler sampler;
    private final StopRule stop;
    private final String defaultPrompt;

    /**
     * @param name the component's name, for messages
     * @param p parameters declared with {@link #parameters()}
     */
    protected TokenGenerator(String name, Vocabulary vocabulary, Parameters p) {
        this.name = name;
        this.vocabulary = vocabulary;
        this.sampler = TokenSampler.fromParameters(p);
        this.stop = StopRule.fromParameters(p);
        this.defaultPrompt = p.getString("prompt");
    }

    /** {@code prompt}, the sampler chain's and the stop rule's parameters, to add to a factory's own. */
    public static List<ParameterSpec> parameters() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(ParameterSpec.optional("prompt", ParameterType.STRING, "", "prompt for rows without a text tag"));
        params.addAll(TokenSampler.PARAMETERS);
        params.addAll(StopRule.PARAMETERS);
        return params;
    }

    /** A fresh step model for one batch; it is closed when the batch is done. */
    protected abstract DecodeLoop.StepModel stepModel();

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("tokens", DType.INT64, "batch"));
    }

    /**
     * A decoder requests can join while it runs (continuous batching), or null when this generator's step
     * model cannot take rows while it decodes. The caller closes it.
     */
    public ContinuousDecoder continuousDecoder() {
        DecodeLoop.StepModel model = stepModel();
        if (!model.joinable()) {
            model.close();
            return null;
        }
        return new ContinuousDecoder(model, vocabulary, sampler, stop);
    }

    /**
     * A one-row batch as a {@link ContinuousDecoder} member: its prompt (its text tag, else the prompt
     * parameter) and random source exactly as {@link #generate} takes them; {@code done} gets the row
     * {@link #generate} would answer (the caller owns it).
     *
     * @throws io.genpipe.api.GenpipeException when the row's prompt cannot be encoded
     */
    public ContinuousDecoder.Member member(
            Batch row, RandomSource random, TokenListener listener, Consumer<Batch> done) {
        return member(row, random, listener, done, sampler, stop);
    }

    /**
     * As {@link #member(Batch, RandomSource, TokenListener, Consumer)}, decoded with its own sampler chain and stop
     * rule (a request's own sampling parameters, from {@link TokenSampler#fromParameters} and
     * {@link StopRule#fromParameters}).
     */
    public ContinuousDecoder.Member member(
            Batch row,
            RandomSource random,
            TokenListener listener,
            Consumer<Batch> done,
            TokenSampler rowSampler,
            StopRule rowStop) {
        if (row.rows() != 1) {
            throw new IllegalArgumentException("a member is one row; found " + row.rows());
        }
        String[] prompts = TextRows.texts(row, defaultPrompt, name);
        int[][] ids = TextRows.prompts(row, prompts, vocabulary);
        RandomSource[] randoms = TextRows.randoms(row, random);
        return new ContinuousDecoder.Member(
                ids[0],
                randoms[0],
                listener,
                g -> done.accept(TextRows.generated(row, prompts, List.of(g))),
                rowSampler,
                rowStop);
    }

    @Override
    public Batch generate(Batch conditions, RandomSource random, TokenListener listener) {
        String[] prompts = TextRows.texts(conditions, defaultPrompt, name);
        int[][] ids = TextRows.prompts(conditions, prompts, vocabulary);
        RandomSource[] randoms = TextRows.randoms(conditions, random);
        List<Generation> out;
        try (DecodeLoop.StepModel model = stepModel()) {
            out = DecodeLoop.run(ids, model, vocabulary, sampler, stop, randoms, listener);
        }
        return TextRows.generated(conditions, prompts, out);
    }
}
