/**
 * Finding and isolating plugins: those on the host class path, and those in a plugins directory
 * (one jar, or one folder of jars, per plugin), each in its own {@link
 * io.genpipe.runtime.plugin.PluginClassLoader} that shows only {@code io.genpipe.api} and the JDK.
 * Every way a plugin can be broken gets its own message naming the jar and the fix.
 */
package io.genpipe.runtime.plugin;
