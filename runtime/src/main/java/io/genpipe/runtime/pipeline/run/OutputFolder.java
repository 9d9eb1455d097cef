package io.genpipe.runtime.pipeline.run;

import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.Problem;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The folder one run writes, and the only place it writes. genpipe never deletes or overwrites
 * anything it did not write itself: a run's target must be a new path or the folder of a previous
 * genpipe run (recognised by its {@code run.json}), which is then replaced atomically once the new
 * run has succeeded. Everything else is refused before anything runs: the working directory or
 * one of its parents, the pipeline file's folder or one of its parents, an existing file, a
 * symbolic link, any other existing folder.
 *
 * <p>A claimed folder holds a lock ({@code .NAME.lock} beside the target, removed when the run ends) so that two
 * runs cannot write the same target at once, and writes into a temporary sibling ({@code .NAME.partial-*})
 * that {@link #commit()} renames into place. Temporary folders left by a run that was killed are
 * removed by the next run of the same target, which says so.
 */
public final class OutputFolder implements AutoCloseable {

    private static final String PARTIAL = ".partial-";
    private static final String OLD = ".old-";

    private final Path target;
    private final Path temp;
    private final Lock lock;
    private boolean committed;
    private boolean closed;

    private OutputFolder(Path target, Path temp, Lock lock) {
        this.target = target;
        this.temp = temp;
        this.lock = lock;
    }

    /**
     * Why {@code target} may not be a run's output folder, or empty when it may.
     *
     * @param target the requested output folder
     * @param pipelineFile the pipeline being run (its folder and parents are refused)
     * @param workingDir the working directory (it and its parents are refused)
     */
    public static Optional<String> refusal(Path target, Path pipelineFile, Path workingDir) {
        Path t = target.toAbsolutePath().normalize();
        Path cwd = workingDir.toAbsolutePath().normalize();
        Path file = pipelineFile.toAbsolutePath().normalize();
        String what = "output folder " + t;
        if (t.getParent() == null) {
            return Optional.of(what + " is the root of the file system; name a new folder such as runs/NAME");
        }
        if (cwd.equals(t)) {
            return Optional.of(what + " is the working directory; genpipe replaces its output folder, so name a new"
                    + " folder such as runs/NAME");
        }
        if (cwd.startsWith(t)) {
            return Optional.of(what + " is a parent of the working directory; name a new folder such as runs/NAME");
        }
        if (file.startsWith(t)) {
            return Optional.of(what + " holds the pipeline file " + file + "; name a new folder such as runs/NAME");
        }
        if (Files.isSymbolicLink(t)) {
            return Optional.of(what + " is a symbolic link; name a new folder, or a previous run's folder itself");
        }
        if (Files.exists(t, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(what + " is an existing file; genpipe writes a folder and never replaces a file, so"
                    + " name a new folder");
        }
        if (Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS) && !isPreviousRun(t)) {
            return Optional.of(what + " already exists and is not the output of a previous genpipe run (it has no"
                    + " genpipe run.json); genpipe replaces only its own runs, so name a new folder or remove this one"
                    + " yourself");
        }
        return Optional.empty();
    }

    /** Whether {@code folder} holds the output of a genpipe run: a run.json that genpipe wrote. */
    public static boolean isPreviousRun(Path folder) {
        Path runJson = folder.resolve("run.json");
        if (!Files.isRegularFile(runJson, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            if (Files.size(runJson) > 16 << 20) {
                return false;
            }
            String text = Files.readString(runJson, StandardCharsets.UTF_8).strip();
            return text.startsWith("{\n  \"pipeline\": {")
                    && text.contains("\n  \"genpipe\": ")
                    && text.contains("\n  \"steps\": [")
                    && text.endsWith("}");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Checks {@code target}, takes its lock, removes temporary folders that a killed run of the same
     * target left, and creates the temporary folder the run writes into.
     *
     * @param log told about each stale temporary folder removed
     * @throws PipelineException when the target is refused (see {@link #refusal})
     * @throws RunFailure when another run holds the target, or the folder cannot be created
     */
    public static OutputFolder claim(Path target, Path pipelineFile, Consumer<String> log) {
        Path t = target.toAbsolutePath().normalize();
        Optional<String> refused = refusal(t, pipelineFile, Path.of(""));
        if (refused.isPresent()) {
            throw refusedAt(pipelineFile, refused.get());
        }
        Path parent = t.getParent();
        String name = t.getFileName().toString();
        Lock lock;
        try {
            Files.createDirectories(parent);
            lock = Lock.take(parent.resolve("." + name + ".lock"), t);
        } catch (IOException e) {
            throw RunFailure.output("cannot create the output folder " + t + ": " + e.getMessage(), e);
        }
        try {
            removeStale(parent, name, log);
            // checked again under the lock: the folder may have changed since the first look
            refused = refusal(t, pipelineFile, Path.of(""));
            if (refused.isPresent()) {
                throw refusedAt(pipelineFile, refused.get());
            }
            Path temp = Files.createTempDirectory(parent, "." + name + PARTIAL);
            return new OutputFolder(t, temp, lock);
        } catch (IOException e) {
            lock.release();
            throw RunFailure.output("cannot create the output folder " + t + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            lock.release();
            throw e;
        }
    }

    private static PipelineException refusedAt(Path pipelineFile, String why) {
        return new PipelineException(
                List.of(new Problem(new Location(pipelineFile.toAbsolutePath(), 0, 0), null, why)));
    }

    private static void removeStale(Path parent, String name, Consumer<String> log) throws IOException {
        Path target = parent.resolve(name);
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent)) {
            for (Path p : siblings) {
                String n = p.getFileName().toString();
                if (!n.startsWith("." + name + ".") || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String rest = n.substring(name.length() + 1);
                if (rest.startsWith(OLD) && !Files.exists(target, LinkOption.NOFOLLOW_LINKS) && isPreviousRun(p)) {
                    // killed between the two renames of commit(): the previous run goes back in place
                    Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                    log.accept("restored " + target + " from " + p + ", left by an earlier run that was killed while"
                            + " replacing it");
                } else if (rest.startsWith(PARTIAL) || rest.startsWith(OLD)) {
                    deleteTree(p);
                    log.accept("removed " + p + ", left by an earlier run of " + target + " that was killed");
                }
            }
        }
    }

    /** The final folder. */
    public Path target() {
        return target;
    }

    /** Where the run writes until {@link #commit()}. */
    public Path temp() {
        return temp;
    }

    /**
     * Moves the finished run into place, replacing the previous run's folder if there is one.
     *
     * @throws RunFailure when the target stopped being replaceable or the move fails
     */
    public synchronized void commit() {
        if (closed || committed) {
            throw new IllegalStateException(
                    "output folder " + target + " is already " + (committed ? "committed" : "closed"));
        }
        try {
            Path old = null;
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) || !isPreviousRun(target)) {
                    throw RunFailure.output(
                            "output folder " + target + " appeared during the run and is not a previous genpipe run;"
                                    + " it was left as it is",
                            null);
                }
                old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + OLD);
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (old != null) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE); // the previous run stays
                }
                throw e;
            }
            committed = true;
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException e) {
            throw RunFailure.output("cannot move the finished run into " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary folder unless committed, and releases the lock (its file removed). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            deleteTree(temp);
        }
        lock.release();
    }

    /**
     * The lock file beside a target ({@code .NAME.lock}), held while a run writes it and removed when it ends. A
     * run that opened the file just before its holder removed it would lock a file no longer in the folder while a
     * third run locks a new one; so a run keeps a lock only when the path names the same file (device and inode,
     * by {@code stat}) before it opened it and after it locked it, and otherwise tries again with the new file. The
     * file is never opened a second time: on Linux, closing any descriptor of a file drops the process's locks on
     * it.
     */
    private static final class Lock {
        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;
        private final Object key;

        private Lock(Path file, FileChannel channel, FileLock lock, Object key) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
            this.key = key;
        }

        static Lock take(Path file, Path target) throws IOException {
            for (int attempt = 0; attempt < 100; attempt++) {
                try {
                    Files.createFile(file);
                } catch (FileAlreadyExistsException e) {
                    // another run's, or one left by a run that was killed: locking it tells which
                }
                Object before = keyOf(file);
                if (before == null) {
                    continue; // removed by the run that held it, just now
                }
                FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                } catch (IOException | RuntimeException e) {
                    closeQuietly(channel);
                    throw e;
                }
                if (lock == null) {
                    closeQuietly(channel);
                    throw RunFailure.output(
                            "another genpipe run is writing " + target + " (it holds " + file
                                    + "); wait for it to finish or choose another --out",
                            null);
                }
                if (before.equals(keyOf(file))) {
                    return new Lock(file, channel, lock, before);
                }
                // the path names another file now: the run that held it ended and removed it
                lock.release();
                closeQuietly(channel);
            }
            throw new IOException("the lock file " + file + " keeps being replaced");
        }

        /** Where the file system gives no file identity: the lock file is then kept, never removed. */
        private static final Object NO_KEY = new Object();

        /** The file's identity (device and inode), {@link #NO_KEY} where there is none, null when no file. */
        private static Object keyOf(Path file) {
            try {
                Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .fileKey();
                return key == null ? NO_KEY : key;
            } catch (IOException e) {
                return null;
            }
        }

        /** Removes the file (while still holding it, and only if the path still names it) and lets go. */
        void release() {
            try {
                if (key != NO_KEY && key.equals(keyOf(file))) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                // the next run takes the file as it is
            }
            try {
                lock.release();
            } catch (IOException e) {
                // the lock goes with the channel
            }
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** Deletes a folder genpipe created, without following symbolic links out of it; best effort. */
    public static void deleteTree(Path folder) {
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a file we cannot delete stays
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
