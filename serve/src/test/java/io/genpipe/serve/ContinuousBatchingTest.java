package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.genpipe.runtime.Genpipe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching: requests join a running decode and leave it when they end — a short request arriving
 * while a long one runs is answered before the long one ends — and every text is the one the request gets
 * alone.
 */
class ContinuousBatchingTest {

    static final String CONFIG = """
            port: 0
            grpcPort: -1
            models:
              - name: gpt
                use: gpt-generator
                with: {temperature: 0.9, topK: 40}
                batching: {maxBatchSize: 8}
            """;

    static Genpipe genpipe;
    static GenpipeServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("serve.yaml");
        Files.writeString(file, CONFIG);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe);
    }

    @AfterAll
    static void stop() {
        server.close();
        genpipe.close();
    }

    static HttpRequest generate(String path, String prompt, long seed, int tokens) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/gpt/" + path))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"text_input\": \"" + prompt + "\", \"parameters\": {\"seed\": " + seed + ", \"maxTokens\": "
                                + tokens + ", \"minTokens\": " + tokens + "}}"))
                .build();
    }

    static String text(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        JsonNode a = InferenceCodec.JSON.readTree(r.body());
        return a.path("text_output").asText() + "|" + a.path("finish").asText();
    }

    @Test
    void shortRequestsJoinARunningLongOneAndLeaveBeforeItEndsWithTheirTextsAlone() throws Exception {
        assertTrue(server.repository.peek("gpt").batcher instanceof ContinuousBatcher);
        // a long generation streams...
        HttpResponse<Stream<String>> longStream =
                HTTP.send(generate("generate_stream", "Once ", 1, 600), HttpResponse.BodyHandlers.ofLines());
        Iterator<String> longEvents = longStream.body().iterator();
        assertTrue(longEvents.next().startsWith("data: "));
        CompletableFuture<String> longText = CompletableFuture.supplyAsync(() -> {
            StringBuilder all = new StringBuilder();
            String last = "";
            while (longEvents.hasNext()) {
                String line = longEvents.next();
                if (line.startsWith("data: ")) {
                    last = line;
                }
            }
            try {
                JsonNode end = InferenceCodec.JSON.readTree(last.substring(6));
                all.append(end.path("completion").asText())
                        .append('|')
                        .append(end.path("finish").asText());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return all.toString();
        });
        // ...while short ones arrive, staggered, with prompts of different lengths
        String[] prompts = {"The ", "A ", "Q: Why is the sky ", "Never ", "It was a dark and stormy ", "You "};
        ExecutorService pool = Executors.newFixedThreadPool(prompts.length);
        List<Future<String>> shorts = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            int k = i;
            shorts.add(pool.submit(() -> text(HTTP.send(
                    generate("generate", prompts[k], 10 + k, 12 + 3 * k), HttpResponse.BodyHandlers.ofString()))));
            Thread.sleep(15);
        }
        List<String> together = new ArrayList<>();
        for (Future<String> f : shorts) {
            together.add(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        // every short one was answered while the long one still ran: none waited for it
        assertFalse(longText.isDone(), "the long generation ended before the short ones were answered");
        String longTogether = longText.get(120, TimeUnit.SECONDS);
        // each text is the one the same request gets alone
        for (int i = 0; i < prompts.length; i++) {
            String alone = text(HTTP.send(
                    generate("generate", prompts[i], 10 + i, 12 + 3 * i), HttpResponse.BodyHandlers.ofString()));
            assertEquals(alone, together.get(i), "request " + i);
        }
        assertEquals(
                text(HTTP.send(generate("generate", "Once ", 1, 600), HttpResponse.BodyHandlers.ofString())),
                longTogether);
    }
}
