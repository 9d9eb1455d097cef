/**
 * The plugin SPI: what a plugin jar implements and what the host hands it.
 *
 * <p>A plugin jar contains
 * <ul>
 *   <li>an implementation of {@link io.genpipe.api.spi.GenpipePlugin}, named in
 *       {@code META-INF/services/io.genpipe.api.spi.GenpipePlugin};</li>
 *   <li>{@code META-INF/genpipe-plugin.properties} with {@code name}, {@code version} and
 *       {@code apiVersion} (the genpipe-api {@code major.minor} it was compiled against).</li>
 * </ul>
 *
 * <pre>{@code
 * public final class MyPlugin implements GenpipePlugin {
 *     public List<ScorerFactory> scorers() {
 *         return List.of(new ScorerFactory() {
 *             public String name() { return "my-scorer"; }
 *             public List<ParameterSpec> parameters() {
 *                 return List.of(ParameterSpec.optional("model", ParameterType.PATH, null, "ONNX file"));
 *             }
 *             public Scorer create(Parameters parameters, PluginContext context) {
 *                 Model model = context.loadModel("my/model.onnx");
 *                 return new MyScorer(model);
 *             }
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>Plugins hand out factories, never instances: the host decides when to build. Every method of
 * {@code GenpipePlugin} is a default returning an empty list, so the SPI can grow without
 * breaking plugins built for an older minor api version.
 */
package io.genpipe.api.spi;
