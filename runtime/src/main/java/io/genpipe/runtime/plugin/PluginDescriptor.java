package io.genpipe.runtime.plugin;

import io.genpipe.api.ApiVersion;

/**
 * What {@code META-INF/genpipe-plugin.properties} says about a plugin.
 *
 * @param name the plugin's name, unique in a runtime
 * @param version the plugin's own version
 * @param apiVersion the genpipe-api version it was compiled against
 */
public record PluginDescriptor(String name, String version, ApiVersion apiVersion) {}
