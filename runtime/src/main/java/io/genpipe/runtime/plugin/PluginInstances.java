package io.genpipe.runtime.plugin;

import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.GenpipePlugin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Creating a plugin's {@link GenpipePlugin} and listing its factories: calls into plugin code, each bounded by
 * {@link #LIMIT} (a constructor or listing method that never returns is named and given up on), each failure one
 * problem naming the plugin, what it did and what would be right.
 */
final class PluginInstances {

    /** How long a plugin's constructor or listing method may take (GENPIPE_PLUGIN_LOAD_TIMEOUT_S, default 30). */
    static final Duration LIMIT = BoundedCall.limit("GENPIPE_PLUGIN_LOAD_TIMEOUT_S", 30);

    private static final Pattern COMPONENT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private PluginInstances() {}

    /** The plugin class created through {@code create}, or null (and a problem). */
    static GenpipePlugin instantiate(
            PluginDescriptor descriptor,
            String location,
            ClassLoader loader,
            String className,
            Supplier<GenpipePlugin> create,
            List<String> problems) {
        String who = "Plugin '" + descriptor.name() + "' (" + location + "): creating " + className;
        BoundedCall.Outcome<GenpipePlugin> outcome =
                call("genpipe-load-" + descriptor.name(), loader, create, problems, who);
        if (outcome instanceof BoundedCall.Returned<GenpipePlugin> r) {
            return r.value();
        }
        if (outcome instanceof BoundedCall.Threw<GenpipePlugin> t) {
            Throwable e = t.error();
            Throwable cause = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
            problems.add(who + " failed: " + cause.getClass().getName() + ": " + cause.getMessage()
                    + "; a GenpipePlugin needs a public no-argument constructor that does no work");
        }
        return null;
    }

    /**
     * Every factory the instances list, checked; null (and a problem) when listing fails, hangs or gives a bad name.
     */
    static List<ComponentFactory<?>> factories(
            PluginDescriptor descriptor,
            String location,
            ClassLoader loader,
            List<GenpipePlugin> instances,
            List<String> problems) {
        List<ComponentFactory<?>> factories = new ArrayList<>();
        String prefix = "Plugin '" + descriptor.name() + "' (" + location + "): ";
        for (GenpipePlugin instance : instances) {
            boolean ok = collect(
                            prefix, loader, "generators()", instance, GenpipePlugin::generators, factories, problems)
                    && collect(prefix, loader, "encoders()", instance, GenpipePlugin::encoders, factories, problems)
                    && collect(prefix, loader, "samplers()", instance, GenpipePlugin::samplers, factories, problems)
                    && collect(prefix, loader, "scorers()", instance, GenpipePlugin::scorers, factories, problems);
            if (!ok) {
                return null;
            }
        }
        if (factories.isEmpty()) {
            problems.add("Plugin '" + descriptor.name() + "' (" + location + ") provides no components; its"
                    + " GenpipePlugin lists no generators, encoders, samplers or scorers");
            return null;
        }
        return factories;
    }

    private static boolean collect(
            String prefix,
            ClassLoader loader,
            String method,
            GenpipePlugin instance,
            Function<GenpipePlugin, List<? extends ComponentFactory<?>>> list,
            List<ComponentFactory<?>> into,
            List<String> problems) {
        String role = method.substring(0, method.length() - 3);
        BoundedCall.Outcome<List<String>> outcome = call(
                "genpipe-list-" + method,
                loader,
                () -> {
                    List<? extends ComponentFactory<?>> found = list.apply(instance);
                    if (found == null) {
                        return null;
                    }
                    List<String> names = new ArrayList<>();
                    for (ComponentFactory<?> factory : found) {
                        try {
                            names.add(factory == null ? null : factory.name());
                        } catch (RuntimeException | LinkageError e) {
                            throw new NameFailed(e);
                        }
                    }
                    into.addAll(found);
                    return names;
                },
                problems,
                prefix + method);
        if (outcome instanceof BoundedCall.Threw<List<String>> t) {
            Throwable e = t.error();
            problems.add(
                    e instanceof NameFailed n
                            ? prefix + "name() of a " + role + " factory failed: " + n.getCause()
                            : prefix + method + " failed: " + e.getClass().getName() + ": " + e.getMessage()
                                    + "; listing factories must not fail (load models in create(), not before)");
            return false;
        }
        if (!(outcome instanceof BoundedCall.Returned<List<String>> r)) {
            return false;
        }
        if (r.value() == null) {
            problems.add(prefix + method + " returned null; return an empty list instead");
            return false;
        }
        for (String name : r.value()) {
            if (name == null || !COMPONENT_NAME.matcher(name).matches()) {
                problems.add(prefix + "a " + role + " factory has the invalid name "
                        + (name == null ? "null" : "'" + name + "'")
                        + "; names are lower-case letters, digits and dashes, e.g. my-" + role);
                return false;
            }
        }
        return true;
    }

    /** A factory's {@code name()} threw. */
    private static final class NameFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NameFailed(Throwable cause) {
            super(cause);
        }
    }

    /** {@code body} bounded by {@link #LIMIT}; a call that does not return is a problem naming {@code who}. */
    private static <T> BoundedCall.Outcome<T> call(
            String thread, ClassLoader loader, Supplier<T> body, List<String> problems, String who) {
        BoundedCall.Outcome<T> outcome;
        try {
            outcome = BoundedCall.run(thread, loader, LIMIT, body, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add(who + " was interrupted");
            return new BoundedCall.TimedOut<>(LIMIT);
        }
        if (outcome instanceof BoundedCall.TimedOut<T>) {
            problems.add(who + " did not return within " + LIMIT.toSeconds() + " s, so genpipe gave up on the plugin"
                    + " (a plugin's constructor and listing methods must do no work: load models in a factory's"
                    + " create(); GENPIPE_PLUGIN_LOAD_TIMEOUT_S sets the limit)");
        }
        return outcome;
    }
}
