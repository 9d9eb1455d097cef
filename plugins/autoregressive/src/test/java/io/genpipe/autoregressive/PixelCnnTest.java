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
        labels = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz")).toLabels();
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
        return Batch.builder(to - from).column("image", images.toImages(from, to)).meta(meta).build();
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
                assertArrayEquals(CharLstmTest.flat(reference.get("logits_first_row").get(r)), row, 1e-3f);
            }
        }
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
            double mean = java.util.Arrays.stream(nats.score(in)).average().orElseThrow();
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
            double a = java.util.Arrays.stream(own.score(in)).average().orElseThrow();
            double b = java.util.Arrays.stream(none.score(in)).average().orElseThrow();
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
            assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(out.column("image").toFloatArray()));
        }
    }

    @Test
    void badLabelsAreNamed() {
        assertEquals("parameter 'label' of scorer 'pixelcnn-scorer': label must be none, row or a class number 0..9, found 'shoes'",
                assertThrows(GenpipeException.class, () -> genpipe.scorer("pixelcnn-scorer", Map.of("label", "shoes")))
                        .getMessage());
        Scorer own = genpipe.scorer("pixelcnn-scorer", Map.of("label", "row"));
        try (Batch in = testRows(0, 1, new Integer[] {12})) {
            assertEquals("row test-0 has label 12; the PixelCNN knows classes 0..9",
                    assertThrows(GenpipeException.class, () -> own.score(in)).getMessage());
        }
    }
}
