package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model repository extension: index, load (a new version, from the body or the file), unload. */
class RepositoryTest {

    static final String CONFIG = """
            port: 0
            grpcPort: -1
            models:
              - name: gan
                use: gan-generator
              - name: vae-score
                use: vae-anomaly-scorer
                with: {method: combined}
                batching: {maxBatchSize: 32, maxQueueDelayMs: 2}
            """;

    Genpipe genpipe;
    GenpipeServer server;
    Path file;
    final HttpClient http = HttpClient.newHttpClient();
    byte[] oneImage;
    float[] pixels;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        file = dir.resolve("serve.yaml");
        Files.writeString(file, CONFIG);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe);
        IdxFile images = IdxFile.read(ServerTest.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        try (BufferTensor t = images.toImages(0, 1)) {
            pixels = t.toFloatArray();
        }
        ByteBuffer raw = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(pixels);
        oneImage = raw.array();
    }

    @AfterEach
    void stop() {
        server.close();
        genpipe.close();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One image scored, raw mode; the answer's status and body. */
    HttpResponse<String> score(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .header(GenpipeServer.HEADER_LENGTH, "0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(oneImage))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return InferenceCodec.JSON.readTree(r.body());
    }

    double local(String method) {
        try (Scorer s = genpipe.scorer("vae-anomaly-scorer", Map.of("method", method));
                Batch in = Batch.builder(1)
                        .meta(List.of(RowMeta.of("x")))
                        .column("image", BufferTensor.ofFloats(pixels, 1, 1, 28, 28))
                        .build()) {
            return s.score(in)[0];
        }
    }

    @Test
    void loadingANewConfigServesANewVersionAndUnloadingStopsServing() throws Exception {
        JsonNode index = json(post("/v2/repository/index", ""));
        assertEquals(
                "[{\"name\":\"gan\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"},"
                        + "{\"name\":\"vae-score\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}]",
                index.toString());
        assertTrue(get("/v2").body().contains("\"model_repository\""));
        double combined = json(score("/v2/models/vae-score/infer"))
                .at("/outputs/0/data/0")
                .asDouble();
        assertEquals(local("combined"), combined, 0.0);
        // a new version with another method, from the request's body
        HttpResponse<String> loaded = post(
                "/v2/repository/models/vae-score/load",
                "{\"parameters\": {\"config\": {\"use\": \"vae-anomaly-scorer\", \"with\": {\"method\":"
                        + " \"reconstruction\"}}}}");
        assertEquals(200, loaded.statusCode(), loaded.body());
        assertEquals("{\"name\":\"vae-score\",\"version\":\"2\"}", loaded.body());
        JsonNode answer = json(score("/v2/models/vae-score/infer"));
        assertEquals("2", answer.path("model_version").asText());
        assertEquals(local("reconstruction"), answer.at("/outputs/0/data/0").asDouble(), 0.0);
        assertEquals(
                "[\"2\"]", json(get("/v2/models/vae-score")).path("versions").toString());
        assertEquals(200, score("/v2/models/vae-score/versions/2/infer").statusCode());
        assertEquals(
                "model vae-score has no version '1'; its versions: [2]",
                json(score("/v2/models/vae-score/versions/1/infer"))
                        .path("error")
                        .asText());
        // unloaded: 404 saying how to serve it again; the index says why
        assertEquals(200, post("/v2/repository/models/vae-score/unload", "").statusCode());
        HttpResponse<String> gone = score("/v2/models/vae-score/infer");
        assertEquals(404, gone.statusCode());
        assertEquals(
                "model vae-score is not loaded (unloaded); POST /v2/repository/models/vae-score/load to serve it",
                json(gone).path("error").asText());
        assertEquals(
                "{\"name\":\"vae-score\",\"version\":\"2\",\"state\":\"UNAVAILABLE\",\"reason\":\"unloaded\"}",
                json(post("/v2/repository/index", "")).get(1).toString());
        assertEquals(404, get("/v2/models/vae-score/ready").statusCode());
        // loaded again without a body: as the config file says now (edited meanwhile)
        Files.writeString(file, CONFIG.replace("method: combined", "method: mahalanobis"));
        HttpResponse<String> again = post("/v2/repository/models/vae-score/load", "");
        assertEquals("{\"name\":\"vae-score\",\"version\":\"3\"}", again.body());
        assertEquals(
                local("mahalanobis"),
                json(score("/v2/models/vae-score/infer"))
                        .at("/outputs/0/data/0")
                        .asDouble(),
                0.0);
        assertEquals(200, get("/v2/models/vae-score/ready").statusCode());
    }

    @Test
    void aLoadThatCannotBeBuiltIsRefusedAndTheOldVersionKeepsServing() throws Exception {
        HttpResponse<String> bad = post(
                "/v2/repository/models/vae-score/load",
                "{\"parameters\": {\"config\": \"{\\\"use\\\": \\\"vae-anomaly-scorr\\\"}\"}}");
        assertEquals(400, bad.statusCode());
        String message = json(bad).path("error").asText();
        assertTrue(
                message.startsWith("cannot load model vae-score: ")
                        && message.contains("model 'vae-score': unknown component 'vae-anomaly-scorr'"),
                message);
        assertEquals(200, score("/v2/models/vae-score/infer").statusCode());
        assertEquals(
                "1",
                json(score("/v2/models/vae-score/infer")).path("model_version").asText());
        // a request never names a file the server would read: model paths and pipelines are the config's
        HttpResponse<String> file = post(
                "/v2/repository/models/vae-score/load",
                "{\"parameters\": {\"config\": {\"use\": \"vae-anomaly-scorer\", \"with\": {\"encoder\":"
                        + " \"/etc/passwd\"}}}}");
        assertEquals(400, file.statusCode());
        assertEquals(
                "a load request's config may not name files (with.encoder); put the model in serve.yaml and load it"
                        + " by name, without a body",
                json(file).path("error").asText());
        HttpResponse<String> pipeline = post(
                "/v2/repository/models/p/load",
                "{\"parameters\": {\"config\": {\"pipeline\": \"../x.yaml\", \"input\": \"a\", \"output\": \"b\"}}}");
        assertEquals(400, pipeline.statusCode());
        assertTrue(json(pipeline)
                .path("error")
                .asText()
                .startsWith("a load request's config may not name files (pipeline)"));
        HttpResponse<String> unknown = post("/v2/repository/models/vae/load", "");
        assertEquals(400, unknown.statusCode());
        assertEquals(
                "model vae is not in serve.yaml (its models: [gan, vae-score]); give its config in the body:"
                        + " {\"parameters\": {\"config\": {\"use\": ...}}}",
                json(unknown).path("error").asText());
        assertEquals(404, post("/v2/repository/models/nope/unload", "").statusCode());
        // a new model, from the body alone
        HttpResponse<String> added = post(
                "/v2/repository/models/gan-2/load",
                "{\"parameters\": {\"config\": {\"use\": \"gan-generator\", \"batching\": {\"maxBatchSize\": 4}}}}");
        assertEquals(200, added.statusCode(), added.body());
        assertEquals(200, post("/v2/models/gan-2/infer", "{}").statusCode());
    }

    @Test
    void loadingNewVersionsUnderLoadDropsNothing() throws Exception {
        AtomicBoolean going = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            clients.add(pool.submit(() -> {
                while (going.get()) {
                    HttpResponse<String> r = client % 2 == 0
                            ? score("/v2/models/vae-score/infer")
                            : post("/v2/models/gan/infer", "{\"parameters\": {\"rows\": 2}}");
                    statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger())
                            .incrementAndGet();
                }
                return null;
            }));
        }
        List<String> methods = List.of("reconstruction", "mahalanobis", "combined");
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> vae = post(
                    "/v2/repository/models/vae-score/load",
                    "{\"parameters\": {\"config\": {\"use\": \"vae-anomaly-scorer\", \"with\": {\"method\": \""
                            + methods.get(i % 3) + "\"}}}}");
            assertEquals(200, vae.statusCode(), vae.body());
            HttpResponse<String> gan = post("/v2/repository/models/gan/load", "");
            assertEquals(200, gan.statusCode(), gan.body());
        }
        going.set(false);
        for (Future<?> f : clients) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        int ok = statuses.getOrDefault(200, new AtomicInteger()).get();
        assertTrue(ok > 50, "answers: " + statuses);
        assertEquals(
                Map.of(200, ok),
                Map.of(
                        200,
                        statuses.values().stream().mapToInt(AtomicInteger::get).sum()),
                "every answer under load is a 200: " + statuses);
        assertEquals("7", json(get("/v2/models/gan")).path("versions").get(0).asText());
        // the versions swapped out have closed their sessions: nothing is left open once idle
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (genpipe.onnx().liveNativeValues() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, genpipe.onnx().liveNativeValues());
    }
}
