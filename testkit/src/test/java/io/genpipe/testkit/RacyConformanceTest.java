package io.genpipe.testkit;

import io.genpipe.runtime.testing.Fixtures;
import io.genpipe.runtime.testing.PluginJarBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The suite as a plugin author runs it, over components that pass: "good" with every check, "racy"
 * declaring that it is not thread-safe (that check is reported skipped, with the reason), the rest
 * excluded with reasons.
 */
class RacyConformanceTest extends PluginConformance {

    @Override
    protected PluginUnderTest loadPlugin() {
        try {
            Path dir = Files.createTempDirectory("racy-plugin");
            Path jar = PluginJarBuilder.plugin("bad")
                    .source("bad.BadPlugin", MisbehavingPlugin.SOURCE)
                    .entry(Fixtures.AFFINE, Fixtures.affineBytes())
                    .build(dir.resolve("bad.jar"));
            PluginUnderTest plugin = PluginUnderTest.jar(jar);
            PluginUnderTest.deleteQuietly(dir);
            return plugin;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("good"),
                ComponentCase.of("racy").unsupported(Behavior.THREAD_SAFE, "shares one buffer between calls"));
    }

    @Override
    protected Map<String, String> excluded() {
        String reason = "breaks its contract on purpose (ConformanceChecksTest)";
        return Map.of(
                "flaky",
                reason,
                "batchy",
                reason,
                "ordered",
                reason,
                "lenient",
                reason,
                "leaky",
                reason,
                "undeclared",
                reason,
                "labeller",
                reason);
    }
}
