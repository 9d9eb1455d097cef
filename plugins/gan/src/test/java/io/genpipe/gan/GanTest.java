package io.genpipe.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GanTest {

    private static final Path ROOT =
            Path.of(System.getProperty("genpipe.repo.root")).toAbsolutePath().normalize();
    private static Genpipe genpipe;
    private static JsonNode reference;

    @BeforeAll
    static void start() throws Exception {
        genpipe = Genpipe.builder().seed(3).build();
        try (InputStream in = GanTest.class.getResourceAsStream("/reference/cdcgan.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        genpipe.close();
        assertEquals(0, genpipe.onnx().liveNativeValues());
    }

    private static float[] flat(JsonNode rows) {
        int w = rows.get(0).size();
        float[] out = new float[rows.size() * w];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < w; c++) {
                out[r * w + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return out;
    }

    private static List<RowMeta> labelled() {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            meta.add(RowMeta.of("g-" + i)
                    .withLabel(reference.get("labels").get(i).asInt()));
        }
        return meta;
    }

    @Test
    void generatorAndDiscriminatorMatchTorch() {
        float tolerance = (float) reference.get("tolerance").asDouble();
        Generator generator = genpipe.generator("gan-generator", Map.of());
        Scorer discriminator = genpipe.scorer("gan-discriminator", Map.of());
        assertEquals("realism", discriminator.quantity());
        try (Batch z = Batch.builder(10)
                        .column("z", BufferTensor.ofFloats(flat(reference.get("z")), 10, 100))
                        .meta(labelled())
                        .build();
                Batch images = generator.generate(z, genpipe.random("g"))) {
            assertArrayEquals(
                    flat(reference.get("images")), images.column("image").toFloatArray(), tolerance);
            assertEquals(z.meta(), images.meta());
            double[] realism = discriminator.score(images);
            JsonNode expected = reference.get("realism");
            for (int i = 0; i < 10; i++) {
                assertEquals(expected.get(i).asDouble(), realism[i], 1e-4);
            }
        }
    }

    @Test
    void unlabelledRowsGetSeededLabelsAndAFixedLabelWins() {
        Generator free = genpipe.generator("gan-generator", Map.of());
        Generator shoes = genpipe.generator("gan-generator", Map.of("label", 7));
        try (Batch z = Batch.builder(10)
                        .column("z", BufferTensor.ofFloats(flat(reference.get("z")), 10, 100))
                        .build();
                Batch a = free.generate(z, genpipe.random("g"));
                Batch b = free.generate(z, genpipe.random("g"));
                Batch c = shoes.generate(z, genpipe.random("g"))) {
            assertEquals(a.meta(), b.meta());
            assertArrayEquals(
                    a.column("image").toFloatArray(), b.column("image").toFloatArray());
            assertTrue(
                    a.meta().stream().map(RowMeta::label).distinct().count() > 1,
                    a.meta().toString());
            assertTrue(c.meta().stream().allMatch(m -> m.label() == 7));
        }
    }

    @Test
    void anUnconditionalGeneratorOfYourOwnRunsToo() {
        // the VAE decoder is a z -> image model without a label input
        String decoder = ROOT.resolve("plugins/vae/src/main/resources/io/genpipe/vae/models/mlp-vae-decoder.onnx")
                .toString();
        Generator g = genpipe.generator("gan-generator", Map.of("generator", decoder));
        assertEquals(20, g.inputs().get(0).shape().get(1).size());
        try (Batch z = Batch.builder(2)
                        .column("z", BufferTensor.ofFloats(new float[40], 2, 20))
                        .build();
                Batch images = g.generate(z, genpipe.random("g"))) {
            assertEquals("float32[2,1,28,28]", images.column("image").typeString());
        }
    }

    @Test
    void aModelWithoutNoiseInputIsRefused() {
        String encoder = ROOT.resolve("plugins/vae/src/main/resources/io/genpipe/vae/models/mlp-vae-encoder.onnx")
                .toString();
        GenpipeException e = assertThrows(
                GenpipeException.class, () -> genpipe.generator("gan-generator", Map.of("generator", encoder)));
        assertEquals(
                "generator 'gan-generator' could not be created: model " + encoder + " does not fit: no input 'z'"
                        + " (expected float32[batch,N]; the model's inputs are [image: float32[batch,1,28,28]]); no output 'image'"
                        + " (expected float32[batch,1,28,28]; the model's outputs are [mu: float32[batch,20], logvar: float32[batch,20]])",
                e.getMessage());
        GenpipeException label =
                assertThrows(GenpipeException.class, () -> genpipe.generator("gan-generator", Map.of("label", 10)));
        assertEquals("parameter 'label' of generator 'gan-generator' must be from 0 to 9, got 10", label.getMessage());
    }
}
