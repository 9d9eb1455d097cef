package io.genpipe.runtime.step;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.ParameterException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Paths a sink writes: always relative names inside the run's output folder. An absolute path, a
 * {@code ..} segment, or a name genpipe itself writes ({@code run.json}, {@code report.html}, {@code timings.js}) is
 * a validation problem, so nothing is ever written outside the output folder, even by a run that
 * fails later.
 */
public final class OutputPaths {

    private static final Set<String> RESERVED = Set.of("run.json", "report.html", "timings.js");

    private OutputPaths() {}

    /** A row id as a file name: every character but letters, digits and {@code . _ # ~ -} replaced by {@code _}. */
    public static String safeName(String id) {
        return id.replaceAll("[^A-Za-z0-9._#~-]", "_");
    }

    /** What is wrong with {@code value} as a path inside the output folder, if anything. */
    public static Optional<String> problem(String value) {
        if (value.isBlank()) {
            return Optional.of("is empty; name a file inside the output folder");
        }
        String v = value.replace('\\', '/');
        if (v.startsWith("/") || v.matches("^[A-Za-z]:.*") || v.startsWith("~")) {
            return Optional.of("'" + value + "' is not inside the output folder; give a relative name such as "
                    + "results.csv or images/");
        }
        for (String segment : v.split("/")) {
            if (segment.equals("..")) {
                return Optional.of("'" + value + "' climbs out of the output folder with ..; give a relative name"
                        + " inside it, such as results.csv or images/");
            }
        }
        try {
            Path p = Path.of(v).normalize();
            if (p.toString().isEmpty() || p.toString().equals(".")) {
                return Optional.of("'" + value + "' is the output folder itself; name a file or sub-folder in it");
            }
            if (RESERVED.contains(p.toString())) {
                return Optional.of("'" + value + "' is written by genpipe itself; choose another name");
            }
        } catch (InvalidPathException e) {
            return Optional.of("'" + value + "' is not a valid file name: " + e.getReason());
        }
        return Optional.empty();
    }

    /**
     * Checks the named string parameters that hold output paths.
     *
     * @throws ParameterException naming each parameter that would write outside the output folder
     */
    public static void check(Parameters parameters, List<String> names, String who) {
        List<String> problems = new ArrayList<>();
        List<String> concerned = new ArrayList<>();
        for (String name : names) {
            Optional<String> value = parameters.findString(name);
            if (value.isEmpty()) {
                continue;
            }
            problem(value.get()).ifPresent(p -> {
                problems.add("parameter '" + name + "' of " + who + ": " + p);
                concerned.add(name);
            });
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(problems, concerned);
        }
    }

    /**
     * Resolves a checked name inside {@code folder}, checking once more that it stays there.
     *
     * @throws GenpipeException when it would not (a bug or a name that bypassed validation)
     */
    public static Path resolve(Path folder, String relative) {
        Optional<String> problem = problem(relative);
        Path base = folder.toAbsolutePath().normalize();
        Path resolved = base.resolve(relative.replace('\\', '/')).normalize();
        if (problem.isPresent() || !resolved.startsWith(base) || resolved.equals(base)) {
            throw new GenpipeException(
                    "refusing to write '" + relative + "': " + problem.orElse("outside the output folder"));
        }
        try {
            Files.createDirectories(resolved.getParent()); // file: plots/x.png makes plots/
        } catch (IOException e) {
            throw new GenpipeException("cannot create the folder of " + relative + ": " + e.getMessage(), e);
        }
        return resolved;
    }
}
