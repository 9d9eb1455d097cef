package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/SERVING.md's examples, run verbatim against {@code ./genpipe serve serve/serve.yaml}: every
 * {@code $ } line of its console blocks in order (only the port, 8080 in the doc, is the one the
 * server got), its output compared with the lines the doc shows under it. Then SIGTERM: the server
 * stops taking requests, answers those in flight and exits 0.
 */
class ServingDocTest {

    record Example(String command, String expected) {}

    static List<Example> examples(String doc) {
        List<Example> out = new ArrayList<>();
        Matcher block = Pattern.compile("```console\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (block.find()) {
            String command = null;
            StringBuilder expected = new StringBuilder();
            for (String line : block.group(1).split("\n", -1)) {
                if (line.startsWith("$ ")) {
                    if (command != null) {
                        out.add(new Example(command, expected.toString().strip()));
                    }
                    command = line.substring(2);
                    expected.setLength(0);
                } else if (command != null) {
                    expected.append(line).append('\n');
                }
            }
            if (command != null) {
                out.add(new Example(command, expected.toString().strip()));
            }
        }
        return out;
    }

    @Test
    void theDocsCurlExamplesGiveWhatTheDocShows() throws Exception {
        Path root = Repo.root();
        List<Example> examples = examples(Files.readString(root.resolve("docs/SERVING.md")));
        assertTrue(examples.size() >= 10, "examples found: " + examples.size());
        Process server = new ProcessBuilder(
                        root.resolve("genpipe").toString(), "serve", "serve/serve.yaml", "--port", "0")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader lines =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = lines.readLine();
            Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) ")
                    .matcher(first == null ? "" : first);
            assertTrue(m.find(), "first line: " + first);
            String port = m.group(1);
            for (Example e : examples) {
                Process p = new ProcessBuilder("bash", "-c", e.command().replace("localhost:8080", "localhost:" + port))
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .start();
                String got = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(e.expected(), got, e.command());
            }
            new ProcessBuilder("kill", "-TERM", Long.toString(server.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "genpipe serve did not stop after SIGTERM");
            assertEquals(0, server.exitValue());
            assertEquals("genpipe serve: stopping (answering requests in flight)", lines.readLine());
        } finally {
            server.destroyForcibly();
        }
    }
}
