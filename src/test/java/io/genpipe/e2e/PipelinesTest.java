package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.runtime.io.IdxFile;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every pipeline file in pipelines/ runs through the CLI and its outputs are checked. */
class PipelinesTest {

    @TempDir
    Path dir;

    @Test
    void everyPipelineFileIsCoveredHere() throws Exception {
        try (Stream<Path> files = Files.walk(Repo.root().resolve("pipelines"))) {
            List<String> found = files.filter(p -> p.toString().endsWith(".yaml"))
                    .map(p -> Repo.root().relativize(p).toString())
                    .sorted()
                    .collect(Collectors.toList());
            assertEquals(
                    List.of(
                            "pipelines/anomaly-augment.yaml",
                            "pipelines/anomaly-kinds.yaml",
                            "pipelines/bench/gan-quality.yaml",
                            "pipelines/bench/spark-scoring.yaml",
                            "pipelines/bench/vae-one-class.yaml",
                            "pipelines/gpt-generate.yaml",
                            "pipelines/latent-walk.yaml",
                            "pipelines/ood-likelihood.yaml",
                            "pipelines/shared/vae-flag.yaml",
                            "pipelines/sneakers.yaml",
                            "pipelines/speech-generate.yaml",
                            "pipelines/speech-ood.yaml",
                            "pipelines/text-generate.yaml",
                            "pipelines/text-novelty.yaml"),
                    found,
                    "a pipeline file without an end-to-end test here (the speech pipelines need the wavenet plugin from its"
                            + " plugins folder: they run in plugins/wavenet's SpeechPipelinesTest)");
        }
    }

