package io.genpipe.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The repository under test, and running its launcher as a user would. */
final class Repo {

    private Repo() {}

    static Path root() {
        String root = System.getProperty("genpipe.repo.root");
        if (root == null) {
            throw new IllegalStateException("genpipe.repo.root is not set (run through Maven)");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }

    /** Result of one command. */
    record Run(int exitCode, String out, String err) {}

    /**
     * Runs {@code ./genpipe args...} from the repository root. The CLI was packaged earlier in
     * the reactor; GENPIPE_NO_BUILD keeps the launcher from starting a nested build.
     */
    static Run genpipe(Map<String, String> env, String... args) {
        return genpipeIn(root(), env, args);
    }

    /** Runs {@code ./genpipe args...} with {@code workingDir} as the working directory. */
    static Run genpipeIn(Path workingDir, Map<String, String> env, String... args) {
        return genpipeIn(workingDir, env, null, args);
    }

    /**
     * Runs {@code ./genpipe args...} under {@code /usr/bin/time}, writing the JVM's peak resident
     * memory in KiB to {@code rssFile} (GNU time's %M); without GNU time, runs it plainly.
     */
    static Run genpipeMeasured(Path workingDir, Map<String, String> env, Path rssFile, String... args) {
        return genpipeIn(workingDir, env, Files.isExecutable(Path.of("/usr/bin/time")) ? rssFile : null, args);
    }

    private static Run genpipeIn(Path workingDir, Map<String, String> env, Path rssFile, String... args) {
        List<String> command = new ArrayList<>();
        if (rssFile != null) {
            command.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rssFile.toString()));
        }
        command.add(root().resolve("genpipe").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile());
        pb.environment().put("GENPIPE_NO_BUILD", "1");
        pb.environment().remove("GENPIPE_PLUGINS_DIR");
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("genpipe-out", ".txt");
            Path err = Files.createTempFile("genpipe-err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("genpipe " + String.join(" ", args) + " did not finish in 120 s");
            }
            Run run = new Run(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
