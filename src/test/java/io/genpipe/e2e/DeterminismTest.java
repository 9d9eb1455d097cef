package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Same file + same seed = same bytes: every pipeline in pipelines/ runs twice at batch size 64 and
 * once at 1000, through the embedding API, and every output file is byte-identical (run.json's
 * timings aside: its metrics and per-step rows must agree too). The slow ones run on a smaller
 * input through overrides, as a user would try them.
 */
@Tag("slow")
class DeterminismTest {

    @TempDir
    Path dir;

    static Stream<Arguments> pipelines() {
        return Stream.of(
                // the flagship on the first 4,000 images: its full size runs in PipelinesTest and SparkLocalTest
                Arguments.of("pipelines/anomaly-augment.yaml", List.of("test.limit=4000")),
                Arguments.of("pipelines/anomaly-kinds.yaml", List.of()), // route, and a sub-pipeline
                Arguments.of("pipelines/shared/vae-flag.yaml", List.of("images.limit=3000")),
                Arguments.of("pipelines/sneakers.yaml", List.of()), // filter where:, top-k, a loop
                Arguments.of("pipelines/latent-walk.yaml", List.of()),
                Arguments.of("pipelines/text-novelty.yaml", List.of()),
                Arguments.of("pipelines/text-generate.yaml", List.of("generate.maxTokens=120")),
                Arguments.of("pipelines/gpt-generate.yaml", List.of("generate.maxTokens=120")),
                Arguments.of("pipelines/ood-likelihood.yaml", List.of("test.limit=200")),
                Arguments.of("pipelines/bench/vae-one-class.yaml", List.of("test.limit=2000")),
                Arguments.of("pipelines/bench/spark-scoring.yaml", List.of("test.limit=200", "copies.times=2")),
                Arguments.of(
                        "pipelines/bench/gan-quality.yaml",
                        List.of("noise.rows=1000", "test.limit=1000", "train.limit=1000")));
    }

    @Test
    void everyPipelineFileIsCovered() throws Exception {
        try (Stream<Path> files = Files.walk(Repo.root().resolve("pipelines"))) {
            List<String> found = files.filter(p -> p.toString().endsWith(".yaml"))
                    .map(p -> Repo.root().relativize(p).toString())
                    .sorted()
                    .collect(Collectors.toList());
            // the speech pipelines need the wavenet plugin from its plugins folder, which this module does not
            // have: plugins/wavenet's SpeechPipelinesTest checks their bytes twice and at another batch size
            found.removeAll(List.of("pipelines/speech-generate.yaml", "pipelines/speech-ood.yaml"));
            assertEquals(pipelines().map(a -> (String) a.get()[0]).sorted().toList(), found);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pipelines")
    void sameBytesTwiceAndAtAnotherBatchSize(String file, List<String> sets) throws Exception {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            run(genpipe, file, sets, 64, dir.resolve("a"));
            run(genpipe, file, sets, 64, dir.resolve("b"));
            run(genpipe, file, sets, 1000, dir.resolve("c"));
        }
        List<String> files = files(dir.resolve("a"));
        assertEquals(files, files(dir.resolve("b")));
        assertEquals(files, files(dir.resolve("c")));
        for (String f : files) {
            if (f.equals("run.json") || f.equals("timings.js")) { // timings
                continue;
            }
            byte[] a = Files.readAllBytes(dir.resolve("a").resolve(f));
            assertArrayEquals(a, Files.readAllBytes(dir.resolve("b").resolve(f)), f + " differs between two runs");
            assertArrayEquals(a, Files.readAllBytes(dir.resolve("c").resolve(f)), f + " differs at batch size 1000");
        }
        JsonNode a = new ObjectMapper().readTree(dir.resolve("a/run.json").toFile());
        for (String other : List.of("b", "c")) {
            JsonNode o = new ObjectMapper()
                    .readTree(dir.resolve(other).resolve("run.json").toFile());
            assertEquals(a.get("metrics"), o.get("metrics"), "metrics of run " + other);
            for (int i = 0; i < a.get("steps").size(); i++) {
                assertEquals(
                        a.at("/steps/" + i + "/rows"),
                        o.at("/steps/" + i + "/rows"),
                        "rows of " + a.at("/steps/" + i + "/id"));
            }
        }
    }

    private static void run(Genpipe genpipe, String file, List<String> sets, int batchSize, Path out) {
        Pipeline p = genpipe.pipeline(Repo.root().resolve(file)).set("batchSize", batchSize);
        sets.forEach(p::set);
        p.run(out);
    }

    private static List<String> files(Path root) throws Exception {
        List<String> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile)
                    .forEach(f -> all.add(root.relativize(f).toString()));
        }
        all.sort(null);
        return all;
    }
}