    @Test
    void sparkScoringBenchmarkScoresEveryCopy() throws Exception {
        // the Spark benchmark's chain (run at 100k and 1M rows in docs/BENCHMARKS.md), small, on the local engine
        Path out = dir.resolve("spark-scoring");
        Repo.Run run = Repo.genpipe(
                Map.of(),
                "run",
                "pipelines/bench/spark-scoring.yaml",
                "--set",
                "test.limit=300",
                "--set",
                "copies.times=3",
                "--out",
                out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(900, json.at("/metrics/scored").asInt());
        assertEquals(
                List.of(300, 900, 900, 900),
                List.of(
                        json.at("/steps/0/rows").asInt(),
                        json.at("/steps/1/rows").asInt(),
                        json.at("/steps/2/rows").asInt(),
                        json.at("/steps/3/rows").asInt()));
    }

    @Test
    @Tag("slow") // a full-size run
    void vaeOneClassBenchmarkReportsEveryClassAndTheMean() throws Exception {
        Path out = dir.resolve("vae-one-class");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/bench/vae-one-class.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        JsonNode auroc = json.at("/metrics/auroc");
        double sum = 0;
        for (int c = 0; c < 10; c++) {
            double a = auroc.get(Integer.toString(c)).asDouble();
            assertTrue(a > 0.8 && a <= 1, "class " + c + ": " + a);
            sum += a;
        }
        assertEquals(sum / 10, auroc.get("mean").asDouble(), 1e-5);
        // the shipped one-class models' documented figure (docs/BENCHMARKS.md): mean 0.926
        assertTrue(auroc.get("mean").asDouble() >= 0.90, auroc.toString());
        assertEquals(10_000, json.at("/steps/0/rows").asInt());
        assertEquals(20, json.get("models").size());
        assertTrue(run.out().startsWith("wrote " + out), run.out());
        String report = Files.readString(out.resolve("report.html"));
        assertTrue(report.contains("<img src=\"auroc-roc.png\""), report);
        assertTrue(Files.size(out.resolve("auroc-roc.png")) > 10_000);
    }

    @Test
    @Tag("slow") // a full-size run
    void anomalyAugmentFlagsRegeneratesGatesAndWritesTheDataset() throws Exception {
        Path out = dir.resolve("augment");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/anomaly-augment.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("metrics");
        // 5% of each class of 1000 test images
        assertEquals(500, m.get("flagged").asInt());
        for (int c = 0; c < 10; c++) {
            assertEquals(50, m.at("/flaggedPerClass/" + c).asInt());
        }
        // the loop: exactly as many accepted replacements per class as were flagged, over the rounds it took
        JsonNode refill = m.get("refill");
        int rounds = refill.get("rounds").asInt();
        assertTrue(rounds >= 1 && rounds <= 10, refill.toString());
        int tried = 0;
        for (int c = 0; c < 10; c++) {
            assertEquals(50, refill.at("/needed/" + c).asInt(), refill.toString());
            int accepted = 0;
            for (int r = 1; r <= rounds; r++) {
                accepted += refill.at("/accepted/" + r + "/" + c).asInt();
                tried += refill.at("/accepted/" + r + "/" + c).asInt()
                        + refill.at("/rejected/" + r + "/" + c).asInt();
            }
            assertEquals(50, accepted, "class " + c + ": " + refill);
        }
        // every generated image was tried: accepted or rejected by the gate, none beyond a class's count
        assertEquals(m.get("generated").asInt(), tried, m.toString());
        assertEquals(m.get("generated").asInt() - 500, m.get("rejected").asInt(), m.toString());
        double fidelity = m.get("labelFidelity").asDouble();
        assertTrue(fidelity > 0.5 && fidelity <= 1, m.toString());
        // kept rows plus refills: every class back to its size
        int augmented = m.get("augmented").asInt();
        assertEquals(10_000, augmented, m.toString());
        IdxFile images = IdxFile.read(out.resolve("augmented-images-idx3-ubyte.gz"));
        int[] labels =
                IdxFile.read(out.resolve("augmented-labels-idx1-ubyte.gz")).toLabels();
        assertEquals(augmented, images.count());
        assertEquals(augmented, labels.length);
        int[] perClass = new int[10];
        for (int l : labels) {
            perClass[l]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, perClass, "each class back to its 1000 images");
        // generated.png shows the first 100 replacements: the rows the dataset has after the 9,500 kept ones
        byte[] pixels = bytes(images);
        BufferedImage generated = ImageIO.read(out.resolve("generated.png").toFile());
        assertEquals(10 * (56 + 2) + 2, generated.getWidth());
        assertEquals(10 * (56 + 2) + 2, generated.getHeight());
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(
                    Arrays.copyOfRange(pixels, (9500 + i) * 784, (9501 + i) * 784),
                    cell(generated, i, 10),
                    "generated.png cell " + i);
        }
        // flagged.png shows 100 distinct images of the test split
        BufferedImage flagged = ImageIO.read(out.resolve("flagged.png").toFile());
        assertEquals(10 * (56 + 2) + 2, flagged.getHeight());
        byte[] test = bytes(IdxFile.read(Repo.root().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz")));
        Map<String, Integer> testImages = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            testImages.put(Arrays.toString(Arrays.copyOfRange(test, i * 784, (i + 1) * 784)), i);
        }
        Set<Integer> shown = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Integer index = testImages.get(Arrays.toString(cell(flagged, i, 10)));
            assertTrue(index != null, "flagged.png cell " + i + " is not an image of the test split");
            shown.add(index);
        }
        assertEquals(100, shown.size());
        // the score histogram: flagged and kept, each in its series' colour
        BufferedImage scores = ImageIO.read(out.resolve("scoring/scores.png").toFile()); // the sub-pipeline's folder
        assertEquals(720, scores.getWidth());
        String report = Files.readString(out.resolve("report.html"));
        for (String png : List.of("flagged.png", "generated.png", "scoring/scores.png")) {
            assertTrue(report.contains("<img src=\"" + png + "\""), png + " in report.html");
        }
        assertTrue(report.contains("<tr><th>labelFidelity</th>"), report);
    }

