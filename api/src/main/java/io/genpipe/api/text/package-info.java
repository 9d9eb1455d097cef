/**
 * What every token-by-token generator shares: a {@link io.genpipe.api.text.Vocabulary}, the
 * {@link io.genpipe.api.text.TokenSampler} chain (repetition penalty, temperature, top-k, top-p,
 * greedy), {@link io.genpipe.api.text.StopRule stop rules} and the
 * {@link io.genpipe.api.text.DecodeLoop} that drives a model one token at a time, streaming text to a
 * {@link io.genpipe.api.text.TokenListener} as it comes.
 *
 * <pre>{@code
 * TokenSampler sampler = TokenSampler.builder().temperature(0.8).topP(0.9).repetitionPenalty(1.1).build();
 * StopRule stop = new StopRule(200, List.of("\n\n"));
 * List<Generation> out = DecodeLoop.run(prompts, model, vocabulary, sampler, stop, randoms, TokenListener.NONE);
 * }</pre>
 *
 * <p>A plugin's generator extends {@link io.genpipe.api.text.TokenGenerator}, declares
 * {@link io.genpipe.api.text.TokenGenerator#parameters()} among its factory's parameters and supplies
 * only a step model, so every generator is tuned from a pipeline file the same way.
 */
package io.genpipe.api.text;
