package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A step that turns rows into none says so (or, with --strict, fails the run); an empty CSV keeps its header. */
class EmptyResultTest {

    @TempDir
    Path dir;

    private Path pipeline() throws Exception {
        // what a new user wrote to select class 7: a tag test, where no row has a tag 'label'
        Path file = dir.resolve("sneakers.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "name: sneakers",
                        "seed: 1",
                        "steps:",
                        "  - id: test",
                        "    use: idx-source",
                        "    with:",
                        "      images: " + Repo.root().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                        "      labels: " + Repo.root().resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
                        "      limit: 300",
                        "  - id: score",
                        "    use: vae-anomaly-scorer",
                        "    inputs: [test]",
                        "  - id: sneakers",
                        "    use: filter",
                        "    inputs: [score]",
                        "    with: {tag: label, equals: \"7\"}",
                        "  - id: rows",
                        "    use: csv-sink",
                        "    inputs: [sneakers]",
                        ""));
        return file;
    }

    @Test
    void aFilterMatchingNothingWarnsNamingTheStepAndWhy() throws Exception {
        Path out = dir.resolve("out");
        Repo.Run run = Repo.genpipe(Map.of(), "run", pipeline().toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        String warning = "step 'sneakers' (filter) passed on none of its 300 input rows: no row has tag 'label'; rows"
                + " have no tags (to select by class, write where: \"label == 7\")";
        assertTrue(run.err().contains("genpipe: warning: " + warning), run.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(warning, json.at("/warnings/0").asText());
        // the empty CSV still has its header; a scorer column named score is not a second "score"
        assertEquals(List.of("id,label,source,score,scores.score"), Files.readAllLines(out.resolve("rows.csv")));
    }

    @Test
    void strictMakesItAFailureAndWritesNothing() throws Exception {
        Path out = dir.resolve("strict");
        Repo.Run run = Repo.genpipe(Map.of(), "run", pipeline().toString(), "--out", out.toString(), "--strict");
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(
                run.err()
                        .contains("step 'sneakers' failed: it passed on none of its 300 input rows: no row has tag"
                                + " 'label'"),
                run.err());
        assertTrue(run.err().contains("emptyResult: fail (--strict) makes an empty result an error"), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void masterWithoutEngineSaysWhatToAdd() throws Exception {
        Repo.Run run = Repo.genpipe(Map.of(), "run", pipeline().toString(), "--master", "local[2]");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--master is for running on Apache Spark: add --engine spark"), run.err());
    }
}
