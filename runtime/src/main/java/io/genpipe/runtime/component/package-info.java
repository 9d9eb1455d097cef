/**
 * Components by name: the registry every plugin's factories are bound into (through Guice's
 * MapBinder), parameter checking against each factory's declared parameters, and the
 * {@link io.genpipe.api.spi.PluginContext} a factory builds with.
 */
package io.genpipe.runtime.component;
