package io.genpipe.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.serve.GenpipeServer;
import io.genpipe.serve.ServeConfigReader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** genpipe-client against a real genpipe serve, over HTTP and over gRPC: the same answers both ways. */
class ClientTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String CONFIG = """
            port: 0
            models:
              - name: gan
                use: gan-generator
              - name: vae-score
                use: vae-anomaly-scorer
                with: {method: combined}
              - name: gpt
                use: gpt-generator
                with: {temperature: 0.8, topK: 40, maxTokens: 24}
            """;

    static Genpipe genpipe;
    static GenpipeServer server;
    static GenpipeClient http;
    static GenpipeClient grpc;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("serve.yaml");
        Files.writeString(file, CONFIG);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe);
        http = GenpipeClient.http("http://127.0.0.1:" + server.port()).build();
        grpc = GenpipeClient.grpc("127.0.0.1", server.grpcPort()).build();
    }

    @AfterAll
    static void stop() {
        http.close();
        grpc.close();
        server.close();
        genpipe.close();
    }

    static Batch images(int from, int to) {
        IdxFile idx = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        List<RowMeta> meta = new ArrayList<>();
        for (int i = from; i < to; i++) {
            meta.add(RowMeta.of("img-" + i));
        }
        return Batch.builder(to - from)
                .meta(meta)
                .column("image", idx.toImages(from, to))
                .build();
    }

    @Test
    void metadataOverBothProtocols() {
        for (GenpipeClient c : List.of(http, grpc)) {
            assertTrue(c.live());
            assertTrue(c.ready());
            assertEquals(List.of("binary_tensor_data", "model_repository"), c.extensions());
            ModelInfo m = c.model("vae-score");
            assertEquals("vae-score", m.name());
            assertEquals(List.of("1"), m.versions());
            assertEquals(
                    new ModelInfo.TensorInfo("image", "FP32", List.of(-1L, 1L, 28L, 28L)),
                    m.inputs().get(0));
            GenpipeClientException missing = assertThrows(GenpipeClientException.class, () -> c.model("vea"));
            assertEquals(404, missing.status());
            assertEquals("no model 'vea'; served models: [gan, vae-score, gpt]", missing.getMessage());
        }
    }

    @Test
    void scoresAreTheComponentsOverBothProtocols() {
        try (Batch in = images(0, 5);
                InferResponse h =
                        http.infer(InferRequest.to("vae-score").batch(in).build());
                InferResponse g =
                        grpc.infer(InferRequest.to("vae-score").batch(in).build());
                Scorer local = genpipe.scorer("vae-anomaly-scorer", Map.of("method", "combined"))) {
            double[] want = local.score(in);
            assertArrayEquals(want, h.tensor("score").toDoubleArray(), 0.0);
            assertArrayEquals(want, g.tensor("score").toDoubleArray(), 0.0);
        }
    }

    @Test
    void generatedRowsAndLabelsAreTheSameBytesOverBothProtocols() {
        InferRequest r = InferRequest.to("gan").id("r1").seed(7).labels(4, 5, 6).build();
        try (InferResponse h = http.infer(r);
                InferResponse g = grpc.infer(r);
                Batch hb = h.batch();
                Batch gb = g.batch()) {
            assertEquals("r1", h.id());
            assertEquals("r1", g.id());
            assertEquals(7L, h.parameters().get("seed"));
            assertEquals(7L, g.parameters().get("seed"));
            assertEquals(3, hb.rows());
            assertEquals(6, hb.meta(2).label());
            assertEquals(6, gb.meta(2).label());
            assertArrayEquals(
                    hb.column("image").toFloatArray(), gb.column("image").toFloatArray(), 0f);
            assertArrayEquals(new long[] {3, 1, 28, 28}, hb.column("image").shape());
        }
        // outputs by name: only those come back
        try (InferResponse only = grpc.infer(
                InferRequest.to("gan").seed(7).rows(2).outputs("image").build())) {
            assertEquals(List.of("image"), List.copyOf(only.tensorNames()));
        }
    }

    @Test
    void textStreamsTheSameTextOverBothProtocols() throws Exception {
        HttpResponse<String> whole = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + server.port() + "/v2/models/gpt/generate"))
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"text_input\": \"The \", \"parameters\": {\"seed\": 9}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        String want = GenpipeServerJson.field(whole.body(), "text_output");
        for (GenpipeClient c : List.of(http, grpc)) {
            try (TextStream s = c.generate("gpt", "The ", Map.of("seed", 9))) {
                StringBuilder text = new StringBuilder();
                int pieces = 0;
                while (s.hasNext()) {
                    text.append(s.next());
                    pieces++;
                }
                assertTrue(pieces > 3, "pieces: " + pieces);
                assertEquals(want, text.toString());
                assertEquals(want, s.completion());
                assertEquals(GenpipeServerJson.field(whole.body(), "finish"), s.finish());
            }
            assertEquals(want, c.generateText("gpt", "The ", Map.of("seed", 9)));
            GenpipeClientException bad = assertThrows(
                    GenpipeClientException.class,
                    () -> c.generateText("gpt", "x", Map.of("temprature", 1)).length());
            assertEquals(400, bad.status());
            assertTrue(bad.getMessage().startsWith("unknown parameter 'temprature'; did you mean 'temperature'?"));
        }
    }

    @Test
    void busyAnswersAreTriedAgainWithBackoffAndOthersAreNot() throws Exception {
        // in front of the real server: answers 429 twice, then passes requests on
        AtomicInteger calls = new AtomicInteger();
        HttpServer busy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        HttpClient forward = HttpClient.newHttpClient();
        busy.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (calls.incrementAndGet() <= 2) {
                byte[] refusal = "{\"error\": \"model gan's queue is full\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(429, refusal.length);
                exchange.getResponseBody().write(refusal);
                exchange.close();
                return;
            }
            if (exchange.getRequestURI().getPath().startsWith("/slow")) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                HttpRequest.Builder r = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + exchange.getRequestURI()));
                exchange.getRequestHeaders().forEach((k, v) -> {
                    if (k.equalsIgnoreCase("Inference-Header-Content-Length")) {
                        r.header(k, v.get(0));
                    }
                });
                HttpResponse<byte[]> answer = forward.send(
                        r.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                answer.headers()
                        .firstValue("Inference-Header-Content-Length")
                        .ifPresent(v -> exchange.getResponseHeaders().add("Inference-Header-Content-Length", v));
                exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(answer.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        busy.start();
        String base = "http://127.0.0.1:" + busy.getAddress().getPort();
        try (GenpipeClient patient = GenpipeClient.http(base)
                        .retries(3)
                        .backoff(Duration.ofMillis(20), Duration.ofMillis(100))
                        .build();
                InferResponse r =
                        patient.infer(InferRequest.to("gan").seed(1).rows(1).build());
                InferResponse direct =
                        http.infer(InferRequest.to("gan").seed(1).rows(1).build())) {
            assertEquals(3, calls.get());
            assertArrayEquals(
                    direct.tensor("image").toFloatArray(), r.tensor("image").toFloatArray(), 0f);
        }
        calls.set(0);
        try (GenpipeClient impatient = GenpipeClient.http(base).retries(0).build()) {
            GenpipeClientException e = assertThrows(
                    GenpipeClientException.class,
                    () -> impatient.infer(InferRequest.to("gan").rows(1).build()));
            assertEquals(429, e.status());
            assertEquals("model gan's queue is full", e.getMessage());
            assertEquals(1, calls.get());
        }
        calls.set(2);
        try (GenpipeClient hurried = GenpipeClient.http(base + "/slow")
                .timeout(Duration.ofMillis(300))
                .retries(0)
                .build()) {
            GenpipeClientException e = assertThrows(
                    GenpipeClientException.class,
                    () -> hurried.infer(InferRequest.to("gan").rows(1).build()));
            assertEquals(504, e.status());
        } finally {
            busy.stop(0);
        }
    }

    @Test
    void theServingGuidesJavaExampleRunsAndIsTheOneInTheGuide() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ServingExample.run("http://127.0.0.1:" + server.port(), server.grpcPort(), out);
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("gan: 4 rows, float32[4,1,28,28], labels 3", lines[0]);
        assertTrue(
                lines[1].matches("scores: -?\\d+\\.\\d{3} -?\\d+\\.\\d{3} -?\\d+\\.\\d{3} -?\\d+\\.\\d{3}"), lines[1]);
        assertTrue(lines[2].startsWith("gpt: "), lines[2]);
        // the guide shows exactly this code
        String source = Files.readString(ROOT.resolve("client/src/test/java/io/genpipe/client/ServingExample.java"));
        String example = source.substring(
                source.indexOf("// example:start\n") + "// example:start\n".length(),
                source.indexOf("        // example:end"));
        String guide = Files.readString(ROOT.resolve("docs/SERVING.md"));
        assertTrue(
                guide.contains(example.stripTrailing().stripIndent()),
                "docs/SERVING.md does not show ServingExample's code");
    }
}
