package io.genpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.Encoder;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Sampler;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.Model;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenpipeTest {

    @TempDir
    Path dir;

    @Test
    void unknownComponentListsTheKnownOnesWithASuggestion() {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            GenpipeException e = assertThrows(GenpipeException.class, () -> genpipe.sampler("gausian", Map.of()));
            assertEquals(
                    "Unknown sampler 'gausian'; did you mean 'gaussian'? (known samplers: gaussian, latent-walk,"
                            + " truncated-gaussian, uniform)",
                    e.getMessage());
            GenpipeException role = assertThrows(GenpipeException.class, () -> genpipe.scorer("gaussian", Map.of()));
            assertTrue(
                    role.getMessage().startsWith("'gaussian' is a sampler, not a scorer (from plugin 'builtin'"),
                    role.getMessage());
        }
    }

    @Test
    void parameterProblemsAreListedTogether() {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            ParameterException e = assertThrows(
                    ParameterException.class,
                    () -> genpipe.sampler("truncated-gaussian", Map.of("dimm", 4, "threshold", "wide")));
            assertEquals(
                    List.of(
                            "unknown parameter 'dimm' for sampler 'truncated-gaussian'; did you mean 'dim'? (its parameters:"
                                    + " dim, column, threshold)",
                            "missing required parameter 'dim' (integer: latent size) for sampler 'truncated-gaussian'",
                            "parameter 'threshold' of sampler 'truncated-gaussian' must be a number, got 'wide'"),
                    e.problems());
            ParameterException fraction =
                    assertThrows(ParameterException.class, () -> genpipe.sampler("gaussian", Map.of("dim", 2.5)));
            assertEquals("parameter 'dim' of sampler 'gaussian' must be an integer, got 2.5", fraction.getMessage());
        }
    }

    @Test
    void samplersAreDeterministicUnderTheSeed() {
        float[] first;
        float[] again;
        float[] other;
        try (Genpipe genpipe = Genpipe.builder().seed(7).build()) {
            Sampler prior = genpipe.sampler("gaussian", Map.of("dim", 16));
            assertEquals(List.of(PortSpec.of("z", DType.FLOAT32, "batch", 16)), prior.outputs());
            try (Batch a = prior.sample(Batch.ofRows(64), genpipe.random("prior"));
                    Batch b = prior.sample(Batch.ofRows(64), genpipe.random("prior"));
                    Batch c = prior.sample(Batch.ofRows(64), genpipe.random("other"))) {
                first = a.column("z").toFloatArray();
                again = b.column("z").toFloatArray();
                other = c.column("z").toFloatArray();
            }
        }
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
        double mean = 0;
        double sq = 0;
        for (float v : first) {
            mean += v;
            sq += v * v;
        }
        mean /= first.length;
        double var = sq / first.length - mean * mean;
        assertEquals(0, mean, 0.15);
        assertEquals(1, var, 0.2);
    }

    @Test
    void truncatedAndUniformStayInRange() {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            Sampler truncated = genpipe.sampler("truncated-gaussian", Map.of("dim", 8, "threshold", 0.5));
            Sampler uniform = genpipe.sampler("uniform", Map.of("dim", 8, "low", 2, "high", 3, "column", "u"));
            try (Batch t = truncated.sample(Batch.ofRows(100), genpipe.random("t"));
                    Batch u = uniform.sample(Batch.ofRows(100), genpipe.random("u"))) {
                for (float v : t.column("z").toFloatArray()) {
                    assertTrue(Math.abs(v) <= 0.5f, "truncated draw " + v);
                }
                for (float v : u.column("u").toFloatArray()) {
                    assertTrue(v >= 2 && v < 3, "uniform draw " + v);
                }
            }
        }
    }

    @Test
    void onnxModelEncoderRunsAUserModelAndKeepsRowMetadata() throws Exception {
        Path model = dir.resolve("affine.onnx");
        Files.write(model, Fixtures.affineBytes());
        float[] x = {0.1f, 0.2f, 0.3f, 0.4f, -1, -2, -3, -4};
        try (Genpipe genpipe = Genpipe.builder().baseDir(dir).build()) {
            Encoder encoder = genpipe.encoder("onnx-model", Map.of("model", "affine.onnx"));
            assertEquals(List.of(PortSpec.of("x", DType.FLOAT32, "batch", 4)), encoder.inputs());
            List<RowMeta> meta =
                    List.of(RowMeta.of("a").withLabel(1), RowMeta.of("b").withLabel(2));
            try (Batch in = Batch.builder(2)
                            .column("x", BufferTensor.ofFloats(x, 2, 4))
                            .meta(meta)
                            .build();
                    Batch out = encoder.encode(in)) {
                assertArrayEquals(Fixtures.affineY(x), out.column("y").toFloatArray(), 1e-6f);
                assertEquals(meta, out.meta());
                assertTrue(out.column("y").isNative());
            }
            assertTrue(genpipe.onnx().liveNativeValues() == 0);
        }
    }

    @Test
    void manyRunsLeaveNoNativeValueOpen() throws Exception {
        Path file = dir.resolve("affine.onnx");
        Files.write(file, Fixtures.affineBytes());
        try (Genpipe genpipe = Genpipe.builder().build();
                BufferTensor x = BufferTensor.ofFloats(new float[32], 8, 4)) {
            Encoder encoder = genpipe.encoder("onnx-model", Map.of("model", file.toString()));
            for (int i = 0; i < 20_000; i++) {
                try (Batch in = Batch.builder(8).borrow("x", x).build();
                        Batch out = encoder.encode(in)) {
                    out.column("s").toFloatArray();
                }
            }
            assertEquals(0, genpipe.onnx().liveNativeValues());
            assertFalse(x.isClosed(), "a borrowed column must stay open");
        }
    }

    @Test
    void modelPortsThatDoNotFitNameThePortTheExpectedAndTheFound() throws Exception {
        Path file = dir.resolve("affine.onnx");
        Files.write(file, Fixtures.affineBytes());
        try (Genpipe genpipe = Genpipe.builder().build()) {
            Model model = genpipe.model(file);
            GenpipeException e = assertThrows(
                    GenpipeException.class,
                    () -> model.requirePorts(
                            List.of(PortSpec.of("x", DType.FLOAT32, "batch", 784)),
                            List.of(PortSpec.of("mu", DType.FLOAT32, "batch", 20))));
            assertEquals(
                    "model " + file + " does not fit: input port 'x': expected float32[batch,784], found"
                            + " float32[batch,4]; no output 'mu' (expected float32[batch,20]; the model's outputs are"
                            + " [y: float32[batch,4], s: float32[batch]])",
                    e.getMessage());
        }
    }

    @Test
    void unknownSettingSuggestsTheRightOne() {
        GenpipeException e =
                assertThrows(GenpipeException.class, () -> Genpipe.builder().configure(Map.of("devcie", "cpu")));
        assertEquals(
                "Unknown setting 'devcie'; did you mean 'device'? (known settings: device, onMissingDevice,"
                        + " threads, threadPool, intraOpThreads, interOpThreads, optimization, optimizedModelCache, pluginsDir, seed)",
                e.getMessage());
    }

    @Test
    void closedRuntimeRefusesWork() {
        Genpipe genpipe = Genpipe.builder().build();
        genpipe.close();
        genpipe.close();
        GenpipeException e = assertThrows(GenpipeException.class, () -> genpipe.sampler("gaussian", Map.of("dim", 2)));
        assertEquals("this genpipe runtime is closed", e.getMessage());
    }
}
