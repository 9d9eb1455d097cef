package io.genpipe.runtime.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a person reads when plugin code throws. */
class PluginFailuresTest {

    @Test
    void aMissingClassIsNamedAlsoAsACause() {
        String direct = PluginFailures.describe(new NoClassDefFoundError("com/google/common/base/Joiner"));
        assertTrue(
                direct.startsWith("java.lang.NoClassDefFoundError: com/google/common/base/Joiner (class"
                        + " com.google.common.base.Joiner is missing: a plugin sees only its own jars, io.genpipe.api and the JDK;"
                        + " bundle the jar that holds it with the plugin)"),
                direct);
        String wrapped = PluginFailures.describe(
                new IllegalStateException("setup failed", new ClassNotFoundException("org.example.Codec")));
        assertTrue(
                wrapped.startsWith(
                        "java.lang.IllegalStateException: setup failed (class org.example.Codec is missing:"),
                wrapped);
    }

    @Test
    void aFailedStaticInitialiserIsNotCalledAMissingClass() {
        String d = PluginFailures.describe(new NoClassDefFoundError("Could not initialize class demo.Tables"));
        assertTrue(
                d.startsWith("java.lang.NoClassDefFoundError: Could not initialize class demo.Tables (the static"
                        + " initialiser of demo.Tables failed when it was first used; the first failure, earlier in this run or in"
                        + " the log, says why)"),
                d);
        assertEquals(null, PluginFailures.missingClass(new IllegalStateException("no class here")));
    }
}
