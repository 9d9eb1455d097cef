/**
 * The VAE family: an encoder (image &rarr; mean, log-variance, optionally a sampled z), a decoder
 * as Generator (z &rarr; image), an anomaly Scorer with selectable methods, and a latent prior.
 *
 * <p>Every component runs the shipped Fashion-MNIST models ({@code variant: mlp}, the reference
 * article's 784-400-20 VAE, or {@code variant: one-class} with {@code class: 0..9}) or a user's own
 * pair ({@code encoder: my-encoder.onnx}, {@code decoder: my-decoder.onnx}) whose ports fit:
 *
 * <pre>
 * encoder  image  float32[batch,1,28,28] (pixels in [0, 1])  &rarr;  mu, logvar  float32[batch,L]
 * decoder  z      float32[batch,L]                          &rarr;  image       float32[batch,1,28,28]
 *                                                              (Bernoulli means in [0, 1])
 * </pre>
 *
 * The latent size L is read from the encoder. The Mahalanobis and combined scores also need the
 * training data's latent statistics in the encoder's metadata (see {@link io.genpipe.vae.VaeStats}).
 */
package io.genpipe.vae;