    @Test
    void anomalyKindsRoutesTheSharedScoringChainsRowsByKind() throws Exception {
        // route and a sub-pipeline: shared/vae-flag.yaml flags 2% of each class (set: through with:), route sends
        // each row to the first output whose test holds
        Path out = dir.resolve("kinds");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/anomaly-kinds.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("metrics");
        assertEquals(200, m.get("flagged").asInt());
        assertEquals(9800, m.get("normal").asInt());
        assertEquals(60, m.get("footwear").asInt()); // 20 each of sandal, sneaker, ankle boot
        assertEquals(80, m.get("tops").asInt());
        assertEquals(60, m.get("other").asInt());
        // each grid shows images of the test split of its kind only
        byte[] test = bytes(IdxFile.read(Repo.root().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz")));
        int[] labels = IdxFile.read(Repo.root().resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
                .toLabels();
        Map<String, Integer> testImages = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            testImages.put(Arrays.toString(Arrays.copyOfRange(test, i * 784, (i + 1) * 784)), i);
        }
        Map<String, Set<Integer>> kinds =
                Map.of("footwear.png", Set.of(5, 7, 9), "tops.png", Set.of(0, 2, 4, 6), "other.png", Set.of(1, 3, 8));
        for (Map.Entry<String, Set<Integer>> kind : kinds.entrySet()) {
            BufferedImage grid = ImageIO.read(out.resolve(kind.getKey()).toFile());
            assertEquals(3 * (56 + 2) + 2, grid.getHeight(), kind.getKey());
            for (int i = 0; i < 30; i++) {
                Integer index = testImages.get(Arrays.toString(cell(grid, i, 10)));
                assertTrue(index != null, kind.getKey() + " cell " + i + " is not an image of the test split");
                assertTrue(
                        kind.getValue().contains(labels[index]),
                        kind.getKey() + " cell " + i + " shows class " + labels[index]);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("scoring/scores.png")), "the sub-pipeline's histogram");
        assertTrue(Files.readString(out.resolve("report.html")).contains("<img src=\"scoring/scores.png\""));
    }

    @Test
    void sneakersTakesTheMostAtypicalAndGeneratesNewOnesThatPassTheGate() throws Exception {
        // the sneaker task, built-in steps only: class 7's 50 highest VAE scores; 50 generated sneakers under class
        // 7's 95th-percentile threshold
        Path out = dir.resolve("sneakers");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/sneakers.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("metrics");
        double threshold = m.at("/flaggedThresholds/7").asDouble();
        List<String> atypical = Files.readAllLines(out.resolve("atypical.csv"));
        assertEquals("id,label,source,score,scoring/score", atypical.get(0));
        assertEquals(51, atypical.size());
        double previous = Double.POSITIVE_INFINITY;
        for (String line : atypical.subList(1, atypical.size())) {
            String[] f = line.split(",");
            assertEquals("7", f[1], line);
            double score = Double.parseDouble(f[3]);
            assertTrue(score <= previous, "highest first: " + line);
            assertTrue(score >= threshold, "the 50 most atypical of 1000 are at or above the threshold: " + line);
            previous = score;
        }
        List<String> generated = Files.readAllLines(out.resolve("generated.csv"));
        assertEquals(51, generated.size());
        assertEquals("id,label,source,score,scoring/score,gate-score", generated.get(0));
        for (String line : generated.subList(1, generated.size())) {
            String[] f = line.split(",");
            assertEquals("7", f[1], line);
            assertTrue(Double.parseDouble(f[5]) <= threshold, "passed class 7's gate: " + line);
        }
        JsonNode loop = m.get("new");
        assertEquals(50, loop.at("/needed/7").asInt());
        assertEquals(m.get("generated").asInt() - 50, m.get("rejected").asInt(), m.toString());
        BufferedImage grid = ImageIO.read(out.resolve("generated.png").toFile());
        assertEquals(5 * (56 + 2) + 2, grid.getHeight());
    }

    private static byte[] bytes(IdxFile file) {
        ByteBuffer b = file.bytes();
        byte[] all = new byte[b.remaining()];
        b.get(all);
        return all;
    }

    /** Cell {@code i} of an image grid of 28x28 images at scale 2, as the 784 grey values it shows. */
    private static byte[] cell(BufferedImage grid, int i, int columns) {
        byte[] px = new byte[784];
        int x0 = 2 + (i % columns) * 58;
        int y0 = 2 + (i / columns) * 58;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                px[y * 28 + x] = (byte) grid.getRaster().getSample(x0 + 2 * x, y0 + 2 * y, 0);
            }
        }
        return px;
    }

