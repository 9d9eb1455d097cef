package io.genpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import io.genpipe.api.spi.ScorerFactory;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's helpers do what the host does: parameters, a plugin context, inputs, tolerance asserts. */
class HelpersTest {

    @TempDir
    Path dir;

    static final ScorerFactory FACTORY = new ScorerFactory() {
        @Override
        public String name() {
            return "t";
        }

        @Override
        public String description() {
            return "t";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(
                    ParameterSpec.optional("samples", ParameterType.INTEGER, "16", "k")
                            .range(1, 100),
                    ParameterSpec.choice("mode", "fast", "m", "fast", "exact"),
                    ParameterSpec.optional("scale", ParameterType.NUMBER, null, "s"));
        }

        @Override
        public Scorer create(Parameters p, PluginContext c) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void testParametersFillDefaultsAndCheckLikeTheHost() {
        Parameters p = TestParameters.of(FACTORY, Map.of("scale", "2.5"));
        assertEquals(16L, p.getLong("samples"));
        assertEquals("fast", p.getString("mode"));
        assertEquals(2.5, p.getDouble("scale"));
        ParameterException e =
                assertThrows(ParameterException.class, () -> TestParameters.of(FACTORY, Map.of("samples", 0)));
        assertEquals(List.of("samples"), e.parameters());
        assertEquals("parameter 'samples' of scorer 't' must be from 1 to 100, got 0", e.getMessage());
    }

    @Test
    void testPluginContextRunsRealSessionsAndCountsNativeValues() {
        try (TestPluginContext context = TestPluginContext.forPlugin("demo", HelpersTest.class, 5)) {
            assertEquals(5, context.seed());
            Model affine = context.loadModel(Fixtures.AFFINE);
            float[] x = {0.1f, -0.2f, 0.3f, 0.4f, 1f, 0f, -1f, 0.5f};
            try (BufferTensor in = BufferTensor.ofFloats(x, 2, 4);
                    ModelOutputs out = affine.run(Map.of("x", in))) {
                Tolerance.assertClose(Fixtures.affineY(x), out.get("y").toFloatArray(), 1e-6, "affine y");
                assertEquals(2, context.liveNativeValues());
            }
            assertEquals(0, context.liveNativeValues());
            assertEquals(
                    new RandomSource(5).fork("demo/z").nextLong(),
                    context.random("z").nextLong());
        }
    }

    @Test
    void batchesFromIdxPngAndText() throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
            out.writeInt(0x00000803);
            out.writeInt(2);
            out.writeInt(2);
            out.writeInt(3);
            out.write(new byte[] {0, (byte) 255, 51, 102, (byte) 153, (byte) 204, 1, 2, 3, 4, 5, 6});
        }
        Path images = Files.write(dir.resolve("imgs-idx3-ubyte.gz"), raw.toByteArray());
        raw.reset();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
            out.writeInt(0x00000801);
            out.writeInt(2);
            out.write(new byte[] {7, 3});
        }
        Path labels = Files.write(dir.resolve("labels-idx1-ubyte.gz"), raw.toByteArray());
        try (Batch b = Batches.fromIdx(images, labels, 2)) {
            assertArrayEquals(new long[] {2, 1, 2, 3}, b.column("image").shape());
            assertArrayEquals(
                    new float[] {0, 1, 0.2f, 0.4f, 0.6f, 0.8f},
                    Arrays.copyOf(b.column("image").toFloatArray(), 6),
                    1e-6f);
            assertEquals("imgs-idx3-ubyte.gz:1", b.meta(1).id());
            assertEquals(3, b.meta(1).label());
        }
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(2, 1, 0, 255);
        Path png = dir.resolve("one.png");
        ImageIO.write(img, "png", png.toFile());
        try (Batch b = Batches.fromPng(List.of(png))) {
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 1}, b.column("image").toFloatArray());
            assertEquals("one.png", b.meta(0).id());
        }
        try (Batch b = Batches.fromText(List.of("a", "bc"))) {
            assertEquals("bc", b.meta(1).tags().get("text"));
            assertEquals("text-1", b.meta(1).id());
        }
    }

    @Test
    void toleranceSaysWhereAndByHowMuch() {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> Tolerance.assertClose(new double[] {1, 2, 3}, new double[] {1, 2.5, 3.001}, 1e-2, "scores"));
        assertEquals(
                "scores: element 1 is 2.5, expected 2.0 (difference 0.5 > tolerance 0.01); largest difference 0.5"
                        + " at element 1 of 3",
                e.getMessage());
        Tolerance.assertClose(new float[] {1f, 2f}, new float[] {1f, 2.00001f}, 1e-4, "close enough");
    }
}
