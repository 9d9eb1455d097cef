package io.genpipe.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.Genpipe;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under pipelines/invalid is rejected with exactly the problems listed for it in
 * pipelines/invalid/expected-problems.txt ({dir} stands for the folder), naming file, line and step.
 */
class InvalidPipelinesTest {

    static Path folder() throws URISyntaxException {
        return Path.of(InvalidPipelinesTest.class
                        .getResource("/pipelines/invalid/expected-problems.txt")
                        .toURI())
                .getParent();
    }

    static Map<String, List<String>> expected() throws Exception {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        String current = null;
        for (String line : Files.readAllLines(folder().resolve("expected-problems.txt"))) {
            if (line.startsWith("== ")) {
                current = line.substring(3).trim();
                expected.put(current, new ArrayList<>());
            } else if (!line.isBlank() && current != null) {
                expected.get(current).add(line.replace("{dir}", folder().toString()));
            }
        }
        return expected;
    }

    static Stream<String> files() throws IOException, URISyntaxException {
        try (Stream<Path> list = Files.list(folder())) {
            return list
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml"))
                    .sorted()
                    .collect(Collectors.toList())
                    .stream();
        }
    }

    /** Problems found for one file, as the CLI prints them. */
    static List<String> problems(Path file) {
        try (Genpipe genpipe = Genpipe.builder().baseDir(file.getParent()).build()) {
            // as the CLI reads it: with its sub-pipelines (use: pipeline:FILE) inlined
            return genpipe.pipeline(file).validate().stream()
                    .map(Problem::toString)
                    .collect(Collectors.toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void isRejectedWithPreciseProblems(String name) throws Exception {
        List<String> want = expected().get(name);
        List<String> got = problems(folder().resolve(name));
        assertFalse(got.isEmpty(), name + " was accepted");
        if (want == null) {
            throw new AssertionError("no expected problems for " + name + "; found:\n"
                    + String.join("\n", got).replace(folder().toString(), "{dir}"));
        }
        assertEquals(want, got);
        for (String p : got) {
            // a problem of a file it includes names that file and line (parts/)
            assertTrue(
                    p.startsWith(folder().resolve(name) + ":") || p.startsWith(folder().resolve("parts") + "/"),
                    "problem does not name the file: " + p);
        }
    }
}