    @Test
    @Tag("slow") // a full-size run
    void ganQualityReportsFidelityDistanceAndItsFloor() throws Exception {
        Path out = dir.resolve("gan");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/bench/gan-quality.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("metrics");
        // documented in docs/BENCHMARKS.md: 0.914, FD-clf 9.26 against a floor of 0.45
        assertTrue(m.get("labelFidelity").asDouble() > 0.85, m.toString());
        for (int c = 0; c < 10; c++) {
            assertTrue(m.at("/labelFidelityPerClass/" + c).isNumber(), m.toString());
        }
        double fd = m.get("fdClf").asDouble();
        double floor = m.get("fdClfFloor").asDouble();
        assertTrue(floor > 0 && floor < fd, m.toString());
        // the second yardstick, the Vision Transformer, reports the same three beside the CNN's
        assertTrue(m.get("labelFidelityVit").asDouble() > 0.7, m.toString());
        assertTrue(
                m.get("fdVitFloor").asDouble() > 0
                        && m.get("fdVitFloor").asDouble() < m.get("fdVit").asDouble(),
                m.toString());
        assertEquals(
                10_000,
                new ObjectMapper()
                        .readTree(out.resolve("run.json").toFile())
                        .at("/steps/0/rows")
                        .asInt());
        BufferedImage grid = ImageIO.read(out.resolve("gan-grid.png").toFile());
        assertEquals(10 * (56 + 2) + 2, grid.getWidth());
    }

    @Test
    void latentWalkDecodesTenStepsPerPairIntoAGrid() throws Exception {
        Path out = dir.resolve("walk");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/latent-walk.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(20, json.at("/steps/0/rows").asInt());
        assertEquals(100, json.at("/steps/3/rows").asInt());
        BufferedImage grid = ImageIO.read(out.resolve("latent-walk.png").toFile());
        // 10 x 10 cells of 28 px at scale 2 with 2 px borders
        assertEquals(10 * (56 + 2) + 2, grid.getWidth());
        assertEquals(10 * (56 + 2) + 2, grid.getHeight());
        // (the same seed gives the same picture, byte for byte: DeterminismTest)
    }

    @Test
    void validateAcceptsAGoodFileAndRejectsATypoWithExitTwo() throws Exception {
        Repo.Run ok = Repo.genpipe(Map.of(), "validate", "pipelines/bench/vae-one-class.yaml");
        assertEquals(0, ok.exitCode(), ok.err());
        assertEquals("pipelines/bench/vae-one-class.yaml is valid: 13 steps\n", ok.out());

        Path typo = dir.resolve("typo.yaml");
        Files.writeString(
                typo,
                Files.readString(Repo.root().resolve("pipelines/bench/vae-one-class.yaml"))
                        .replace("../../data", Repo.root().resolve("data").toString())
                        .replace(
                                "use: vae-anomaly-scorer\n    inputs: [score-2]",
                                "use: vae-anomaly-scorr\n    inputs: [score-2]")
                        .replace("class: 5, method", "class: 5, methd"));
        Path out = dir.resolve("never");
        Repo.Run bad = Repo.genpipe(Map.of(), "run", typo.toString(), "--out", out.toString());
        assertEquals(2, bad.exitCode(), bad.err());
        assertEquals(
                typo + " is invalid (2 problems); nothing was run",
                bad.err().lines().findFirst().orElseThrow().replace("genpipe: ", ""));
        assertTrue(
                bad.err()
                        .contains("  " + typo + ":27:5: step 'score-3': unknown component or step"
                                + " 'vae-anomaly-scorr'; did you mean 'vae-anomaly-scorer'?"),
                bad.err());
        assertTrue(
                bad.err()
                        .contains("  " + typo + ":38:42: step 'score-5': unknown parameter 'methd' for scorer"
                                + " 'vae-anomaly-scorer'; did you mean 'method'?"),
                bad.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void setOverridesAParameter() throws Exception {
        Path out = dir.resolve("small");
        Repo.Run run = Repo.genpipe(
                Map.of(),
                "run",
                "pipelines/bench/vae-one-class.yaml",
                "--out",
                out.toString(),
                "--set",
                "test.limit=1000");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(1000, json.at("/steps/0/rows").asInt());
    }

    private static List<JsonNode> jsonLines(Path file) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            rows.add(mapper.readTree(line));
        }
        return rows;
    }

