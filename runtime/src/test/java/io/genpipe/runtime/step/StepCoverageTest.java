package io.genpipe.runtime.step;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every built-in step has a unit test of its own, in the test class of its kind. */
class StepCoverageTest {

    @Test
    void everyBuiltinStepIsUnitTested() throws Exception {
        List<String> covered = new ArrayList<>();
        for (String test : List.of(
                "source.SourceStepsTest", "transform.TransformStepsTest", "eval.EvalStepsTest", "sink.SinkStepsTest")) {
            Field f = Class.forName("io.genpipe.runtime.step." + test).getDeclaredField("COVERS");
            f.setAccessible(true);
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) f.get(null);
            covered.addAll(names);
        }
        List<String> all = new ArrayList<>(BuiltinSteps.all().keySet());
        covered.sort(null);
        all.sort(null);
        assertEquals(all, covered);
    }
}
