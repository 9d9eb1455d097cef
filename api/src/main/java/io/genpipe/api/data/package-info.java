/**
 * Data that moves between components: {@link io.genpipe.api.data.Tensor}s (dtype, shape,
 * row-major storage), {@link io.genpipe.api.data.Batch}es of named tensor columns with per-row
 * {@link io.genpipe.api.data.RowMeta metadata}, and {@link io.genpipe.api.data.PortSpec port}
 * descriptors with symbolic dimensions.
 *
 * <p>Ownership: whoever creates a tensor closes it; a batch owns its columns and closes them
 * with itself. {@code close()} is idempotent everywhere. Use try-with-resources:
 *
 * <pre>{@code
 * try (Batch batch = Batch.builder(2)
 *         .column("z", BufferTensor.ofFloats(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 2, 2))
 *         .build()) {
 *     PortSpec expected = PortSpec.of("z", DType.FLOAT32, "batch", 2);
 *     expected.mismatch(batch.column("z")).ifPresent(problem -> { throw new IllegalArgumentException(problem); });
 * }
 * }</pre>
 *
 * <p>A tensor is backed either by a Java direct buffer ({@link io.genpipe.api.data.BufferTensor})
 * or by a native ONNX Runtime value that the runtime hands out; a native tensor goes into the
 * next model run without a copy, and reading it into Java ({@code toFloatArray()} and friends)
 * is an explicit copy.
 */
package io.genpipe.api.data;
