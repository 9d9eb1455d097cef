package io.genpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.testing.Fixtures;
import io.genpipe.runtime.testing.PluginJarBuilder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** Each check of the suite passes a well-behaved component and fails the one that breaks its contract. */
class ConformanceChecksTest {

    @TempDir
    static Path dir;

    private static PluginUnderTest plugin;

    @BeforeAll
    static void load() {
        Path jar = PluginJarBuilder.plugin("bad")
                .source("bad.BadPlugin", MisbehavingPlugin.SOURCE)
                .entry(Fixtures.AFFINE, Fixtures.affineBytes())
                .build(dir.resolve("bad.jar"));
        plugin = PluginUnderTest.jar(jar);
    }

    @AfterAll
    static void close() {
        plugin.close();
    }

    private static ComponentChecks checks(String component) {
        return new ComponentChecks(plugin, ComponentCase.of(component));
    }

    private static String failure(String component, Behavior behavior) {
        return failure(ComponentCase.of(component), behavior);
    }

    private static String failure(ComponentCase c, Behavior behavior) {
        AssertionError e = assertThrows(AssertionError.class, () -> new ComponentChecks(plugin, c).check(behavior));
        return e.getMessage();
    }

    @Test
    void aWellBehavedComponentPassesEveryCheck() {
        ComponentChecks good = checks("good");
        for (Behavior b : Behavior.values()) {
            good.check(b);
        }
    }

    @Test
    void eachMisbehaviourFailsItsCheck() {
        assertTrue(
                failure("flaky", Behavior.DETERMINISTIC)
                        .startsWith(
                                "scorer 'flaky' (plugin 'bad') gave different results"
                                        + " for the same input and seed on a second call: column 'score', row 0 ('row-0'), element 0: "),
                failure("flaky", Behavior.DETERMINISTIC));
        assertTrue(
                failure("batchy", Behavior.BATCH_SIZE_INDEPENDENT)
                        .startsWith(
                                "scorer 'batchy' (plugin 'bad'): rows gave"
                                        + " other results in batches of 1, 2 and 3 than in one batch of 6: column 'score', row 0 ('row-0')"));
        assertTrue(
                failure("ordered", Behavior.ROW_INDEPENDENT)
                        .startsWith(
                                "scorer 'ordered' (plugin 'bad'): rows gave other"
                                        + " results when their neighbours changed (the batch in reverse order): column 'score', row 0 ('row-0')"));
        assertTrue(failure(ComponentCase.of("racy").concurrency(4, 2), Behavior.THREAD_SAFE)
                .contains("from 4 threads at once gave another result than a serial call"));
        assertEquals(
                "scorer 'leaky' (plugin 'bad') left 2 native ONNX Runtime value(s) open after its results and the"
                        + " component were closed; close every OnnxTensor / ModelOutputs you open (try-with-resources) and what you"
                        + " keep in close() ==> expected: <0> but was: <1>",
                failure("leaky", Behavior.RELEASES_NATIVE_VALUES)
                        .replaceAll("<\\d+> but was: <\\d+>", "<0> but was: <1>"));
        assertEquals(
                "scorer 'lenient' (plugin 'bad') accepted k = -1 (k = -1); refuse it with an InvalidParameterException"
                        + " naming 'k' (or declare the range in parameters())",
                failure(ComponentCase.of("lenient").invalid("k", -1), Behavior.REJECTS_INVALID_PARAMETERS));
        assertEquals(
                "encoder 'labeller' (plugin 'bad'): row 'row-0' came with label null and left with 7; only a generator"
                        + " may set labels ==> expected: <null> but was: <7>",
                failure("labeller", Behavior.DECLARED_PORTS));
        assertEquals(
                "generator 'undeclared' (plugin 'bad') returned column 'extra', which it does not declare among its"
                        + " outputs [y]; declare every column it writes ==> expected: <true> but was: <false>",
                failure("undeclared", Behavior.DECLARED_PORTS));
    }

    @Test
    void aComponentWithNothingToRefuseIsSkippedWithAReason() {
        TestAbortedException e = assertThrows(
                TestAbortedException.class, () -> checks("flaky").check(Behavior.REJECTS_INVALID_PARAMETERS));
        assertEquals(
                "scorer 'flaky' (plugin 'bad') has no parameter with a range or choices, and the"
                        + " case names no invalid value (ComponentCase.invalid)",
                e.getMessage());
    }

    @Test
    void theSuiteRefusesACaseForAComponentThePluginLacks() {
        AssertionError e = assertThrows(AssertionError.class, () -> checks("nope"));
        assertEquals(
                "plugin 'bad' has no component 'nope'; it has [undeclared, labeller, good, flaky, batchy, ordered,"
                        + " racy, lenient, leaky]",
                e.getMessage());
    }
}
