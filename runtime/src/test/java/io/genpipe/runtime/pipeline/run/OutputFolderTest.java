package io.genpipe.runtime.pipeline.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.step.OutputPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFolderTest {

    @TempDir
    Path dir;

    Path cwd;
    Path pipeline;

    @BeforeEach
    void layout() throws Exception {
        cwd = Files.createDirectories(dir.resolve("home/user"));
        pipeline = Files.createDirectories(dir.resolve("home/user/pipes")).resolve("p.yaml");
        Files.writeString(pipeline, "steps: []\n");
    }

    private Optional<String> refusal(Path target) {
        return OutputFolder.refusal(target, pipeline, cwd);
    }

    @Test
    void newFoldersAndPreviousRunsAreAccepted() throws Exception {
        assertEquals(Optional.empty(), refusal(cwd.resolve("runs/new")));
        Path previous = Files.createDirectories(cwd.resolve("runs/old"));
        Files.writeString(
                previous.resolve("run.json"),
                "{\n  \"pipeline\": {\n  },\n  \"genpipe\": \"0.1.0\",\n" + "  \"steps\": [\n  ]\n}\n");
        assertEquals(Optional.empty(), refusal(previous));
    }

    @Test
    void whatGenpipeDidNotWriteIsRefused() throws Exception {
        assertEquals(
                "output folder " + cwd + " is the working directory; genpipe replaces its output folder, so name a"
                        + " new folder such as runs/NAME",
                refusal(cwd).orElseThrow());
        assertEquals(
                "output folder " + dir.resolve("home") + " is a parent of the working directory; name a new folder"
                        + " such as runs/NAME",
                refusal(cwd.resolve("..")).orElseThrow());
        assertEquals(
                "output folder " + pipeline.getParent() + " holds the pipeline file " + pipeline + "; name a new"
                        + " folder such as runs/NAME",
                refusal(pipeline.getParent()).orElseThrow());
        assertEquals(
                "output folder " + pipeline + " holds the pipeline file " + pipeline + "; name a new folder such as"
                        + " runs/NAME",
                refusal(pipeline).orElseThrow());
        assertTrue(refusal(Path.of("/"))
                .orElseThrow()
                .endsWith("is the root of the file system; name a new folder such as runs/NAME"));
        Path file = Files.writeString(cwd.resolve("notes.txt"), "keep");
        assertEquals(
                "output folder " + file + " is an existing file; genpipe writes a folder and never replaces a file, so"
                        + " name a new folder",
                refusal(file).orElseThrow());
        Path mine = Files.createDirectories(cwd.resolve("photos"));
        assertEquals(
                "output folder " + mine + " already exists and is not the output of a previous genpipe run (it has"
                        + " no genpipe run.json); genpipe replaces only its own runs, so name a new folder or remove this one"
                        + " yourself",
                refusal(mine).orElseThrow());
        Files.writeString(mine.resolve("run.json"), "{\"mine\": true}");
        assertTrue(refusal(mine).isPresent(), "a run.json that genpipe did not write");
        Path link = Files.createSymbolicLink(cwd.resolve("link"), mine);
        assertEquals(
                "output folder " + link + " is a symbolic link; name a new folder, or a previous run's folder"
                        + " itself",
                refusal(link).orElseThrow());
    }

    @Test
    void aClaimedFolderIsLockedAndStaleTemporaryFoldersAreRemoved() throws Exception {
        Path target = dir.resolve("out/run");
        Path stale = Files.createDirectories(dir.resolve("out/.run.partial-123"));
        Files.writeString(stale.resolve("half.png"), "x");
        List<String> log = new ArrayList<>();
        try (OutputFolder claimed = OutputFolder.claim(target, pipeline, log::add)) {
            assertFalse(Files.exists(stale));
            assertEquals(
                    List.of("removed " + stale + ", left by an earlier run of " + target + " that was killed"), log);
            GenpipeException busy =
                    assertThrows(GenpipeException.class, () -> OutputFolder.claim(target, pipeline, log::add));
            assertEquals(
                    "another genpipe run is writing " + target + " (it holds " + dir.resolve("out/.run.lock")
                            + "); wait for it to finish or choose another --out",
                    busy.getMessage());
            Files.writeString(
                    claimed.temp().resolve("run.json"),
                    "{\n  \"pipeline\": {},\n  \"genpipe\": \"x\",\n" + "  \"steps\": [\n  ]\n}");
            claimed.commit();
        }
        assertTrue(OutputFolder.isPreviousRun(target));
        try (OutputFolder again = OutputFolder.claim(target, pipeline, log::add)) {
            Files.writeString(again.temp().resolve("new.txt"), "new");
            // not committed: the previous run stays as it was, the temporary folder goes
        }
        assertTrue(OutputFolder.isPreviousRun(target));
        assertFalse(Files.exists(target.resolve("new.txt")));
        // the lock file goes with the run that held it
        try (var siblings = Files.list(dir.resolve("out"))) {
            assertEquals(
                    List.of("run"),
                    siblings.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    @SuppressWarnings("try") // the claims only hold their locks
    void aLockFileReplacedUnderARunIsNotTakenForTheLock() throws Exception {
        Path target = dir.resolve("out/run");
        Path lock = dir.resolve("out/.run.lock");
        try (OutputFolder first = OutputFolder.claim(target, pipeline, line -> {})) {
            assertTrue(Files.exists(lock));
            // someone replaces the file while the first run holds the old one: a second run locks the new file,
            // which is not the first run's, and is let in only because nobody holds that one
            Files.delete(lock);
            try (OutputFolder second = OutputFolder.claim(target, pipeline, line -> {})) {
                assertTrue(Files.exists(lock));
                GenpipeException busy =
                        assertThrows(GenpipeException.class, () -> OutputFolder.claim(target, pipeline, line -> {}));
                assertTrue(busy.getMessage().startsWith("another genpipe run is writing " + target), busy.getMessage());
            }
            // the second run removed its own file; the first one's is gone already and stays gone
            assertFalse(Files.exists(lock));
        }
        assertFalse(Files.exists(lock));
        try (OutputFolder third = OutputFolder.claim(target, pipeline, line -> {})) {
            assertTrue(Files.exists(lock));
        }
        assertFalse(Files.exists(lock));
    }

    @Test
    void sinkPathsStayInsideTheOutputFolder() {
        assertEquals(Optional.empty(), OutputPaths.problem("a/b.csv"));
        assertEquals(Optional.empty(), OutputPaths.problem("grid.png"));
        assertEquals(
                "'/tmp/x' is not inside the output folder; give a relative name such as results.csv or images/",
                OutputPaths.problem("/tmp/x").orElseThrow());
        assertEquals(
                "'a/../../x' climbs out of the output folder with ..; give a relative name inside it, such as"
                        + " results.csv or images/",
                OutputPaths.problem("a/../../x").orElseThrow());
        assertEquals(
                "'..\\x' climbs out of the output folder with ..; give a relative name inside it, such as"
                        + " results.csv or images/",
                OutputPaths.problem("..\\x").orElseThrow());
        assertEquals(
                "'run.json' is written by genpipe itself; choose another name",
                OutputPaths.problem("run.json").orElseThrow());
        assertEquals(
                "'.' is the output folder itself; name a file or sub-folder in it",
                OutputPaths.problem(".").orElseThrow());
        assertEquals(
                "is empty; name a file inside the output folder",
                OutputPaths.problem("").orElseThrow());
        assertThrows(GenpipeException.class, () -> OutputPaths.resolve(dir, "../x"));
        assertEquals(dir.resolve("a/b.csv"), OutputPaths.resolve(dir, "a/b.csv"));
    }
}
