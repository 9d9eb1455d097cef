package io.genpipe.wavenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Role;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.io.Wav;
import io.genpipe.testkit.PluginUnderTest;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parity of the plugin, loaded from a plugins folder, with the torch model it was exported from:
 * greedy generation through the step graph (and through the full graph recomputed) against torch's
 * full-sequence argmax decode, and scores against torch's, on bundled held-out clips.
 */
class WaveNetTest {

    private static PluginUnderTest plugin;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        plugin = PluginUnderTest.buildOutput();
        try (InputStream in = WaveNetTest.class.getResourceAsStream("/reference/wavenet.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void close() {
        plugin.close();
    }

    static Batch clip(String file, int samples) {
        double[] x = Wav.read(WaveNetConformanceTest.CLIPS.resolve(file));
        int n = Math.min(samples, x.length);
        float[] audio = new float[samples];
        for (int t = 0; t < n; t++) {
            audio[t] = (float) x[t];
        }
        return Batch.builder(1)
                .meta(List.of(RowMeta.of(file)))
                .column("audio", BufferTensor.ofFloats(audio, 1, samples))
                .column("length", BufferTensor.ofLongs(new long[] {n}, 1))
                .build();
    }

    private static int[] greedy(String state) {
        int prompt = reference.get("prompt_samples").asInt();
        int n = reference.get("greedy").size();
        Generator g = plugin.create(
                Role.GENERATOR,
                "wavenet-generator",
                Map.of("sampling", "greedy", "promptSamples", prompt, "samples", n, "state", state));
        try (Batch in = clip(reference.get("prompt_file").asText(), prompt);
                Batch out = g.generate(in, new RandomSource(1))) {
            float[] audio = out.column("audio").toFloatArray();
            assertEquals(prompt + n, audio.length);
            assertEquals(prompt + n, out.column("length").toLongArray()[0]);
            int[] generated = new int[n];
            for (int i = 0; i < n; i++) {
                generated[i] = MuLaw.encode(audio[prompt + i]);
            }
            return generated;
        }
    }

    private static int[] torchGreedy() {
        int[] want = new int[reference.get("greedy").size()];
        for (int i = 0; i < want.length; i++) {
            want[i] = reference.get("greedy").get(i).asInt();
        }
        return want;
    }

    @Test
    void cachedStepGenerationEqualsTorchFullSequenceArgmaxSampleForSample() {
        assertArrayEquals(torchGreedy(), greedy("cache"));
        assertEquals(0, plugin.liveNativeValues(), "every layer queue was closed");
    }

    @Test
    void recomputedReceptiveFieldGivesTheSameGreedySamples() {
        assertArrayEquals(torchGreedy(), greedy("recompute"));
    }

    @Test
    void scoresEqualTorchWithin1e4() {
        Scorer bits = plugin.create(Role.SCORER, "wavenet-scorer", Map.of());
        Scorer ll = plugin.create(Role.SCORER, "wavenet-scorer", Map.of("report", "log-likelihood"));
        for (JsonNode s : reference.get("scores")) {
            int n = s.get("samples").asInt();
            try (Batch in = clip(s.get("file").asText(), n)) {
                assertEquals(
                        s.get("bits_per_sample").asDouble(),
                        bits.score(in)[0],
                        1e-4,
                        s.get("file").asText());
                // the same per-sample tolerance, summed over the clip's n - 1 predictions
                assertEquals(
                        s.get("log_likelihood").asDouble(),
                        ll.score(in)[0],
                        1e-4 * (n - 1),
                        s.get("file").asText());
            }
        }
    }

    @Test
    void muLawClassesOfTheBundledClipsRoundTripExactly() {
        double[] x = Wav.read(WaveNetConformanceTest.CLIPS.resolve("speech-000.wav"));
        for (double v : x) {
            int q = MuLaw.encode(v);
            assertEquals(Math.round(v * 32767), Math.round(MuLaw.decode(q) * 32767.0), "sample " + v);
        }
        assertEquals(MuLaw.SILENCE, MuLaw.encode(0));
        assertEquals(0, MuLaw.encode(-1));
        assertEquals(255, MuLaw.encode(1));
    }

    @Test
    void aBatchOfRowsGivesEachRowWhatItGetsAlone() {
        Generator g = plugin.create(Role.GENERATOR, "wavenet-generator", Map.of("promptSamples", 300, "samples", 200));
        List<float[]> alone = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            try (Batch one = slice(WaveNetConformanceTest.clips(3, 400), r);
                    Batch out = g.generate(one, new RandomSource(5))) {
                alone.add(out.column("audio").toFloatArray());
            }
        }
        try (Batch all = WaveNetConformanceTest.clips(3, 400);
                Batch out = g.generate(all, new RandomSource(5))) {
            float[] audio = out.column("audio").toFloatArray();
            int width = audio.length / 3;
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(alone.get(r), Arrays.copyOfRange(audio, r * width, (r + 1) * width), "row " + r);
            }
            long[] length = out.column("length").toLongArray();
            assertArrayEquals(new long[] {500, 500, 500}, length);
        }
    }

    private static Batch slice(Batch b, int r) {
        int w = (int) b.column("audio").shape()[1];
        float[] a = Arrays.copyOfRange(b.column("audio").toFloatArray(), r * w, (r + 1) * w);
        long[] l = {b.column("length").toLongArray()[r]};
        RowMeta m = b.meta(r);
        b.close();
        return Batch.builder(1)
                .meta(List.of(m))
                .column("audio", BufferTensor.ofFloats(a, 1, w))
                .column("length", BufferTensor.ofLongs(l, 1))
                .build();
    }

    @Test
    void aPromptWithoutAnAudioColumnIsAClearError() {
        Generator g = plugin.create(Role.GENERATOR, "wavenet-generator", Map.of("samples", 10));
        try (Batch in = Batch.builder(1).meta(List.of(RowMeta.of("x"))).build()) {
            GenpipeException e = assertThrows(GenpipeException.class, () -> g.generate(in, new RandomSource(1)));
            assertEquals(
                    "promptSamples: 800 reads the prompt from an audio column (float32[batch,samples], e.g. from"
                            + " wav-source), and the input rows have none (columns: []); set promptSamples: 0 to start from silence",
                    e.getMessage());
        }
    }

    @Test
    void yourOwnModelNeedsItsStepGraph() {
        Path model = Path.of("src/main/resources/io/genpipe/wavenet/models/wavenet.onnx")
                .toAbsolutePath();
        RuntimeException e = assertThrows(
                RuntimeException.class,
                () -> plugin.create(Role.GENERATOR, "wavenet-generator", Map.of("model", model.toString())));
        assertTrue(e.getMessage().contains("with your own model:, the generator needs stepModel: too"), e.getMessage());
    }
}
