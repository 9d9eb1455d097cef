/**
 * The embedding facade. A Java application gets a runtime, looks a component up by name and runs
 * it:
 *
 * <pre>{@code
 * try (Genpipe genpipe = Genpipe.builder().device("cpu").seed(42).build()) {
 *     Sampler prior = genpipe.sampler("gaussian", Map.of("dim", 8));
 *     try (Batch z = prior.sample(Batch.ofRows(4), genpipe.random("prior"))) {
 *         System.out.println(z.column("z").typeString());   // float32[4,8]
 *     }
 * }
 * }</pre>
 *
 * The runtime composes itself from Guice modules ({@link io.genpipe.runtime.OnnxModule},
 * {@link io.genpipe.runtime.PluginModule}); every plugin's factories are bound by name with a
 * MapBinder into the {@link io.genpipe.runtime.component.ComponentRegistry}.
 */
package io.genpipe.runtime;
