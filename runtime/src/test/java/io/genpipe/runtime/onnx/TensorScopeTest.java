package io.genpipe.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.runtime.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorScopeTest {

    @Test
    void closesEverythingNewestFirstOnceAndRethrowsTheFirstFailure() {
        List<String> closed = new ArrayList<>();
        TensorScope scope = new TensorScope();
        scope.add(() -> closed.add("first"));
        scope.add(() -> {
            closed.add("failing");
            throw new IllegalStateException("boom");
        });
        scope.add(() -> closed.add("last"));
        IllegalStateException e = assertThrows(IllegalStateException.class, scope::close);
        assertEquals("boom", e.getMessage());
        assertEquals(List.of("last", "failing", "first"), closed);
        scope.close();
        assertEquals(3, closed.size());
        assertThrows(IllegalStateException.class, () -> scope.add(() -> {}));
    }

    @Test
    void aDecodeStyleLoopKeepsOnlyTheCurrentStateOpen() {
        OnnxRuntime onnx = new OnnxRuntime();
        try (SessionRegistry sessions = new SessionRegistry(onnx)) {
            Model model =
                    sessions.load(ModelSource.bytes("affine.onnx", Fixtures.affineBytes()), SessionSettings.defaults());
            float[] expected = {0.1f, 0.2f, 0.3f, 0.4f};
            Tensor state = BufferTensor.ofFloats(expected, 1, 4);
            for (int step = 0; step < 50; step++) {
                try (TensorScope scope = new TensorScope()) {
                    scope.add(state); // the previous state dies with this step
                    ModelOutputs out = scope.add(model.run(Map.of("x", state)));
                    state = out.take("y"); // the new state outlives it
                }
                expected = Fixtures.affineY(expected);
                assertEquals(1, onnx.liveNativeValues());
            }
            float[] last = state.toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[i], last[i], 1e-5f);
            }
            state.close();
            assertTrue(state.isClosed());
            assertEquals(0, onnx.liveNativeValues());
        }
    }
}
