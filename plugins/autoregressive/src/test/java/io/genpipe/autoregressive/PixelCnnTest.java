package io.genpipe.autoregressive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PixelCnnTest {

    private static final Path ROOT = CharLstmTest.ROOT;
    private static Genpipe genpipe;
    private static JsonNode reference;
    private static IdxFile images;
    private static int[] labels;

    @BeforeAll
    static void start() throws Exception {
        genpipe = Genpipe.builder().build();
        try (InputStream in = PixelCnnTest.class.getResourceAsStream("/reference/pixelcnn.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        images = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        labels = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
                .toLabels();
    }

    @AfterAll
    static void stop() {
        genpipe.close();
    }

    /** Test images from..to with their labels, or the given labels (null: no label). */
    private static Batch testRows(int from, int to, Integer[] override) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Integer label = override != null ? override[i - from] : Integer.valueOf(labels[i]);
            meta.add(RowMeta.of("test-" + i).withLabel(label));
        }
        return Batch.builder(to - from)
                .column("image", images.toImages(from, to))
                .meta(meta)
                .build();
    }

    @Test
    void logitsMatchTorch() {
        Model model = genpipe.model(ROOT.resolve("plugins/autoregressive/src/main/resources/" + PixelCnn.SHIPPED));
        long[] l = new long[4];
        for (int i = 0; i < 4; i++) {
            l[i] = reference.get("labels").get(i).asLong();
        }
        try (BufferTensor pixels = images.toImages(0, 4);
                BufferTensor x = BufferTensor.ofFloats(PixelCnn.binarize(pixels), 4, 1, 28, 28);
                BufferTensor lt = BufferTensor.ofLongs(l, 4);
                ModelOutputs out = model.run(Map.of("x", x, "label", lt))) {
            float[] logits = out.get("logits").toFloatArray();
            for (int r = 0; r < 4; r++) {
                double sum = 0;
                for (int i = 0; i < 784; i++) {
                    sum += logits[r * 784 + i];
                }
                double expected = reference.get("logits_sum").get(r).asDouble();
                assertEquals(expected, sum, Math.abs(expected) * 1e-4 + 1e-2);
                float[] row = new float[28];
                System.arraycopy(logits, r * 784 + 14 * 28, row, 0, 28);
                assertArrayEquals(
                        CharLstmTest.flat(reference.get("logits_first_row").get(r)), row, 1e-3f);
            }
        }
    }

    @Test
    void stepGraphGivesTheFullGraphsLogitAtEveryPixel() {
        Model full = genpipe.model(ROOT.resolve("plugins/autoregressive/src/main/resources/" + PixelCnn.SHIPPED));
        Model stepModel =
                genpipe.model(ROOT.resolve("plugins/autoregressive/src/main/resources/" + PixelCnnStep.SHIPPED));
        assertEquals(full.sha256(), stepModel.metadata().get("genpipe.full_model_sha256"));
        long[] l = {0, 3, 10};
        float[] expected;
        float[] image;
        try (BufferTensor pixels = images.toImages(0, 3)) {
            image = PixelCnn.binarize(pixels);
        }
        try (BufferTensor x = BufferTensor.ofFloats(image, 3, 1, 28, 28);
                BufferTensor lt = BufferTensor.ofLongs(l, 3);
                ModelOutputs out = full.run(Map.of("x", x, "label", lt))) {
            expected = out.get("logits").toFloatArray();
        }
        // the real pixels fed back: the step graph's logit at each pixel must be the full graph's
        float[] real = image.clone();
        float[] stepLogits = new float[3 * 784];
        float[] written = new float[3 * 784];
        PixelCnnStep.of(stepModel, 10).walk(written, l, (r, pixel, logit) -> {
            stepLogits[r * 784 + pixel] = logit;
            return real[r * 784 + pixel];
        });
        assertArrayEquals(real, written);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - stepLogits[i]));
        }
        assertTrue(worst < 1e-4, "largest logit difference " + worst);
    }

    @Test
    void cachedSamplingDrawsTheSameImagesAsRecomputing() {
        Generator cached = genpipe.generator("pixelcnn-generator", Map.of("label", "row"));
        Generator recompute = genpipe.generator("pixelcnn-generator", Map.of("label", "row", "state", "recompute"));
        Path models = ROOT.resolve("plugins/autoregressive/src/main/resources/io/genpipe/autoregressive/models");
        Generator own = genpipe.generator(
                "pixelcnn-generator",
                Map.of(
                        "label",
                        "row",
                        "model",
                        models.resolve("pixelcnn.onnx").toString(),
                        "stepModel",
                        models.resolve("pixelcnn-step.onnx").toString()));
        Integer[] rowLabels = {0, 3, null, 7, 9};
        try (Batch in = testRows(0, 5, rowLabels);
                Batch a = cached.generate(in, new RandomSource(21));
                Batch b = recompute.generate(in, new RandomSource(21));
                Batch c = own.generate(in, new RandomSource(21))) {
            float[] x = a.column("image").toFloatArray();
            assertArrayEquals(b.column("image").toFloatArray(), x);
            assertArrayEquals(x, c.column("image").toFloatArray());
            for (int r = 0; r < 5; r++) {
                assertEquals(b.meta(r), a.meta(r));
            }
        }
        assertEquals(
                "parameter 'stepModel' of generator 'pixelcnn-generator': with your own model:, state: cache needs stepModel:"
                        + " (its step graph, made by train/export_pixelcnn_step.py --model YOUR.onnx); or set state: recompute",
                assertThrows(
                                GenpipeException.class,
                                () -> genpipe.generator(
                                        "pixelcnn-generator",
                                        Map.of(
                                                "model",
                                                models.resolve("pixelcnn.onnx").toString())))
                        .getMessage());
    }

    @Test
    void scorerGivesTorchsExactNegativeLogLikelihood() {
        Scorer nats = genpipe.scorer("pixelcnn-scorer", Map.of("label", "row"));
        Scorer bits = genpipe.scorer("pixelcnn-scorer", Map.of("label", "row", "unit", "bits-per-dim"));
        // the reference rows: labels 0, 3, none (10), 9
        Integer[] rowLabels = {0, 3, null, 9};
        try (Batch in = testRows(0, 4, rowLabels)) {
            double[] n = nats.score(in);
            double[] b = bits.score(in);
            for (int r = 0; r < 4; r++) {
                double expected = reference.get("nll_nats").get(r).asDouble();
                assertEquals(expected, n[r], expected * 1e-4);
                assertEquals(n[r] / 784 / Math.log(2), b[r], 1e-9);
            }
        }
        // the first 100 test images conditioned on their own class, as the training script measured
        try (Batch in = testRows(0, 100, null)) {
            double mean = Arrays.stream(nats.score(in)).average().orElseThrow();
            double expected = reference.get("test_nats_conditional_first100").asDouble();
            assertEquals(expected, mean, expected * 1e-4);
        }
        assertEquals("negative-log-likelihood", nats.quantity());
    }

    @Test
    void conditioningOnTheTrueClassMakesImagesMoreLikely() {
        Scorer own = genpipe.scorer("pixelcnn-scorer", Map.of("label", "row"));
        Scorer none = genpipe.scorer("pixelcnn-scorer", Map.of());
        try (Batch in = testRows(0, 200, null)) {
            double a = Arrays.stream(own.score(in)).average().orElseThrow();
            double b = Arrays.stream(none.score(in)).average().orElseThrow();
            assertTrue(a < b, a + " vs " + b);
        }
    }

    @Test
    void samplesAreBinaryDeterministicAndCarryTheirClass() {
        Generator g = genpipe.generator("pixelcnn-generator", Map.of("label", "1"));
        float[] first;
        try (Batch in = testRows(0, 3, new Integer[] {null, null, null});
                Batch out = g.generate(in, new RandomSource(4))) {
            first = out.column("image").toFloatArray();
            for (float v : first) {
                assertTrue(v == 0f || v == 1f, "pixel " + v);
            }
            assertEquals(Integer.valueOf(1), out.meta(0).label());
        }
        try (Batch in = testRows(0, 3, new Integer[] {null, null, null});
                Batch out = g.generate(in, new RandomSource(4))) {
            assertArrayEquals(first, out.column("image").toFloatArray());
        }
        try (Batch in = testRows(0, 3, new Integer[] {null, null, null});
                Batch out = g.generate(in, new RandomSource(5))) {
            assertNotEquals(
                    Arrays.toString(first), Arrays.toString(out.column("image").toFloatArray()));
        }
    }

    @Test
    void badLabelsAreNamed() {
        assertEquals(
                "parameter 'label' of scorer 'pixelcnn-scorer': label must be none, row or a class number 0..9, found 'shoes'",
                assertThrows(GenpipeException.class, () -> genpipe.scorer("pixelcnn-scorer", Map.of("label", "shoes")))
                        .getMessage());
        Scorer own = genpipe.scorer("pixelcnn-scorer", Map.of("label", "row"));
        try (Batch in = testRows(0, 1, new Integer[] {12})) {
            assertEquals(
                    "row test-0 has label 12; the PixelCNN knows classes 0..9",
                    assertThrows(GenpipeException.class, () -> own.score(in)).getMessage());
        }
    }
}
