package io.genpipe.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextStepsTest {

    @TempDir
    Path dir;

    private void run(String yaml) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, yaml);
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe = Genpipe.builder().baseDir(dir).build()) {
            new PipelineRunner(genpipe, line -> {}).run(new PipelineValidator(genpipe).validate(d), dir.resolve("out"));
        }
    }

    @Test
    void csvAndJsonlSourcesPackNumbersAndKeepLabelsIdsAndTexts() throws Exception {
        Files.writeString(
                dir.resolve("rows.csv"), "name,a,b,cls,note\nfirst,1.5,2,3,\"hello, world\"\nsecond,-1,0.25,7,plain\n");
        Files.writeString(
                dir.resolve("rows.jsonl"),
                "{\"name\": \"x\", \"a\": 4, \"b\": 5, \"cls\": 1}\n\n{\"name\": \"y\", \"a\": 6, \"b\": 7, \"cls\": 2}\n");
        run("steps:\n"
                + "  - id: c\n    use: csv-source\n    with: {file: rows.csv, values: [a, b], label: cls, id: name, text: note}\n"
                + "  - id: out-c\n    use: jsonl-sink\n    inputs: [c]\n"
                + "  - id: texts\n    use: text-sink\n    inputs: [c]\n"
                + "  - id: j\n    use: jsonl-source\n    with: {file: rows.jsonl, values: [b, a], label: cls, id: name}\n"
                + "  - id: out-j\n    use: csv-sink\n    inputs: [j]\n");
        assertEquals(
                List.of(
                        "{\"id\":\"first\",\"label\":3,\"source\":\"c\",\"text\":\"hello, world\"}",
                        "{\"id\":\"second\",\"label\":7,\"source\":\"c\",\"text\":\"plain\"}"),
                Files.readAllLines(dir.resolve("out/out-c.jsonl")));
        assertEquals(List.of("hello, world", "plain"), Files.readAllLines(dir.resolve("out/texts.txt")));
        assertEquals(
                List.of("id,label,source,score", "x,1,j,", "y,2,j,"), Files.readAllLines(dir.resolve("out/out-j.csv")));
    }

    @Test
    void textLinesRoundTrip() throws Exception {
        Files.writeString(dir.resolve("prompts.txt"), "A fortune\n\nAnother one\n");
        run("steps:\n  - id: t\n    use: text-source\n    with: {file: prompts.txt}\n"
                + "  - id: back\n    use: text-sink\n    inputs: [t]\n");
        assertEquals(List.of("A fortune", "Another one"), Files.readAllLines(dir.resolve("out/back.txt")));
    }

    @Test
    void aBadCsvCellNamesFileLineAndField() throws Exception {
        Files.writeString(dir.resolve("bad.csv"), "a,b\n1,2\n3,oops\n");
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> run("steps:\n"
                        + "  - id: c\n    use: csv-source\n    with: {file: bad.csv, values: [a, b]}\n"
                        + "  - id: out\n    use: jsonl-sink\n    inputs: [c]\n"));
        assertEquals(
                "step 'c' failed: " + dir.resolve("bad.csv")
                        + ":3: field 'b' is 'oops', not a number; no output was written",
                e.getMessage());
        PipelineException missing = assertThrows(
                PipelineException.class,
                () -> run("steps:\n"
                        + "  - id: c\n    use: csv-source\n    with: {file: bad.csv, values: [a, z]}\n"
                        + "  - id: out\n    use: jsonl-sink\n    inputs: [c]\n"));
        assertEquals(
                "step 'c': file: " + dir.resolve("bad.csv") + " has no column 'z'; its header: [a, b]",
                missing.problems().get(0).toString().replaceFirst("^.*?: step", "step"));
    }
}
