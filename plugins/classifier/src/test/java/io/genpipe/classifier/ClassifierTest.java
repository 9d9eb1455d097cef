package io.genpipe.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.Encoder;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClassifierTest {

    private static final Path ROOT = Path.of(System.getProperty("genpipe.repo.root"));
    private static Genpipe genpipe;

    /** The two shipped graphs: the CNN and the Vision Transformer, each with its torch reference and card. */
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("classifier", "classifier-confidence", "fmnist-cnn.json", "card.json", 0.91),
                Arguments.of("vit-encoder", "vit-classifier", "vit.json", "card-vit.json", 0.88));
    }

    @BeforeAll
    static void start() {
        genpipe = Genpipe.builder().build();
    }

    private static JsonNode reference(String file) throws IOException {
        try (InputStream in = ClassifierTest.class.getResourceAsStream("/reference/" + file)) {
            return new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        genpipe.close();
    }

    private static float[] flat(JsonNode rows, float scale) {
        int w = rows.get(0).size();
        float[] out = new float[rows.size() * w];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < w; c++) {
                out[r * w + c] = (float) rows.get(r).get(c).asDouble() / scale;
            }
        }
        return out;
    }

    private static Batch referenceBatch(JsonNode reference) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            meta.add(RowMeta.of("ref-" + i)
                    .withLabel(reference.get("labels").get(i).asInt()));
        }
        return Batch.builder(8)
                .column("image", BufferTensor.ofFloats(flat(reference.get("images"), 255f), 8, 1, 28, 28))
                .meta(meta)
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void featuresAndProbabilitiesMatchTorch(String encoder, String scorer, String file, String card, double least)
            throws IOException {
        JsonNode reference = reference(file);
        float[] logits = flat(reference.get("logits"), 1f);
        float[] expectedProbs = ClassifierModel.softmax(logits, 10);
        Encoder classifier = genpipe.encoder(encoder, Map.of());
        try (Batch in = referenceBatch(reference);
                Batch out = classifier.encode(in)) {
            float tolerance = (float) reference.get("tolerance").asDouble();
            assertArrayEquals(
                    flat(reference.get("features"), 1f), out.column("features").toFloatArray(), tolerance);
            assertArrayEquals(expectedProbs, out.column("probs").toFloatArray(), 1e-5f);
            long[] predicted = out.column("predicted").toLongArray();
            for (int r = 0; r < 8; r++) {
                int best = 0;
                for (int j = 1; j < 10; j++) {
                    if (logits[r * 10 + j] > logits[r * 10 + best]) {
                        best = j;
                    }
                }
                assertEquals(best, predicted[r]);
            }
        }
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("models")
    void confidenceOfPredictedAndOfLabel(String encoder, String scorer, String file, String card, double least)
            throws IOException {
        JsonNode reference = reference(file);
        float[] probs = ClassifierModel.softmax(flat(reference.get("logits"), 1f), 10);
        Scorer predicted = genpipe.scorer(scorer, Map.of());
        Scorer ofLabel = genpipe.scorer(scorer, Map.of("of", "label"));
        try (Batch in = referenceBatch(reference)) {
            double[] p = predicted.score(in);
            double[] l = ofLabel.score(in);
            for (int r = 0; r < 8; r++) {
                double max = 0;
                for (int j = 0; j < 10; j++) {
                    max = Math.max(max, probs[r * 10 + j]);
                }
                assertEquals(max, p[r], 1e-5);
                assertEquals(probs[r * 10 + reference.get("labels").get(r).asInt()], l[r], 1e-5);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void testAccuracyOfTheShippedModelIsAsTorchMeasuredIt(
            String encoder, String scorer, String file, String card, double least) {
        IdxFile images = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        int[] labels = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
                .toLabels();
        Encoder classifier = genpipe.encoder(encoder, Map.of());
        int right = 0;
        for (int from = 0; from < labels.length; from += 1000) {
            try (Batch in = Batch.builder(1000)
                            .column("image", images.toImages(from, from + 1000))
                            .build();
                    Batch out = classifier.encode(in)) {
                long[] predicted = out.column("predicted").toLongArray();
                for (int i = 0; i < 1000; i++) {
                    right += predicted[i] == labels[from + i] ? 1 : 0;
                }
            }
        }
        double accuracy = right / 10000.0;
        assertTrue(accuracy >= least, "test accuracy " + accuracy);
        // torch measured the same model on the same images at export (train/card.json)
        double torchAccuracy;
        try {
            JsonNode history = new ObjectMapper()
                    .readTree(ROOT.resolve("plugins/classifier/train")
                            .resolve(card)
                            .toFile())
                    .get("history");
            torchAccuracy = history.get(history.size() - 1).get("test_accuracy").asDouble();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(torchAccuracy, accuracy, 0.0005);
    }

    @Test
    void aModelWithoutTheClassifierPortsIsRefused() {
        String vaeEncoder = ROOT.resolve("plugins/vae/src/main/resources/io/genpipe/vae/models/mlp-vae-encoder.onnx")
                .toAbsolutePath()
                .normalize()
                .toString();
        GenpipeException e =
                assertThrows(GenpipeException.class, () -> genpipe.encoder("classifier", Map.of("model", vaeEncoder)));
        assertEquals(
                "encoder 'classifier' could not be created: model " + vaeEncoder + " does not fit: no output 'logits'"
                        + " (expected float32[batch,K]; the model's outputs are [mu: float32[batch,20], logvar: float32[batch,20]]);"
                        + " no output 'features' (expected float32[batch,F]; the model's outputs are [mu: float32[batch,20],"
                        + " logvar: float32[batch,20]])",
                e.getMessage());
    }
}