    @Test
    void textGenerateWritesEveryPromptsTextWithItsScoresReproducibly() throws Exception {
        Path out = dir.resolve("text");
        Repo.Run run =
                Repo.genpipe(Map.of(), "run", "pipelines/text-generate.yaml", "--out", out.toString(), "--no-stream");
        assertEquals(0, run.exitCode(), run.err());
        List<String> prompts = Files.readAllLines(Repo.root().resolve("pipelines/text/prompts.txt"));
        List<JsonNode> rows = jsonLines(out.resolve("texts.jsonl"));
        assertEquals(prompts.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            assertEquals(prompts.get(i), r.get("prompt").asText());
            assertEquals(
                    r.get("prompt").asText() + r.get("completion").asText(),
                    r.get("text").asText());
            assertTrue(
                    List.of("end-of-text", "stop-sequence", "max-tokens")
                            .contains(r.get("finish").asText()),
                    r.toString());
            assertTrue(!r.get("completion").asText().contains("\n\n\n"), r.toString());
            int tokens = r.get("tokens").asInt();
            assertTrue(tokens <= 400 && tokens == r.get("completion").asText().length(), r.toString());
            double bits = r.get("bits-per-char").asDouble();
            double ll = r.get("log-likelihood").asDouble();
            assertTrue(bits > 0.3 && bits < 5, r.toString());
            // both scores describe the same text: bits = -ll / (chars + 1) / ln 2
            assertEquals(-ll / (r.get("text").asText().length() + 1) / Math.log(2), bits, 1e-9);
        }
        // (the same seed gives the same texts: DeterminismTest); another seed gives others
        Path other = dir.resolve("text-other");
        assertEquals(
                0,
                Repo.genpipe(
                                Map.of(),
                                "run",
                                "pipelines/text-generate.yaml",
                                "--out",
                                other.toString(),
                                "--no-stream",
                                "--seed",
                                "8")
                        .exitCode());
        assertFalse(
                Files.readString(out.resolve("texts.jsonl")).equals(Files.readString(other.resolve("texts.jsonl"))));
    }

