/**
 * The four roles every genpipe component plays, and the few types they share.
 *
 * <ul>
 *   <li>{@link io.genpipe.api.Generator}: conditions &rarr; samples (a GAN generator, a VAE decoder,
 *       an autoregressive model drawing each step through a {@link io.genpipe.api.Sampler}).</li>
 *   <li>{@link io.genpipe.api.Encoder}: samples &rarr; representations (a VAE posterior, classifier
 *       features, sentence embeddings).</li>
 *   <li>{@link io.genpipe.api.Sampler}: distribution &rarr; draws, deterministic under a seed.</li>
 *   <li>{@link io.genpipe.api.Scorer}: samples &rarr; one number per sample with a declared
 *       {@link io.genpipe.api.ScoreDirection}.</li>
 * </ul>
 *
 * <p>Every component declares its input and output ports so a pipeline can be checked before
 * anything runs. Components move {@link io.genpipe.api.data.Batch}es:
 *
 * <pre>{@code
 * try (Batch latents = sampler.sample(Batch.ofRows(16), new RandomSource(42));
 *      Batch images = generator.generate(latents, new RandomSource(42))) {
 *     float[] pixels = images.column("image").toFloatArray();
 * }
 * }</pre>
 *
 * <p>The host classes a plugin's class loader can see are exactly genpipe-api's packages, and they
 * depend on the JDK alone:
 * <ul>
 *   <li>{@code io.genpipe.api}: the roles, {@link io.genpipe.api.RandomSource}, errors;</li>
 *   <li>{@code io.genpipe.api.data}: batches, tensors, ports, row metadata;</li>
 *   <li>{@code io.genpipe.api.spi}: the plugin SPI (factories, parameters, models, the context);</li>
 *   <li>{@code io.genpipe.api.text}: vocabularies, token samplers and the decode loop for sequence
 *       generators.</li>
 * </ul>
 * Anything else a plugin uses it bundles in its own jars. The contract every role keeps (rows,
 * columns, randomness, ownership) is on {@link io.genpipe.api.Component}.
 */
package io.genpipe.api;
