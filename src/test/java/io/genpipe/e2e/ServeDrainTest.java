package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while a long generation streams: the server stops taking requests, gives what runs the drain's time,
 * then ends the stream with an error event (not a cut connection) and exits 0, within bounded time.
 */
@Tag("slow")
class ServeDrainTest {

    @Test
    void sigtermDuringALongStreamEndsItWithAnErrorEventAndExitsZero(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("serve.yaml");
        Files.writeString(config, """
                port: 0
                grpcPort: -1
                limits: {maxTokens: 1000000}
                models:
                  - name: gpt
                    use: gpt-generator
                """);
        Path root = Repo.root();
        Process server = new ProcessBuilder(root.resolve("genpipe").toString(), "serve", config.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader lines =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = lines.readLine();
            Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)")
                    .matcher(first == null ? "" : first);
            assertTrue(m.find(), "first line: " + first);
            HttpResponse<Stream<String>> stream = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + m.group(1) + "/v2/models/gpt/generate_stream"))
                                    .POST(
                                            HttpRequest.BodyPublishers.ofString(
                                                    "{\"text_input\": \"The \", \"parameters\": {\"maxTokens\": 100000, \"minTokens\": 100000}}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, stream.statusCode());
            Iterator<String> events = stream.body().iterator();
            assertTrue(events.next().startsWith("data: "), "the first piece");
            long signalled = System.nanoTime();
            new ProcessBuilder("kill", "-TERM", Long.toString(server.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            String last = null;
            String event = null;
            while (events.hasNext()) {
                String line = events.next();
                if (line.startsWith("event: ")) {
                    event = line;
                } else if (line.startsWith("data: ")) {
                    last = line;
                }
            }
            double seconds = (System.nanoTime() - signalled) / 1e9;
            assertEquals("event: error", event);
            assertEquals(
                    "data: {\"error\":\"the server is shutting down; model gpt did not finish this request within the"
                            + " 10 s drain\"}",
                    last);
            assertTrue(seconds > 9 && seconds < 14, "the stream ended " + seconds + " s after SIGTERM");
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "genpipe serve did not exit after SIGTERM");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
        }
    }
}