    @Test
    void anOutOfRangeSamplerValueIsReportedAtItsOwnLine() throws Exception {
        Path bad = dir.resolve("hot.yaml");
        Files.writeString(
                bad,
                Files.readString(Repo.root().resolve("pipelines/text-generate.yaml"))
                        .replace(
                                "text/prompts.txt",
                                Repo.root()
                                        .resolve("pipelines/text/prompts.txt")
                                        .toString())
                        .replace("topP: 0.95", "topP: 1.5"));
        Repo.Run run = Repo.genpipe(Map.of(), "validate", bad.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(
                run.err()
                        .contains("  " + bad + ":22:7: step 'generate': parameter 'topP' of generator"
                                + " 'char-lstm-generator': topP must be in (0, 1] (1: off), found 1.5"),
                run.err());
    }

    @Test
    void runStreamsTheTextOfAOnePromptPipelineAsItIsGenerated() throws Exception {
        Path prompt = dir.resolve("one.txt");
        Files.writeString(prompt, "Q: What is a computer?\n");
        Path out = dir.resolve("stream");
        Repo.Run run = Repo.genpipe(
                Map.of(),
                "run",
                "pipelines/text-generate.yaml",
                "--out",
                out.toString(),
                "--stream",
                "--set",
                "prompts.file=" + prompt);
        assertEquals(0, run.exitCode(), run.err());
        JsonNode row = jsonLines(out.resolve("texts.jsonl")).get(0);
        // the prompt, then the completion as it was generated, then the run's summary
        assertEquals("Q: What is a computer?", row.get("prompt").asText());
        assertTrue(
                run.out()
                        .startsWith(row.get("prompt").asText()
                                + row.get("completion").asText() + "\nwrote " + out),
                run.out());
    }

    @Test
    void oodLikelihoodReportsPixelCnnAndVaeAurocPerClass() throws Exception {
        Path out = dir.resolve("ood");
        Repo.Run run = Repo.genpipe(
                Map.of(), "run", "pipelines/ood-likelihood.yaml", "--out", out.toString(), "--set", "test.limit=500");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("metrics");
        for (String group : List.of("auroc-pixelcnn", "auroc-pixelcnn-ratio", "auroc-vae-elbo")) {
            double sum = 0;
            for (int c = 0; c < 10; c++) {
                double a = m.at("/" + group + "/" + c).asDouble();
                assertTrue(a > 0 && a <= 1, group + " " + c + ": " + m);
                sum += a;
            }
            assertEquals(sum / 10, m.at("/" + group + "/mean").asDouble(), 1e-5);
            // both density models separate a class from the rest better than chance on average
            assertTrue(m.at("/" + group + "/mean").asDouble() > 0.6, m.toString());
        }
        // the likelihood ratio cancels what raw likelihood mostly measures (how simple an image is)
        assertTrue(
                m.at("/auroc-pixelcnn-ratio/mean").asDouble()
                        > m.at("/auroc-pixelcnn/mean").asDouble(),
                m.toString());
    }

    @Test
    void gptGenerateDecodesAllPromptsTogetherAndScoresTheirPerplexity() throws Exception {
        Path out = dir.resolve("gpt");
        Repo.Run run =
                Repo.genpipe(Map.of(), "run", "pipelines/gpt-generate.yaml", "--out", out.toString(), "--no-stream");
        assertEquals(0, run.exitCode(), run.err());
        List<JsonNode> rows = jsonLines(out.resolve("texts.jsonl"));
        assertEquals(
                Files.readAllLines(Repo.root().resolve("pipelines/text/prompts.txt"))
                        .size(),
                rows.size());
        for (JsonNode r : rows) {
            assertEquals(
                    r.get("prompt").asText() + r.get("completion").asText(),
                    r.get("text").asText());
            double ppl = r.get("perplexity").asDouble();
            assertTrue(ppl > 1 && ppl < 97, r.toString());
            assertTrue(r.get("tokens").asInt() <= 300, r.toString());
        }
    }

    @Test
    void textNoveltyReportsTheAurocOfBothDetectors() throws Exception {
        Path out = dir.resolve("novelty");
        Repo.Run run = Repo.genpipe(Map.of(), "run", "pipelines/text-novelty.yaml", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("metrics");
        assertEquals(772, m.at("/mahalanobis/referenceRows").asInt());
        for (String group : List.of("auroc-mahalanobis", "auroc-knn")) {
            double a = m.at("/" + group + "/0").asDouble();
            assertTrue(a > 0.5 && a <= 1, group + ": " + m);
        }
        assertEquals(258 + 149, jsonLines(out.resolve("scores.jsonl")).size());
    }
}
