/**
 * The genpipe plugin author kit: take {@code io.genpipe:genpipe-testkit} in test scope.
 *
 * <ul>
 *   <li>{@link io.genpipe.testkit.PluginConformance}: the conformance suite a plugin test extends;
 *       it loads the plugin through the real isolated class loader ({@link io.genpipe.testkit.PluginUnderTest})
 *       and checks every component against the role contracts ({@link io.genpipe.testkit.Behavior}).</li>
 *   <li>{@link io.genpipe.testkit.ComponentChecks}: the same checks, to call one by one.</li>
 *   <li>{@link io.genpipe.testkit.TestPluginContext} and {@link io.genpipe.testkit.TestParameters}: a
 *       context and parameters (defaults filled, as the host makes them) for calling a factory directly.</li>
 *   <li>{@link io.genpipe.testkit.Batches}: inputs from IDX, PNG, text, or Gaussian latents.</li>
 *   <li>{@link io.genpipe.testkit.Tolerance}: parity asserts that say where and by how much.</li>
 * </ul>
 */
package io.genpipe.testkit;
