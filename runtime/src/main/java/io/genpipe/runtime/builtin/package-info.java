/**
 * Components every genpipe runtime has, registered as the class-path plugin {@code builtin}:
 * latent prior samplers usable by any generator, and {@code onnx-model}, an encoder that runs
 * any ONNX file a user brings.
 */
package io.genpipe.runtime.builtin;
