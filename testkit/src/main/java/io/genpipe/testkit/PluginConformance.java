package io.genpipe.testkit;

import io.genpipe.api.spi.ComponentFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The conformance suite a plugin's tests extend, in the spirit of a connector smoke test: it
 * loads the plugin through genpipe's isolated plugin class loader and runs every
 * {@link Behavior} check against every component the plugin lists, one JUnit test per component
 * and check. A behaviour a component declares unsupported is skipped with its reason.
 *
 * <pre>{@code
 * class ExampleConformanceTest extends PluginConformance {
 *     protected PluginUnderTest loadPlugin() {
 *         return PluginUnderTest.buildOutput();               // target/classes, as a plugin jar
 *     }
 *     protected List<ComponentCase> cases() {
 *         return List.of(ComponentCase.of("example-sharpness")
 *                 .input(() -> Batches.fromIdx(IMAGES, LABELS, 8)));
 *     }
 * }
 * }</pre>
 *
 * <p>Every component of the plugin needs at least one case, or an entry in {@link #excluded()}
 * saying why it is left out; a component added to the plugin without one fails
 * {@code everyComponentHasACase}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(ExecutionMode.SAME_THREAD) // the native-values check reads a runtime-wide count
public abstract class PluginConformance {

    private PluginUnderTest plugin;

    /** The plugin to check, loaded the way it is deployed (see {@link PluginUnderTest}). Called once. */
    protected abstract PluginUnderTest loadPlugin();

    /** How to exercise each component. */
    protected abstract List<ComponentCase> cases();

    /** Components deliberately not checked, each with the reason (shown in the test report). */
    protected Map<String, String> excluded() {
        return Map.of();
    }

    /** The plugin under test, loaded on first use and closed after the suite. */
    protected final PluginUnderTest plugin() {
        if (plugin == null) {
            plugin = loadPlugin();
        }
        return plugin;
    }

    @TestFactory
    Stream<DynamicContainer> conformance() {
        List<DynamicContainer> containers = new ArrayList<>();
        for (ComponentCase c : cases()) {
            List<DynamicTest> tests = new ArrayList<>();
            ComponentChecks[] checks = new ComponentChecks[1];
            for (Behavior b : Behavior.values()) {
                String reason = c.unsupported().get(b);
                tests.add(DynamicTest.dynamicTest(display(b), () -> {
                    if (reason != null) {
                        Assumptions.abort(c.displayName() + " does not claim " + display(b) + ": " + reason);
                    }
                    synchronized (checks) {
                        if (checks[0] == null) {
                            checks[0] = new ComponentChecks(plugin(), c);
                        }
                    }
                    checks[0].check(b);
                }));
            }
            containers.add(DynamicContainer.dynamicContainer(c.displayName(), tests));
        }
        return containers.stream();
    }

    @Test
    void everyComponentHasACase() {
        Set<String> covered = new LinkedHashSet<>();
        cases().forEach(c -> covered.add(c.component()));
        covered.addAll(excluded().keySet());
        List<String> missing = new ArrayList<>();
        for (ComponentFactory<?> f : plugin().factories()) {
            if (!covered.contains(f.name())) {
                missing.add(f.role().label() + " '" + f.name() + "'");
            }
        }
        Assertions.assertTrue(
                missing.isEmpty(),
                "plugin '" + plugin().plugin().name() + "' has components the suite does" + " not check: " + missing
                        + "; add a ComponentCase for each, or list it in excluded() with a reason");
        List<String> unknown = new ArrayList<>(covered);
        plugin().factories().forEach(f -> unknown.remove(f.name()));
        Assertions.assertTrue(
                unknown.isEmpty(),
                "cases name components plugin '" + plugin().plugin().name() + "' does not have: " + unknown);
    }

    @AfterAll
    void closePlugin() {
        if (plugin != null) {
            plugin.close();
            plugin = null;
        }
    }

    private static String display(Behavior b) {
        return b.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
