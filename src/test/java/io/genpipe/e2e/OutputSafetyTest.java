package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * genpipe never deletes or overwrites what it did not write: every way of naming an output folder
 * that would have replaced a user's files is refused with exit 2 naming the path, and the user's
 * files are still there afterwards.
 */
class OutputSafetyTest {

    private static final String PIPELINE = "name: tiny\nseed: 1\nsteps:\n"
            + "  - id: z\n    use: gaussian\n    with: {dim: 2, column: x, rows: 10}\n"
            + "  - id: rows\n    use: jsonl-sink\n    inputs: [z]\n";

    @TempDir
    Path dir;

    Path work;
    Path pipeline;

    @BeforeEach
    void userFiles() throws Exception {
        work = dir.resolve("work");
        Files.createDirectories(work.resolve("pipes"));
        pipeline = work.resolve("pipes/tiny.yaml");
        Files.writeString(pipeline, PIPELINE);
        Files.writeString(work.resolve("notes.txt"), "keep");
        Files.createDirectories(work.resolve("d"));
        Files.writeString(work.resolve("d/notes.txt"), "keep");
        Files.writeString(work.resolve("somefile"), "keep");
    }

    private void assertUserFilesIntact() throws Exception {
        assertEquals("keep", Files.readString(work.resolve("notes.txt")));
        assertEquals("keep", Files.readString(work.resolve("d/notes.txt")));
        assertEquals("keep", Files.readString(work.resolve("somefile")));
        assertEquals(PIPELINE, Files.readString(pipeline));
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> partial = all.filter(p -> p.getFileName().toString().contains(".partial-"))
                    .toList();
            assertEquals(List.of(), partial, "temporary folders left behind");
        }
    }

    private Repo.Run run(String... args) {
        String[] full = new String[args.length + 2];
        full[0] = "run";
        full[1] = pipeline.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        return Repo.genpipeIn(work, Map.of(), full);
    }

    private void assertRefused(Repo.Run run, String message) throws Exception {
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(
                "genpipe: " + pipeline + " is invalid (1 problem); nothing was run\n  " + pipeline + ": " + message
                        + "\n",
                run.err());
        assertUserFilesIntact();
    }

    @Test
    void anExistingFolderOfTheUsersIsRefused() throws Exception {
        assertRefused(
                run("--out", "d"),
                "output folder " + work.resolve("d") + " already exists and is not the output"
                        + " of a previous genpipe run (it has no genpipe run.json); genpipe replaces only its own runs, so name"
                        + " a new folder or remove this one yourself");
    }

    @Test
    void theWorkingDirectoryIsRefused() throws Exception {
        String expected = "output folder " + work + " is the working directory; genpipe replaces its output folder,"
                + " so name a new folder such as runs/NAME";
        assertRefused(run("--out", "."), expected);
        assertRefused(run("--out", ""), expected);
    }

    @Test
    void aParentOfTheWorkingDirectoryIsRefused() throws Exception {
        assertRefused(
                run("--out", ".."),
                "output folder " + dir + " is a parent of the working directory; name a new"
                        + " folder such as runs/NAME");
    }

    @Test
    void anExistingFileIsRefused() throws Exception {
        assertRefused(
                run("--out", "somefile"),
                "output folder " + work.resolve("somefile") + " is an existing file;"
                        + " genpipe writes a folder and never replaces a file, so name a new folder");
    }

    @Test
    void theFolderHoldingThePipelineIsRefused() throws Exception {
        assertRefused(
                run("--out", "pipes"),
                "output folder " + work.resolve("pipes") + " holds the pipeline file " + pipeline
                        + "; name a new folder such as runs/NAME");
    }

    @Test
    void outAndNameInThePipelineFileCannotEscapeEither() throws Exception {
        Files.writeString(pipeline, PIPELINE.replace("name: tiny\n", "name: tiny\nout: \"..\"\n"));
        Repo.Run run = run();
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("output folder " + dir + " is a parent of the working directory"), run.err());

        Files.writeString(pipeline, PIPELINE.replace("name: tiny\n", "name: tiny\nout: \"\"\n"));
        run = run();
        assertEquals(
                "genpipe: " + pipeline + " is invalid (1 problem); nothing was run\n  " + pipeline
                        + ":2:6: out is empty; name the folder the run writes, e.g. out: runs/tiny\n",
                run.err());

        Files.writeString(pipeline, PIPELINE.replace("name: tiny", "name: \"../d\""));
        run = run();
        assertEquals(
                "genpipe: " + pipeline + " is invalid (1 problem); nothing was run\n  " + pipeline
                        + ":1:7: name '../d' is invalid; a pipeline's name names its default output folder runs/NAME, so use"
                        + " letters, digits, dots, dashes and underscores (no / or ..), at most 128 characters\n",
                run.err());
        Files.writeString(pipeline, PIPELINE);
        assertUserFilesIntact();
    }

    @Test
    void aPreviousRunIsReplacedAndASinkCannotWriteOutside() throws Exception {
        Repo.Run first = run("--out", "runs/tiny");
        assertEquals(0, first.exitCode(), first.err());
        Files.writeString(work.resolve("runs/tiny/stale.txt"), "from before");
        Repo.Run second = run("--out", "runs/tiny");
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(Files.exists(work.resolve("runs/tiny/rows.jsonl")));
        assertFalse(
                Files.exists(work.resolve("runs/tiny/stale.txt")),
                "the previous run's folder was merged, not replaced");

        Files.writeString(pipeline, PIPELINE + "    with: {file: ../../escaped.jsonl}\n");
        Repo.Run escape = run("--out", "runs/other");
        assertEquals(2, escape.exitCode(), escape.err());
        assertTrue(
                escape.err()
                        .contains(pipeline + ":10:12: step 'rows': parameter 'file' of built-in step 'jsonl-sink':"
                                + " '../../escaped.jsonl' climbs out of the output folder with ..; give a relative name inside it, such"
                                + " as results.csv or images/"),
                escape.err());
        Files.writeString(pipeline, PIPELINE + "    with: {file: " + dir.resolve("abs.jsonl") + "}\n");
        escape = run("--out", "runs/other");
        assertEquals(2, escape.exitCode(), escape.err());
        assertTrue(
                escape.err().contains("'" + dir.resolve("abs.jsonl") + "' is not inside the output folder"),
                escape.err());
        assertFalse(Files.exists(dir.resolve("escaped.jsonl")));
        assertFalse(Files.exists(dir.resolve("abs.jsonl")));
        assertFalse(Files.exists(work.resolve("runs/other")));
        Files.writeString(pipeline, PIPELINE);
        assertUserFilesIntact();
    }
}
