package io.genpipe.wavenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.io.Wav;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.RunResult;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipelines/speech-generate.yaml and pipelines/speech-ood.yaml, end to end, with the plugin loaded from a plugins folder. */
@Tag("slow")
class SpeechPipelinesTest {

    private static final Path PIPELINES = WaveNetConformanceTest.ROOT.resolve("pipelines");
    private static PluginUnderTest plugin;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        plugin = PluginUnderTest.buildOutput();
    }

    @AfterAll
    static void close() {
        plugin.close();
    }

    @Test
    void speechGenerateWritesPromptedContinuationsSpectrogramsAndAReport() throws Exception {
        Path out = dir.resolve("generate");
        RunResult run = plugin.genpipe()
                .pipeline(PIPELINES.resolve("speech-generate.yaml"))
                .run(out);
        assertEquals(
                4,
                run.steps().stream()
                        .filter(s -> s.id().equals("generate"))
                        .findFirst()
                        .orElseThrow()
                        .rows());
        List<Path> wavs;
        try (Stream<Path> files = Files.list(out.resolve("continuations"))) {
            wavs = files.sorted().toList();
        }
        assertEquals(
                List.of("speech-000.wav", "speech-001.wav", "speech-002.wav", "speech-003.wav"),
                wavs.stream().map(p -> p.getFileName().toString()).toList());
        for (Path wav : wavs) {
            Wav.Header h = Wav.header(wav);
            assertEquals(8000, h.sampleRate());
            assertEquals(16, h.bitsPerSample());
            assertEquals(8800, h.frames());
            double[] generated = Wav.read(wav);
            double[] prompt = Wav.read(WaveNetConformanceTest.CLIPS.resolve(wav.getFileName()));
            for (int t = 0; t < 800; t++) {
                assertEquals(
                        Math.round(prompt[t] * 32767),
                        Math.round(generated[t] * 32767),
                        wav + " sample " + t + " is the prompt's");
            }
            double energy = 0;
            for (int t = 800; t < generated.length; t++) {
                energy += generated[t] * generated[t];
            }
            assertTrue(
                    Math.sqrt(energy / 8000) > 0.02,
                    wav + ": the continuation is not silence (rms " + Math.sqrt(energy / 8000) + ")");
        }
        assertTrue(Files.size(out.resolve("spectrograms.png")) > 10_000);
        assertTrue(Files.readString(out.resolve("report.html")).contains("spectrograms.png"));
        List<String> scores = Files.readAllLines(out.resolve("scores.jsonl"));
        assertEquals(4, scores.size());
        assertTrue(scores.get(0).contains("\"bits-per-sample\":"), scores.get(0));

        Path again = dir.resolve("again");
        plugin.genpipe().pipeline(PIPELINES.resolve("speech-generate.yaml")).run(again);
        Path otherBatch = dir.resolve("batch-3");
        plugin.genpipe()
                .pipeline(PIPELINES.resolve("speech-generate.yaml"))
                .set("batchSize", 3)
                .run(otherBatch);
        for (Path wav : wavs) {
            for (Path other : List.of(again, otherBatch)) {
                assertArrayEquals(
                        Files.readAllBytes(wav),
                        Files.readAllBytes(other.resolve("continuations").resolve(wav.getFileName())),
                        "same file + same seed = same bytes, whatever the batch size: " + other.getFileName() + "/"
                                + wav.getFileName());
            }
        }
        for (String f : List.of("spectrograms.png", "scores.jsonl")) {
            assertArrayEquals(
                    Files.readAllBytes(out.resolve(f)),
                    Files.readAllBytes(otherBatch.resolve(f)),
                    f + " at batch size 3");
        }
    }

    @Test
    void speechOodTellsSpeechFromNoiseAndTonesByBitsPerSample() throws Exception {
        Path out = dir.resolve("ood");
        RunResult run =
                plugin.genpipe().pipeline(PIPELINES.resolve("speech-ood.yaml")).run(out);
        @SuppressWarnings("unchecked")
        Map<String, Object> auroc = (Map<String, Object>) run.metrics().get("auroc");
        double value = ((Number) auroc.get("0")).doubleValue();
        assertTrue(value > 0.95, "AUROC of speech vs non-speech by bits per sample: " + value);
        List<String> rows = Files.readAllLines(out.resolve("scores.csv"));
        assertEquals(81, rows.size(), "a header and 40 + 40 clips");
        assertTrue(Files.exists(out.resolve("histogram.png")));
        assertTrue(Files.exists(out.resolve("auroc-roc.png")));

        Path otherBatch = dir.resolve("ood-batch-3");
        plugin.genpipe()
                .pipeline(PIPELINES.resolve("speech-ood.yaml"))
                .set("batchSize", 3)
                .run(otherBatch);
        for (String f : List.of("scores.csv", "histogram.png", "auroc-roc.png")) {
            assertArrayEquals(
                    Files.readAllBytes(out.resolve(f)),
                    Files.readAllBytes(otherBatch.resolve(f)),
                    f + " at batch size 3");
        }
    }

    @Test
    void aPromptedGeneratorWithoutAudioRowsIsRefusedAtValidationNamingTheStep() throws Exception {
        Path file = dir.resolve("no-audio.yaml");
        Files.writeString(
                file,
                "name: no-audio\nseed: 1\nsteps:\n  - id: prompts\n    use: text-source\n    with: {file: "
                        + PIPELINES.resolve("text/prompts.txt")
                        + "}\n  - id: generate\n    use: wavenet-generator\n    inputs: [prompts]\n"
                        + "    with: {samples: 10}\n");
        List<Problem> problems = plugin.genpipe().pipeline(file).validate();
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("generate", problems.get(0).stepId());
        assertEquals(7, problems.get(0).location().line());
        assertEquals(
                "needs column audio: float32[batch,samples] but its input 'prompts' provides no columns",
                problems.get(0).message());
    }
}
