package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The {@link Storage} for a location: genpipe's own for local paths, others by URI scheme. */
public final class Storages {

    /** A URI's scheme: two or more characters (so that {@code C:\...} stays a path), then a colon. */
    private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):");

    private static final Storage LOCAL = new Local();
    private static Map<String, Storage> byScheme;

    private Storages() {}

    /** A location as written in a pipeline file: a URI kept as it is, a path resolved against {@code baseDir}. */
    public static String resolve(Path baseDir, String written) {
        String scheme = scheme(written);
        if (scheme == null) {
            return baseDir.resolve(written).normalize().toString();
        }
        return scheme.equals("file")
                ? baseDir.resolve(localPath(written)).normalize().toString()
                : written;
    }

    /** The location's URI scheme, lower case, or null for a plain path. */
    public static String scheme(String location) {
        Matcher m = SCHEME.matcher(location);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** Whether the location has glob characters: a star, a question mark, a bracket or a brace. */
    public static boolean isGlob(String location) {
        return location.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /**
     * The storage that reads {@code location}.
     *
     * @throws GenpipeException naming the location when no storage here reads its scheme
     */
    public static Storage of(String location) {
        String scheme = scheme(location);
        if (scheme == null || scheme.equals("file")) {
            return LOCAL;
        }
        Storage s = schemes().get(scheme);
        if (s == null) {
            throw new GenpipeException(location + ": nothing here reads " + scheme + ":// locations ("
                    + (schemes().isEmpty()
                            ? "only local paths"
                            : "local paths and " + schemes().keySet())
                    + "); hdfs://, s3a:// and other Hadoop file systems are read on the Spark engine (--engine spark),"
                    + " through Hadoop's FileSystem");
        }
        return s;
    }

    private static synchronized Map<String, Storage> schemes() {
        if (byScheme == null) {
            Map<String, Storage> found = new HashMap<>();
            Iterator<Storage> storages = ServiceLoader.load(Storage.class, Storages.class.getClassLoader())
                    .iterator();
            while (true) {
                try {
                    if (!storages.hasNext()) {
                        break;
                    }
                    Storage s = storages.next();
                    s.schemes().forEach(x -> found.putIfAbsent(x, s));
                } catch (ServiceConfigurationError | LinkageError missing) {
                    // a storage whose libraries are not on the class path (genpipe-spark without Hadoop) reads nothing
                }
            }
            byScheme = found;
        }
        return byScheme;
    }

    /**
     * The files the locations name, in order: each glob's matches sorted, each other location as it is.
     *
     * @throws GenpipeException naming the parameter and the location when a glob matches nothing or a file does
     *     not exist
     */
    public static List<String> files(String parameter, List<String> locations) {
        List<String> files = new ArrayList<>();
        for (String location : locations) {
            Storage storage = of(location);
            try {
                if (isGlob(location)) {
                    List<String> matches = storage.glob(location);
                    if (matches.isEmpty()) {
                        throw new GenpipeException(parameter + ": " + location + " matches no file");
                    }
                    files.addAll(matches);
                } else if (!storage.isFile(location)) {
                    throw new GenpipeException(parameter + ": " + location + " does not exist");
                } else {
                    files.add(location);
                }
            } catch (IOException e) {
                throw new GenpipeException(parameter + ": " + location + " cannot be read: " + e.getMessage(), e);
            }
        }
        return List.copyOf(files);
    }

    /**
     * Opens a file of any storage.
     *
     * @throws IOException as the storage does
     */
    public static InputStream open(String location) throws IOException {
        return of(location).open(location);
    }

    private static String localPath(String uri) {
        String rest = uri.substring("file:".length());
        if (rest.startsWith("//")) {
            rest = rest.substring(2); // file:///a/b or file://localhost/a/b
            int slash = rest.indexOf('/');
            rest = slash < 0 ? "/" : rest.substring(slash);
        }
        return Path.of(rest).normalize().toString();
    }

    /** Local files, through java.nio. */
    private static final class Local implements Storage {
        @Override
        public Set<String> schemes() {
            return Set.of("file");
        }

        @Override
        public List<String> glob(String pattern) throws IOException {
            Path full = Path.of(pattern).toAbsolutePath();
            // walk from the deepest folder without glob characters
            Path base = full.getRoot();
            int depth = 0;
            boolean deep = false;
            boolean globbed = false;
            for (Path part : full) {
                String name = part.toString();
                if (!globbed && !isGlob(name)) {
                    base = base.resolve(name);
                } else {
                    globbed = true;
                    depth++;
                    deep |= name.contains("**");
                }
            }
            if (!Files.isDirectory(base)) {
                return List.of();
            }
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + full);
            TreeSet<String> found = new TreeSet<>();
            try (Stream<Path> walk = Files.walk(base, deep ? Integer.MAX_VALUE : depth)) {
                walk.filter(f -> matcher.matches(f) && Files.isRegularFile(f)).forEach(f -> found.add(f.toString()));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return List.copyOf(found);
        }

        @Override
        public boolean isFile(String location) {
            return Files.isRegularFile(Path.of(location));
        }

        @Override
        public InputStream open(String location) throws IOException {
            return Files.newInputStream(Path.of(location));
        }
    }
}
