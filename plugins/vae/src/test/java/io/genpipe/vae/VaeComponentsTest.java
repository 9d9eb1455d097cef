package io.genpipe.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Sampler;
import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.Model;
import io.genpipe.runtime.Genpipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VaeComponentsTest {

    private static final Path BYOM = Path.of("src/test/resources/byom").toAbsolutePath();
    private static Genpipe genpipe;

    @BeforeAll
    static void start() {
        genpipe = Genpipe.builder().seed(11).build();
    }

    @AfterAll
    static void stop() {
        genpipe.close();
        assertEquals(0, genpipe.onnx().liveNativeValues());
    }

    /** Every exported model: reference name and the parameters that select it. */
    static Stream<Object[]> models() {
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"mlp-vae", Map.of("variant", "mlp")});
        for (int c = 0; c < 10; c++) {
            cases.add(new Object[] {"one-class-" + c, Map.of("variant", "one-class", "class", c)});
        }
        cases.add(new Object[] {
            "mlp-vae-latent8",
            Map.of(
                    "encoder",
                    BYOM.resolve("mlp-vae-latent8-encoder.onnx").toString(),
                    "decoder",
                    BYOM.resolve("mlp-vae-latent8-decoder.onnx").toString())
        });
        return cases.stream();
    }

    private static Batch images(Reference ref) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < ref.rows(); i++) {
            meta.add(RowMeta.of("test-" + i));
        }
        return Batch.builder(ref.rows())
                .column("image", ref.imageTensor())
                .meta(meta)
                .build();
    }

    private static Map<String, Object> with(Map<String, Object> base, Object... kv) {
        Map<String, Object> m = new HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void encoderAndDecoderMatchTorch(String name, Map<String, Object> select) {
        Reference ref = Reference.load(name);
        Encoder encoder = genpipe.encoder("vae-encoder", select);
        Generator decoder = genpipe.generator("vae-decoder", with(select, "input", "mu"));
        assertEquals(
                List.of(
                        PortSpec.of("mu", DType.FLOAT32, "batch", ref.latent()),
                        PortSpec.of("logvar", DType.FLOAT32, "batch", ref.latent())),
                encoder.outputs());
        try (Batch in = images(ref);
                Batch encoded = encoder.encode(in);
                Batch decoded = decoder.generate(encoded, genpipe.random("unused"))) {
            assertArrayEquals(ref.mu(), encoded.column("mu").toFloatArray(), (float) ref.tolerance());
            assertArrayEquals(ref.logvar(), encoded.column("logvar").toFloatArray(), (float) ref.tolerance());
            assertArrayEquals(ref.decodedMu(), decoded.column("image").toFloatArray(), (float) ref.tolerance());
            assertEquals(in.meta(), decoded.meta());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void scoresMatchWhatTorchsOutputsGive(String name, Map<String, Object> select) {
        Reference ref = Reference.load(name);
        int pixels = 784;
        double[] expectedRecon = new double[ref.rows()];
        double[] expectedElbo = new double[ref.rows()];
        for (int r = 0; r < ref.rows(); r++) {
            for (int i = 0; i < pixels; i++) {
                double x = ref.images()[r * pixels + i];
                double p = Math.min(Math.max(ref.decodedMu()[r * pixels + i], 1e-7), 1 - 1e-7);
                expectedRecon[r] += (x - p) * (x - p);
                expectedElbo[r] -= x * Math.log(p) + (1 - x) * Math.log(1 - p);
            }
            for (int j = 0; j < ref.latent(); j++) {
                double mu = ref.mu()[r * ref.latent() + j];
                double lv = ref.logvar()[r * ref.latent() + j];
                expectedElbo[r] += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
            }
        }
        try (Batch in = images(ref)) {
            Scorer recon = genpipe.scorer("vae-anomaly-scorer", with(select, "method", "reconstruction"));
            Scorer elbo = genpipe.scorer("vae-anomaly-scorer", with(select, "method", "elbo"));
            assertEquals("anomaly", recon.quantity());
            assertEquals(ScoreDirection.HIGHER_IS_MORE, recon.direction());
            assertRelative(expectedRecon, recon.score(in), 1e-3);
            assertRelative(expectedElbo, elbo.score(in), 1e-3);
        }
    }

    private static void assertRelative(double[] expected, double[] actual, double relative) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], Math.abs(expected[i]) * relative + 1e-6, "row " + i);
        }
    }

    @Test
    void mahalanobisAndCombinedUseTheTrainingStatistics() {
        Reference ref = Reference.load("one-class-0");
        Map<String, Object> select = Map.of("variant", "one-class", "class", 0);
        try (Batch in = images(ref)) {
            double[] maha = genpipe.scorer("vae-anomaly-scorer", with(select, "method", "mahalanobis"))
                    .score(in);
            double[] recon = genpipe.scorer("vae-anomaly-scorer", with(select, "method", "reconstruction"))
                    .score(in);
            double[] combined = genpipe.scorer("vae-anomaly-scorer", select).score(in);
            Model encoder = genpipe.model(
                    Path.of("src/main/resources/io/genpipe/vae/models/one-class/one-class-0-encoder.onnx"));
            VaeStats stats = VaeStats.fromMetadata(encoder.metadata(), "one-class-0", 16);
            for (int r = 0; r < ref.rows(); r++) {
                assertEquals(stats.mahalanobis(ref.mu(), r * 16), maha[r], 1e-3 * maha[r] + 1e-3);
                double expected = (recon[r] - stats.reconMean()) / stats.reconStd()
                        + (maha[r] - stats.mahalanobisMean()) / stats.mahalanobisStd();
                assertEquals(expected, combined[r], 1e-9);
            }
            // the reference images' first is an ankle boot (class 9): far from the T-shirt model's data
            assertTrue(combined[0] > 0, "an ankle boot should look anomalous to the T-shirt model: " + combined[0]);
        }
    }

    @Test
    void iwaeIsDeterministicAndIndependentOfBatching() {
        Reference ref = Reference.load("mlp-vae");
        Scorer iwae = genpipe.scorer("vae-anomaly-scorer", Map.of("method", "iwae", "samples", 8));
        double[] all;
        double[] again;
        try (Batch in = images(ref)) {
            all = iwae.score(in);
            again = iwae.score(in);
        }
        assertArrayEquals(all, again);
        float[] third = Arrays.copyOfRange(ref.images(), 2 * 784, 3 * 784);
        try (Batch one = Batch.builder(1)
                .column("image", BufferTensor.ofFloats(third, 1, 1, 28, 28))
                .meta(List.of(RowMeta.of("test-2")))
                .build()) {
            assertEquals(all[2], iwae.score(one)[0], 1e-9);
        }
        double[] elbo;
        try (Batch in = images(ref)) {
            elbo = genpipe.scorer("vae-anomaly-scorer", Map.of("method", "elbo"))
                    .score(in);
        }
        for (int r = 0; r < all.length; r++) {
            assertTrue(Double.isFinite(all[r]));
            // both bound -log p(x) from above and are close for a trained VAE
            assertEquals(elbo[r], all[r], 0.1 * elbo[r], "row " + r);
        }
    }

    @Test
    void encoderSamplesZPerRowId() {
        Reference ref = Reference.load("mlp-vae");
        Encoder sampling = genpipe.encoder("vae-encoder", Map.of("sample", true));
        assertEquals(
                PortSpec.of("z", DType.FLOAT32, "batch", 20), sampling.outputs().get(2));
        try (Batch in = images(ref);
                Batch a = sampling.encode(in);
                Batch b = sampling.encode(in)) {
            float[] z = a.column("z").toFloatArray();
            assertArrayEquals(z, b.column("z").toFloatArray());
            float[] mu = a.column("mu").toFloatArray();
            assertNotEquals(mu[0], z[0]);
        }
    }

    @Test
    void priorIsSizedByTheDecoderAndSeeded() {
        Sampler prior = genpipe.sampler("vae-prior", Map.of("truncation", 1.5));
        assertEquals(List.of(PortSpec.of("z", DType.FLOAT32, "batch", 20)), prior.outputs());
        Sampler byom = genpipe.sampler(
                "vae-prior",
                Map.of("decoder", BYOM.resolve("mlp-vae-latent8-decoder.onnx").toString()));
        assertEquals(List.of(PortSpec.of("z", DType.FLOAT32, "batch", 8)), byom.outputs());
        Generator decoder = genpipe.generator("vae-decoder", Map.of());
        try (Batch z = prior.sample(Batch.ofRows(4), genpipe.random("p"));
                Batch z2 = prior.sample(Batch.ofRows(4), genpipe.random("p"));
                Batch images = decoder.generate(z, genpipe.random("d"))) {
            assertArrayEquals(z.column("z").toFloatArray(), z2.column("z").toFloatArray());
            for (float v : z.column("z").toFloatArray()) {
                assertTrue(Math.abs(v) <= 1.5f);
            }
            for (float v : images.column("image").toFloatArray()) {
                assertTrue(v >= 0 && v <= 1);
            }
        }
    }

    @Test
    void aModelWhosePortsDoNotFitIsRefusedNamingEachPort() {
        String misfit = BYOM.resolve("misfit-encoder.onnx").toString();
        GenpipeException e =
                assertThrows(GenpipeException.class, () -> genpipe.encoder("vae-encoder", Map.of("encoder", misfit)));
        assertEquals(
                "encoder 'vae-encoder' could not be created: model " + misfit + " does not fit: no input 'image'"
                        + " (expected float32[batch,1,28,28]; the model's inputs are [x: float32[batch,784]]); no output 'mu'"
                        + " (expected float32[batch,L]; the model's outputs are [h: float32[batch,20]]); no output 'logvar'"
                        + " (expected float32[batch,L]; the model's outputs are [h: float32[batch,20]])",
                e.getMessage());
    }

    @Test
    void encoderAndDecoderOfDifferentLatentSizesAreRefused() {
        String encoder = BYOM.resolve("mlp-vae-latent8-encoder.onnx").toString();
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> genpipe.scorer("vae-anomaly-scorer", Map.of("encoder", encoder, "method", "reconstruction")));
        assertEquals(
                "scorer 'vae-anomaly-scorer' could not be created: model vae:io/genpipe/vae/models/mlp-vae-decoder.onnx"
                        + " does not fit: input port 'z': expected float32[batch,8], found float32[batch,20]",
                e.getMessage());
    }

    @Test
    void statisticsMethodsNeedStatisticsInTheModel() {
        String encoder = BYOM.resolve("mlp-vae-latent8-nostats-encoder.onnx").toString();
        String decoder = BYOM.resolve("mlp-vae-latent8-decoder.onnx").toString();
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> genpipe.scorer(
                        "vae-anomaly-scorer", Map.of("encoder", encoder, "decoder", decoder, "method", "mahalanobis")));
        assertEquals(
                "scorer 'vae-anomaly-scorer' could not be created: method mahalanobis needs the training data's"
                        + " latent statistics, and model " + encoder
                        + " has none in its metadata (genpipe.vae.latent_mean,"
                        + " genpipe.vae.latent_precision, genpipe.vae.stats; plugins/vae/train/train_vae.py shows how to export"
                        + " them); use method: reconstruction, elbo or iwae",
                e.getMessage());
        // the same model scores fine by a method that needs no statistics
        Reference ref = Reference.load("mlp-vae-latent8");
        try (Batch in = images(ref)) {
            double[] s = genpipe.scorer(
                            "vae-anomaly-scorer",
                            Map.of("encoder", encoder, "decoder", decoder, "method", "reconstruction"))
                    .score(in);
            assertEquals(ref.rows(), s.length);
        }
    }

    @Test
    void oneClassNeedsAValidClass() {
        GenpipeException wrongClass = assertThrows(
                GenpipeException.class,
                () -> genpipe.scorer("vae-anomaly-scorer", Map.of("variant", "one-class", "class", 12)));
        assertEquals(
                "parameter 'class' of scorer 'vae-anomaly-scorer' must be from 0 to 9, got 12",
                wrongClass.getMessage());
        GenpipeException noClass = assertThrows(
                GenpipeException.class, () -> genpipe.scorer("vae-anomaly-scorer", Map.of("variant", "one-class")));
        assertEquals(
                "parameter 'class' of scorer 'vae-anomaly-scorer': variant one-class needs class: 0-9 (the class"
                        + " the model was trained on)",
                noClass.getMessage());
    }
}
