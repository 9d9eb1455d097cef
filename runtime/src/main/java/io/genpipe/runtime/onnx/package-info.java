/**
 * The ONNX Runtime layer: one {@link ai.onnxruntime.OrtEnvironment} per process, sessions cached
 * by (model sha256, {@link io.genpipe.runtime.onnx.SessionSettings}), device selection that
 * decides CUDA by actually attempting it, native tensors that feed the next run without a copy,
 * and scopes that close every native value.
 *
 * <pre>{@code
 * try (OnnxRuntime onnx = new OnnxRuntime();
 *      SessionRegistry sessions = new SessionRegistry(onnx)) {
 *     Model model = sessions.load(ModelSource.file(Path.of("affine.onnx")), SessionSettings.defaults());
 *     try (BufferTensor x = BufferTensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 4);
 *          ModelOutputs out = model.run(Map.of("x", x))) {
 *         float[] y = out.get("y").toFloatArray();
 *     }
 * }
 * }</pre>
 *
 * Only this package touches {@code ai.onnxruntime} types.
 */
package io.genpipe.runtime.onnx;
