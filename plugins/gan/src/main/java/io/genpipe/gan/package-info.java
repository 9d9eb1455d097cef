/**
 * The GAN family: the reference article's DCGAN, class-conditional, at 28&times;28 grayscale.
 *
 * <pre>
 * generator      z float32[batch,N], label int64[batch]      &rarr;  image float32[batch,1,28,28] in [0, 1]
 * discriminator  image float32[batch,1,28,28], label int64[batch]  &rarr;  realism float32[batch] in (0, 1)
 * </pre>
 *
 * The label input is optional: an unconditional generator of your own ({@code generator: g.onnx})
 * with only {@code z} runs too. Labels come from the rows (set them with the {@code relabel} step),
 * or from the {@code label} parameter, or are drawn per row from the run's seed.
 */
package io.genpipe.gan;
