/**
 * The classifier family: a small CNN trained on Fashion-MNIST, the yardstick genpipe measures
 * generated images with (label fidelity, Fr&eacute;chet distance on its features).
 *
 * <pre>
 * model  image  float32[batch,1,28,28] (pixels in [0, 1])  &rarr;  logits float32[batch,K], features float32[batch,F]
 * </pre>
 *
 * Bring your own with {@code model: my-classifier.onnx}; its ports are checked before anything runs.
 */
package io.genpipe.classifier;
