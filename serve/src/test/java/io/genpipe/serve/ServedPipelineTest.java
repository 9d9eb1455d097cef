package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.Problem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline file behind an endpoint: a request's rows enter at its source step, its output step's rows come back. */
class ServedPipelineTest {

    static final Path ROOT = ServerTest.ROOT;
    static final String PIPELINE = """
            # the most anomalous quarter of what a request sends, by the VAE's score
            name: worst-quarter
            seed: 3
            batchSize: 4
            steps:
              - id: images
                use: idx-source
                with: {images: %s, labels: %s, limit: 8}
              - id: score
                use: vae-anomaly-scorer
                inputs: [images]
                with: {method: combined}
              - id: flag
                use: flag-quantile
                inputs: [score]
                with: {fraction: 0.25, by: none}
              - id: flagged
                use: filter
                inputs: [flag]
                with: {tag: flagged, equals: "true"}
              - id: grid
                use: image-grid
                inputs: [flagged]
                with: {file: flagged.png}
            """.formatted(
                    ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                    ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"));

    static Genpipe genpipe;
    static GenpipeServer server;
    static Path dir;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Files.writeString(dir.resolve("worst.yaml"), PIPELINE);
        Path config = dir.resolve("serve.yaml");
        Files.writeString(config, """
                port: 0
                models:
                  - name: vae-score
                    use: vae-anomaly-scorer
                    with: {method: combined}
                  - name: worst
                    pipeline: worst.yaml
                    input: images
                    output: flagged
                """);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(config), genpipe);
    }

    @AfterAll
    static void stop() {
        server.close();
        genpipe.close();
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String imagesRequest(float[] pixels, int rows, String more) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < rows * 784; i++) {
            data.append(i == 0 ? "" : ",").append(pixels[i]);
        }
        return "{\"inputs\": [{\"name\": \"image\", \"shape\": [" + rows
                + ", 1, 28, 28], \"datatype\": \"FP32\", \"data\": [" + data + "]}" + more + "]}";
    }

    @Test
    void aRequestsRowsRunThroughThePipelineAndItsOutputStepsRowsComeBack() throws Exception {
        float[] pixels;
        try (BufferTensor t = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"))
                .toImages(100, 108)) {
            pixels = t.toFloatArray();
        }
        // the component endpoint's scores of the same eight images
        JsonNode scored = ServerTest.json(post("/v2/models/vae-score/infer", imagesRequest(pixels, 8, "")));
        List<Double> scores = new ArrayList<>();
        scored.get("outputs").get(0).get("data").forEach(v -> scores.add(v.doubleValue()));
        List<Integer> worst = IntStream.range(0, 8)
                .boxed()
                .sorted(Comparator.comparing((Integer i) -> -scores.get(i)))
                .limit(2)
                .sorted()
                .collect(Collectors.toList());

        HttpResponse<String> r = post(
                "/v2/models/worst/infer",
                imagesRequest(
                        pixels,
                        8,
                        ", {\"name\": \"label\", \"shape\": [8],"
                                + " \"datatype\": \"INT64\", \"data\": [0, 1, 2, 3, 4, 5, 6, 7]}"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode outputs = ServerTest.json(r).get("outputs");
        assertEquals(List.of("image", "score", "label"), names(outputs));
        // the run's metrics come with its answer, as run.json would hold them
        JsonNode metrics = ServerTest.json(r).path("parameters").path("metrics");
        assertEquals(2, metrics.path("flagged").asInt(), metrics.toString());
        assertEquals(
                Math.min(scores.get(worst.get(0)), scores.get(worst.get(1))),
                metrics.path("flaggedThresholds").path("all").asDouble(),
                0.0,
                metrics.toString());
        // a quarter of eight rows, the two highest scores, in row order, with their own images and labels
        assertEquals("[2,1,28,28]", outputs.get(0).get("shape").toString());
        for (int k = 0; k < 2; k++) {
            int row = worst.get(k);
            assertEquals(scores.get(row), outputs.get(1).get("data").get(k).doubleValue(), 0.0);
            assertEquals(row, outputs.get(2).get("data").get(k).asInt());
            for (int p = 0; p < 784; p += 97) {
                assertEquals(
                        pixels[row * 784 + p],
                        outputs.get(0).get("data").get(k * 784 + p).floatValue(),
                        0.0f);
            }
        }
        // the same request, the same answer; nothing the sinks wrote (the grid) is left, no native value open
        long folders = requestFolders();
        assertEquals(
                r.body(),
                post(
                                "/v2/models/worst/infer",
                                imagesRequest(
                                        pixels,
                                        8,
                                        ", {\"name\": \"label\", \"shape\": [8],"
                                                + " \"datatype\": \"INT64\", \"data\": [0, 1, 2, 3, 4, 5, 6, 7]}"))
                        .body());
        assertEquals(folders, requestFolders());
        try (var left = Files.list(dir)) {
            assertEquals(
                    List.of("serve.yaml", "worst.yaml"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(0, genpipe.onnx().liveNativeValues());

        HttpResponse<String> meta = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/worst"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode m = ServerTest.json(meta);
        assertEquals("pipeline", m.at("/parameters/role").asText());
        assertEquals("images", m.at("/parameters/input").asText());
        assertEquals("flagged", m.at("/parameters/output").asText());
        assertEquals(
                "[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[-1,1,28,28]}]",
                m.get("inputs").toString());

        HttpResponse<String> bad =
                post("/v2/models/worst/infer", "{\"parameters\": {\"method\": \"elbo\"}, \"inputs\": []}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals(
                "unknown parameter 'method'; requests to worst take [seed, label, rows, format]",
                ServerTest.json(bad).get("error").asText());
    }

    /** The temporary folders requests' sinks write into (each removed when its request ends). */
    private static long requestFolders() throws Exception {
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("genpipe-rows-"))
                    .count();
        }
    }

    private static List<String> names(JsonNode outputs) {
        List<String> n = new ArrayList<>();
        outputs.forEach(o -> n.add(o.get("name").asText()));
        return n;
    }

    @Test
    void aPipelineThatCannotBeServedIsRefusedAtItsLines() throws Exception {
        Files.writeString(dir.resolve("typo.yaml"), PIPELINE.replace("use: filter", "use: fliter"));
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, """
                port: 0
                models:
                  - name: a
                    pipeline: worst.yaml
                    input: score
                    output: flagged
                  - name: b
                    pipeline: worst.yaml
                    input: images
                    output: grid
                  - name: c
                    pipeline: typo.yaml
                    input: images
                    output: flagged
                """);
        ServeConfig c = new ServeConfigReader().read(config);
        PipelineException e = assertThrows(PipelineException.class, () -> GenpipeServer.start(c, genpipe));
        List<String> problems = e.problems().stream().map(Problem::toString).toList();
        assertEquals(4, problems.size(), problems.toString());
        assertEquals(
                config + ":3:5: model 'a': input: score is not a source step of " + dir.resolve("worst.yaml")
                        + " (its sources: images)",
                problems.get(0));
        assertEquals(
                config + ":7:5: model 'b': output: grid is not a step of " + dir.resolve("worst.yaml")
                        + " that passes rows on (it is a sink; steps: images, score, flag, flagged)",
                problems.get(1));
        assertEquals(
                config + ":11:5: model 'c': pipeline " + dir.resolve("typo.yaml") + " is invalid (1 problem)",
                problems.get(2));
        assertTrue(
                problems.get(3)
                        .startsWith(dir.resolve("typo.yaml") + ":17:5: step 'flagged': unknown component or step"
                                + " 'fliter'; did you mean 'filter'?"),
                problems.get(3));

        Path batched = dir.resolve("batched.yaml");
        Files.writeString(
                batched,
                "models:\n  - name: w\n    pipeline: worst.yaml\n    input: images\n    output: flagged\n"
                        + "    batching: {maxBatchSize: 8}\n");
        PipelineException b = assertThrows(PipelineException.class, () -> new ServeConfigReader().read(batched));
        assertEquals(
                batched + ":6:15: model 'w' serves a pipeline, which runs each request on its own (its global steps see"
                        + " that request's rows only): leave maxBatchSize out (1)",
                b.problems().get(0).toString());
    }
}
