package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.pipeline.PipelineException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String CONFIG = """
            port: 0
            limits: {maxRequestBytes: 200000, maxRowsPerRequest: 64}
            models:
              - name: gan
                use: gan-generator
                batching: {maxBatchSize: 64, maxQueueDelayMs: 20, queueCapacity: 256}
              - name: gan-single
                use: gan-generator
                batching: {maxBatchSize: 1}
              - name: vae-score
                use: vae-anomaly-scorer
                with: {method: combined}
              - name: gan-narrow
                use: gan-generator
                batching: {maxBatchSize: 1, maxQueueDelayMs: 0, queueCapacity: 1}
              - name: gpt
                use: gpt-generator
                with: {temperature: 0.8, topK: 40, maxTokens: 24}
                batching: {maxBatchSize: 8, maxQueueDelayMs: 20}
            """;

    static Genpipe genpipe;
    static GenpipeServer server;
    static HttpClient http = HttpClient.newHttpClient();
    static IdxFile images;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("serve.yaml");
        Files.writeString(file, CONFIG);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe);
        images = IdxFile.read(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
    }

    @AfterAll
    static void stop() {
        server.close();
        genpipe.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return InferenceCodec.JSON.readTree(r.body());
    }

    @Test
    void healthModelsAndMetadata() throws Exception {
        assertEquals(200, get("/v2/health/live").statusCode());
        HttpResponse<String> ready = get("/v2/health/ready");
        assertEquals(200, ready.statusCode());
        assertEquals("{\"ready\":true}", ready.body());
        JsonNode models = json(get("/v2/models")).get("models");
        assertEquals(5, models.size());
        assertEquals("gan", models.get(0).get("name").asText());
        assertEquals("scorer", models.get(2).get("role").asText());
        JsonNode gan = json(get("/v2/models/gan"));
        assertEquals(
                "[{\"name\":\"z\",\"datatype\":\"FP32\",\"shape\":[-1,100]}]",
                gan.get("inputs").toString());
        assertEquals(
                "[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[-1,1,28,28]}]",
                gan.get("outputs").toString());
        assertEquals(
                64, gan.get("parameters").get("batching").get("maxBatchSize").asInt());
        JsonNode vae = json(get("/v2/models/vae-score"));
        assertEquals(
                "[{\"name\":\"score\",\"datatype\":\"FP64\",\"shape\":[-1]}]",
                vae.get("outputs").toString());
        assertEquals("combined", vae.get("parameters").get("with").get("method").asText());
    }

    @Test
    void aGanRequestGetsWhatTheComponentGivesForTheSameNoiseAndLabels() throws Exception {
        float[] z = new float[2 * 100];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) Math.sin(i * 0.37);
        }
        StringBuilder data = new StringBuilder();
        for (float v : z) {
            data.append(data.length() == 0 ? "" : ",").append(v);
        }
        HttpResponse<String> r = post(
                "/v2/models/gan/infer",
                "{\"id\": \"a\", \"inputs\": [{\"name\": \"z\", \"shape\": [2, 100],"
                        + " \"datatype\": \"FP32\", \"data\": [" + data
                        + "]}, {\"name\": \"label\", \"shape\": [2], \"datatype\": \"INT64\","
                        + " \"data\": [3, 7]}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = json(r);
        assertEquals("a", out.get("id").asText());
        JsonNode image = out.get("outputs").get(0);
        assertEquals("[2,1,28,28]", image.get("shape").toString());
        assertEquals("[3,7]", out.get("outputs").get(1).get("data").toString());
        Generator g = genpipe.generator("gan-generator", Map.of());
        try (Batch in = Batch.builder(2)
                        .column("z", BufferTensor.ofFloats(z, 2, 100))
                        .meta(List.of(
                                RowMeta.of("x0").withLabel(3), RowMeta.of("x1").withLabel(7)))
                        .build();
                Batch expected = g.generate(in, new RandomSource(0))) {
            float[] want = expected.column("image").toFloatArray();
            assertEquals(want.length, image.get("data").size());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], image.get("data").get(i).floatValue(), 0f, "pixel " + i);
            }
        }
    }

    @Test
    void batchedAndUnbatchedAnswersAreByteIdentical() throws Exception {
        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<HttpResponse<String>>> batched = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String body = "{\"parameters\": {\"seed\": " + (1000 + c) + ", \"label\": " + (c % 10) + "}}";
            batched.add(pool.submit(() -> post("/v2/models/gan/infer", body)));
        }
        List<String> together = new ArrayList<>();
        for (Future<HttpResponse<String>> f : batched) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.body());
            together.add(r.body());
        }
        pool.shutdown();
        for (int c = 0; c < clients; c++) {
            HttpResponse<String> alone = post(
                    "/v2/models/gan-single/infer",
                    "{\"parameters\": {\"seed\": " + (1000 + c) + ", \"label\": " + (c % 10) + "}}");
            assertEquals(
                    together.get(c).replace("\"model_name\":\"gan\"", "\"model_name\":\"gan-single\""),
                    alone.body(),
                    "client " + c);
        }
        String metrics = get("/metrics").body();
        double rows = metric(metrics, "genpipe_serve_batch_size_sum{model=\"gan\"}");
        double calls = metric(metrics, "genpipe_serve_batch_size_count{model=\"gan\"}");
        assertTrue(rows / calls > 1.5, "32 concurrent single-row requests were run in " + calls + " calls");
        assertEquals(calls, metric(metrics, "genpipe_serve_inference_duration_seconds_count{model=\"gan\"}"));
        assertTrue(metrics.contains("genpipe_serve_requests_total{model=\"gan-single\",status=\"200\"}"), metrics);
        // seeds differ, images differ
        assertTrue(!json(post("/v2/models/gan/infer", "{\"parameters\": {\"seed\": 1}}"))
                .get("outputs")
                .equals(json(post("/v2/models/gan/infer", "{\"parameters\": {\"seed\": 2}}"))
                        .get("outputs")));
    }

    static double metric(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series + " in\n" + text);
    }

    @Test
    void theScorerScoresRealImagesAsTheComponentDoes() throws Exception {
        float[] pixels;
        try (BufferTensor t = images.toImages(0, 3)) {
            pixels = t.toFloatArray();
        }
        StringBuilder data = new StringBuilder();
        for (float v : pixels) {
            data.append(data.length() == 0 ? "" : ",").append(v);
        }
        HttpResponse<String> r = post(
                "/v2/models/vae-score/infer",
                "{\"inputs\": [{\"name\": \"image\", \"shape\": [3, 1, 28, 28],"
                        + " \"datatype\": \"FP32\", \"data\": [" + data + "]}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode score = json(r).get("outputs").get(0);
        assertEquals("FP64", score.get("datatype").asText());
        // the same images as base64 PNGs: the same scores, exactly (8-bit pixels round-trip)
        StringBuilder pngs = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            pngs.append(i == 0 ? "" : ",")
                    .append('"')
                    .append(Base64.getEncoder().encodeToString(InferenceCodec.png(pixels, i * 784, 28, 28)))
                    .append('"');
        }
        HttpResponse<String> asPng = post(
                "/v2/models/vae-score/infer",
                "{\"inputs\": [{\"name\": \"image\", \"shape\": [3]," + " \"datatype\": \"BYTES\", \"data\": [" + pngs
                        + "]}]}");
        assertEquals(200, asPng.statusCode(), asPng.body());
        assertEquals(
                score.get("data").toString(),
                json(asPng).get("outputs").get(0).get("data").toString());
        String big = Base64.getEncoder().encodeToString(InferenceCodec.png(new float[64 * 64], 0, 64, 64));
        String[][] bad = {
            {"[\"" + big + "\"]", "input 'image' value 0 is a 64x64 image; model vae-score takes 28x28"},
            {"[\"bm90IGEgcG5n\"]", "input 'image' value 0 is not a PNG image"},
            {"[\"%%%\"]", "input 'image' value 0 is not base64 text (a PNG image, base64-encoded)"},
        };
        for (String[] b : bad) {
            HttpResponse<String> r2 = post(
                    "/v2/models/vae-score/infer",
                    "{\"inputs\": [{\"name\": \"image\", \"shape\": [1]," + " \"datatype\": \"BYTES\", \"data\": "
                            + b[0] + "}]}");
            assertEquals(400, r2.statusCode(), r2.body());
            assertEquals(b[1], json(r2).get("error").asText());
        }
        Scorer s = genpipe.scorer("vae-anomaly-scorer", Map.of("method", "combined"));
        try (Batch in = Batch.builder(3)
                .column("image", BufferTensor.ofFloats(pixels, 3, 1, 28, 28))
                .build()) {
            double[] want = s.score(in);
            for (int i = 0; i < 3; i++) {
                assertEquals(want[i], score.get("data").get(i).doubleValue(), 0.0);
            }
        }
    }

    static HttpResponse<byte[]> postBinary(String path, byte[] body, String headerLength) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream");
        if (headerLength != null) {
            b.header("Inference-Header-Content-Length", headerLength);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void binaryTensorsAnswerAsTheirJsonTwinsDo() throws Exception {
        // the binary tensor data extension: a JSON header, then raw little-endian FP32 pixels
        float[] pixels;
        try (BufferTensor t = images.toImages(0, 3)) {
            pixels = t.toFloatArray();
        }
        StringBuilder data = new StringBuilder();
        for (float v : pixels) {
            data.append(data.length() == 0 ? "" : ",").append(v);
        }
        JsonNode twin = json(post(
                        "/v2/models/vae-score/infer",
                        "{\"inputs\": [{\"name\": \"image\", \"shape\": [3, 1, 28, 28], \"datatype\": \"FP32\","
                                + " \"data\": [" + data + "]}]}"))
                .get("outputs")
                .get(0);
        ByteBuffer raw = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(pixels);
        byte[] header = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [3, 1, 28, 28], \"datatype\": \"FP32\","
                        + " \"parameters\": {\"binary_data_size\": " + raw.capacity() + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> binary =
                postBinary("/v2/models/vae-score/infer", concat(header, raw.array()), Integer.toString(header.length));
        assertEquals(200, binary.statusCode(), new String(binary.body(), StandardCharsets.UTF_8));
        assertEquals(
                twin.get("data").toString(),
                InferenceCodec.JSON
                        .readTree(binary.body())
                        .get("outputs")
                        .get(0)
                        .get("data")
                        .toString());
        // raw mode: no JSON at all, the body is the one input; rows from its size
        HttpResponse<byte[]> rawOnly = postBinary("/v2/models/vae-score/infer", raw.array(), "0");
        assertEquals(200, rawOnly.statusCode(), new String(rawOnly.body(), StandardCharsets.UTF_8));
        assertEquals(
                twin.get("data").toString(),
                InferenceCodec.JSON
                        .readTree(rawOnly.body())
                        .get("outputs")
                        .get(0)
                        .get("data")
                        .toString());
        // binary outputs: the scores as raw FP64 after a JSON header of the length the answer's header gives
        byte[] askBinary = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [3, 1, 28, 28], \"datatype\": \"FP32\","
                        + " \"parameters\": {\"binary_data_size\": " + raw.capacity() + "}}],"
                        + " \"parameters\": {\"binary_data_output\": true}}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> out = postBinary(
                "/v2/models/vae-score/infer", concat(askBinary, raw.array()), Integer.toString(askBinary.length));
        assertEquals(200, out.statusCode());
        int jsonLength = Integer.parseInt(
                out.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode answer = InferenceCodec.JSON.readTree(Arrays.copyOf(out.body(), jsonLength));
        assertEquals(24, answer.at("/outputs/0/parameters/binary_data_size").asInt());
        assertTrue(answer.at("/outputs/0/data").isMissingNode());
        ByteBuffer scores = ByteBuffer.wrap(out.body(), jsonLength, 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 3; i++) {
            assertEquals(twin.get("data").get(i).asDouble(), scores.getDouble(), 0.0);
        }
        // wrong sizes are 400s that say what would be right
        Object[][] bad = {
            {
                concat(header, Arrays.copyOf(raw.array(), 100)),
                Integer.toString(header.length),
                "input 'image' declares binary_data_size 9408 but only 100 bytes of tensors are left in the body"
            },
            {
                concat(header, concat(raw.array(), new byte[4])),
                Integer.toString(header.length),
                "the body has 4 bytes after the tensors its inputs' binary_data_size declare"
            },
            {
                Arrays.copyOf(raw.array(), 1000),
                "0",
                "a raw body of 1000 bytes is not whole rows of image FP32[n,1,28,28] (3136 bytes a row)"
            },
            {header, "99999", "Inference-Header-Content-Length is 99999 but the body has " + header.length + " bytes"},
            {
                header,
                "x",
                "Inference-Header-Content-Length must be the JSON header's length in bytes (0: the body is"
                        + " the one input's raw tensor); found 'x'"
            },
        };
        for (Object[] c : bad) {
            HttpResponse<byte[]> r = postBinary("/v2/models/vae-score/infer", (byte[]) c[0], (String) c[1]);
            assertEquals(400, r.statusCode());
            assertEquals(
                    c[2], InferenceCodec.JSON.readTree(r.body()).get("error").asText());
        }
        assertTrue(
                get("/v2").body().contains("\"binary_tensor_data\""), get("/v2").body());
    }

    @Test
    void versionedPathsAndHalfSentBodies() throws Exception {
        String body = "{\"parameters\": {\"seed\": 5, \"label\": 2}}";
        HttpResponse<String> plain = post("/v2/models/gan/infer", body);
        HttpResponse<String> versioned = post("/v2/models/gan/versions/1/infer", body);
        assertEquals(200, versioned.statusCode(), versioned.body());
        assertEquals(plain.body(), versioned.body());
        assertEquals(200, get("/v2/models/gan/versions/1").statusCode());
        HttpResponse<String> other = post("/v2/models/gan/versions/2/infer", body);
        assertEquals(404, other.statusCode());
        assertEquals(
                "model gan has no version '2'; its versions: [1]",
                json(other).get("error").asText());
        // a client that stops sending half way: a 400 in genpipe's words, not a 500 about an EOF
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v2/models/vae-score/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: 100\r\nConnection: close\r\n\r\n{\"inputs\": [")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(
                    answer.contains("{\"error\":\"the request body ended early: Content-Length says 100 bytes; send the"
                            + " whole body\"}"),
                    answer);
        }
    }

    @Test
    void pngOutputsAreRealPngs() throws Exception {
        JsonNode out = json(post(
                "/v2/models/gan/infer",
                "{\"parameters\": {\"seed\": 5, \"label\": 1, \"rows\": 2, \"format\": \"png\"}}"));
        JsonNode image = out.get("outputs").get(0);
        assertEquals("BYTES", image.get("datatype").asText());
        assertEquals("image/png", image.get("parameters").get("content_type").asText());
        byte[] png = Base64.getDecoder().decode(image.get("data").get(1).asText());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(28, img.getWidth());
        assertEquals(28, img.getHeight());
    }

    @Test
    void malformedRequestsGetA4xxWithAPreciseMessage() throws Exception {
        String[][] cases = {
            {
                "/v2/models/gan/infer",
                "{\"inputs\": [",
                "400",
                "the request body is not valid JSON: Unexpected end-of-input: expected close marker for Array (line 1, column 13)"
            },
            {
                "/v2/models/gan/infer",
                "[1, 2]",
                "400",
                "the request body must be a JSON object with inputs (and id, parameters)"
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"seed\": 1}, \"parameters\": {\"seed\": 2}}",
                "400",
                "the request body has the key 'parameters' twice (line 1, column 41)"
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"seed\": 1}} {\"x\": 1}",
                "400",
                "the request body goes on after its JSON object (line 1, column 29); send one object"
            },
            {
                "/v2/models/gan/infer",
                "{\"outputs\": [{\"name\": \"imgae\"}]}",
                "400",
                "outputs: {\"name\":\"imgae\"} is not one of model gan's outputs [image, label]"
            },
            {
                "/v2/models/gan/infer",
                "{\"inputs\": [{\"name\": \"z\", \"shape\": [1, 100], \"datatype\": \"INT64\", \"data\": []}]}",
                "400",
                "input 'z' has datatype INT64; model gan takes z FP32[n,100]"
            },
            {
                "/v2/models/gan/infer",
                "{\"inputs\": [{\"name\": \"z\", \"shape\": [1, 99], \"datatype\": \"FP32\", \"data\": []}]}",
                "400",
                "input 'z' has shape [1,99]; model gan takes z FP32[n,100]"
            },
            {
                "/v2/models/gan/infer",
                "{\"inputs\": [{\"name\": \"z\", \"shape\": [1, 100], \"datatype\": \"FP32\", \"data\": [1, 2]}]}",
                "400",
                "input 'z' has 2 values; its shape needs 100"
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"rows\": 65}}",
                "400",
                "the request asks for 65 rows; at most 64 per request"
            },
            {
                "/v2/models/nope/infer",
                "{}",
                "404",
                "no model 'nope'; served models: [gan, gan-single, vae-score, gan-narrow, gpt]"
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"temperature\": 0.5}}",
                "400",
                "unknown parameter 'temperature'; requests to gan take [seed, label, rows, format] and gan-generator's parameters [input]"
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"generator\": \"/etc/passwd\"}}",
                "400",
                "parameter 'generator' names a file; only the serve config may set it"
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"seed\": \"seven\"}}",
                "400",
                "parameter seed must be a whole number; found \"seven\""
            },
            {
                "/v2/models/gan/infer",
                "{\"parameters\": {\"label\": 12}}",
                "400",
                "model gan: row seed-0/row-0 has label 12; this GAN knows classes 0-9"
            },
            {
                "/v2/models/gan/infer",
                "{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}",
                "400",
                "model gan has no input 'x'; it takes z FP32[n,100]"
            },
            {
                "/v2/models/vae-score/infer",
                "{}",
                "400",
                "input 'image' is missing; model vae-score takes image FP32[n,1,28,28]"
            },
            {
                "/v2/models/gan/infer",
                "{\"input\": []}",
                "400",
                "unknown request key 'input'; a request has [id, parameters, inputs, outputs]"
            },
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(c[0], c[1]);
            assertEquals(Integer.parseInt(c[2]), r.statusCode(), c[1] + " -> " + r.body());
            String message = json(r).get("error").asText();
            assertEquals(c[3], message, c[1]);
        }
        String big = "{\"inputs\": [{\"name\": \"z\", \"shape\": [1, 100], \"datatype\": \"FP32\", \"data\": ["
                + "0.0,".repeat(60_000) + "0]}]}";
        HttpResponse<String> r = post("/v2/models/gan/infer", big);
        assertEquals(413, r.statusCode());
        assertEquals(
                "the request body is " + big.length() + " bytes; at most 200000 (limits.maxRequestBytes)",
                json(r).get("error").asText());
        assertEquals(0, genpipe.onnx().liveNativeValues());
    }

    static List<JsonNode> events(HttpResponse<String> r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (block.startsWith("data: ")) {
                out.add(InferenceCodec.JSON.readTree(block.substring(6)));
            } else if (!block.isBlank()) {
                throw new AssertionError("not a data event: " + block);
            }
        }
        return out;
    }

    @Test
    void textGenerationAnswersWholeOrStreamsPieceByPieceTheSameText() throws Exception {
        HttpResponse<String> whole =
                post("/v2/models/gpt/generate", "{\"text_input\": \"The \", \"parameters\": {\"seed\": 3}}");
        assertEquals(200, whole.statusCode(), whole.body());
        JsonNode answer = json(whole);
        String completion = answer.get("text_output").asText();
        assertEquals("The ", answer.get("prompt").asText());
        assertTrue(completion.length() > 5, completion);
        // what the component gives for the same row alone
        Generator g = genpipe.generator("gpt-generator", Map.of("temperature", "0.8", "topK", "40", "maxTokens", "24"));
        try (Batch in = Batch.builder(1)
                        .meta(List.of(new RowMeta("seed-3/row-0", null, null, null, Map.of("text", "The "))))
                        .build();
                Batch out = g.generate(in, new RandomSource(0))) {
            assertEquals(out.meta(0).tags().get("completion"), completion);
            assertEquals(out.meta(0).tags().get("finish"), answer.get("finish").asText());
        }
        // streamed: the pieces, in order, are the same text; the last event says why it stopped
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<HttpResponse<String>>> streams = new ArrayList<>();
        for (int seed = 3; seed < 7; seed++) {
            String body = "{\"text_input\": \"The \", \"parameters\": {\"seed\": " + seed + "}}";
            streams.add(pool.submit(() -> post("/v2/models/gpt/generate_stream", body)));
        }
        for (int seed = 3; seed < 7; seed++) {
            HttpResponse<String> r = streams.get(seed - 3).get();
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(
                    "text/event-stream;charset=utf-8",
                    r.headers()
                            .firstValue("content-type")
                            .orElse("")
                            .replace(" ", "")
                            .toLowerCase(Locale.ROOT));
            List<JsonNode> events = events(r);
            assertTrue(events.size() > 3, "pieces: " + events.size());
            StringBuilder text = new StringBuilder();
            for (JsonNode e : events.subList(0, events.size() - 1)) {
                text.append(e.get("text_output").asText());
            }
            JsonNode last = events.get(events.size() - 1);
            String alone = json(post(
                            "/v2/models/gpt/generate",
                            "{\"text_input\": \"The \", \"parameters\": {\"seed\": " + seed + "}}"))
                    .get("text_output")
                    .asText();
            assertEquals(alone, text.toString(), "seed " + seed);
            assertEquals(alone, last.get("completion").asText());
            assertTrue(last.has("finish"));
        }
        pool.shutdown();
        assertEquals(
                "model gpt generates text: POST /v2/models/gpt/generate (or generate_stream, Server-Sent Events) with"
                        + " {\"text_input\": \"...\"}",
                json(post("/v2/models/gpt/infer", "{}")).get("error").asText());
        assertEquals(
                "model gan does not generate text; POST /v2/models/gan/infer",
                json(post("/v2/models/gan/generate", "{\"text_input\": \"x\"}"))
                        .get("error")
                        .asText());
        assertEquals(
                "text_input is missing: the prompt to continue (\"\" for none)",
                json(post("/v2/models/gpt/generate_stream", "{}")).get("error").asText());
        assertEquals(
                "unknown parameter 'temprature'; did you mean 'temperature'? requests to gpt take [seed] and gpt-generator's parameters [prompt, sampling,"
                        + " temperature, topK, topP, repetitionPenalty, maxTokens, stop, minTokens, cache]",
                json(post("/v2/models/gpt/generate", "{\"text_input\": \"x\", \"parameters\": {\"temprature\": 1}}"))
                        .get("error")
                        .asText());
    }

    @Test
    void aRequestsOwnSamplerParametersGetAVariantCheckedLikeAPipelineStep() throws Exception {
        String body =
                "{\"text_input\": \"The \", \"parameters\": {\"seed\": 5, \"temperature\": 0.3, \"maxTokens\": 12}}";
        HttpResponse<String> r = post("/v2/models/gpt/generate", body);
        assertEquals(200, r.statusCode(), r.body());
        String cool = json(r).get("text_output").asText();
        Generator g = genpipe.generator("gpt-generator", Map.of("temperature", "0.3", "topK", "40", "maxTokens", "12"));
        try (Batch in = Batch.builder(1)
                        .meta(List.of(new RowMeta("seed-5/row-0", null, null, null, Map.of("text", "The "))))
                        .build();
                Batch out = g.generate(in, new RandomSource(0))) {
            assertEquals(out.meta(0).tags().get("completion"), cool);
        }
        assertEquals(
                cool,
                json(post("/v2/models/gpt/generate", body)).get("text_output").asText());
        HttpResponse<String> bad =
                post("/v2/models/gpt/generate", "{\"text_input\": \"x\", \"parameters\": {\"temperature\": -1}}");
        assertEquals(400, bad.statusCode());
        assertTrue(
                json(bad)
                        .get("error")
                        .asText()
                        .startsWith("model gpt: parameter 'temperature' of generator 'gpt-generator'"),
                bad.body());
    }

    @Test
    void aFullQueueAnswers429AndTheServerKeepsServing() throws Exception {
        int clients = 16;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String body = "{\"parameters\": {\"seed\": " + c + ", \"label\": 1, \"rows\": 64}}";
            sent.add(pool.submit(() -> post("/v2/models/gan-narrow/infer", body)));
        }
        int ok = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> f : sent) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 429) {
                refused++;
                assertEquals(
                        "model gan-narrow's queue is full (queueCapacity 1 requests waiting); retry later",
                        json(r).get("error").asText());
            } else {
                assertEquals(200, r.statusCode(), r.body());
                ok++;
            }
        }
        pool.shutdown();
        assertTrue(ok >= 1 && refused >= 1, ok + " answered, " + refused + " refused");
        assertEquals(200, post("/v2/models/gan-narrow/infer", "{}").statusCode());
        assertEquals(0, genpipe.onnx().liveNativeValues());
    }

    @Test
    void aDeviceThatDoesNotLoadKeepsTheServerFromStartingUnlessFallbackIsAllowed(@TempDir Path dir) throws Exception {
        Assumptions.assumeFalse(genpipe.onnx().probeCuda(0).available(), "CUDA loads here: nothing to refuse");
        Path file = dir.resolve("cuda.yaml");
        Files.writeString(file, "port: 0\ndevice: cuda\nmodels:\n  - name: gan\n    use: gan-generator\n");
        ServeConfig strict = new ServeConfigReader().read(file);
        assertEquals("cuda", strict.device());
        try (Genpipe g = Genpipe.builder()
                .baseDir(dir)
                .device(strict.device())
                .onMissingDevice(strict.onMissingDevice())
                .build()) {
            PipelineException e =
                    Assertions.assertThrows(PipelineException.class, () -> GenpipeServer.start(strict, g));
            assertTrue(e.problems().get(0).toString().startsWith(file + ":4:5: model 'gan': "), e.getMessage());
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("cuda"), e.getMessage());
        }
        Files.writeString(
                file,
                "port: 0\ndevice: cuda\nonMissingDevice: fallback\nmodels:\n  - name: gan\n    use: gan-generator\n");
        ServeConfig lenient = new ServeConfigReader().read(file);
        try (Genpipe g = Genpipe.builder()
                        .baseDir(dir)
                        .device(lenient.device())
                        .onMissingDevice(lenient.onMissingDevice())
                        .build();
                GenpipeServer s = GenpipeServer.start(lenient, g)) {
            assertTrue(s.ready());
        }
        Files.writeString(
                file, "device: tpu\nonMissingDevice: maybe\nmodels:\n  - name: gan\n    use: gan-generator\n");
        PipelineException bad =
                Assertions.assertThrows(PipelineException.class, () -> new ServeConfigReader().read(file));
        assertEquals(
                List.of(
                        file + ":1:9: device must be cpu, cuda, cuda:N or auto; found 'tpu'",
                        file
                                + ":2:18: onMissingDevice must be fail (the server does not start) or fallback (run on CPU); found 'maybe'"),
                bad.problems().stream().map(Object::toString).toList());
    }

    @Test
    void configProblemsAreNamedWithTheirLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(
                file,
                "port: 99999\nmodels:\n  - name: gan\n    use: gan-generatr\n  - name: gan\n    use: gan-generator\n"
                        + "    batching: {maxBatchSize: 0, queueSize: 3}\n");
        PipelineException e =
                Assertions.assertThrows(PipelineException.class, () -> new ServeConfigReader().read(file));
        assertEquals(
                List.of(
                        file + ":1:7: port must be between 0 and 65535; found 99999",
                        file
                                + ":7:33: unknown batching key 'queueSize'; expected one of [maxBatchSize, maxQueueDelayMs, queueCapacity, mode]",
                        file + ":7:30: maxBatchSize must be between 1 and 65536; found 0",
                        file
                                + ":5:5: model name 'gan' is used twice (first at line 3); each served model needs its own name"),
                e.problems().stream().map(Object::toString).toList());
        Files.writeString(
                file,
                "models:\n  - name: gan\n    use: gan-generatr\n  - name: vae\n    use: vae-anomaly-scorer\n"
                        + "    with: {method: best}\n");
        ServeConfig config = new ServeConfigReader().read(file);
        PipelineException built =
                Assertions.assertThrows(PipelineException.class, () -> GenpipeServer.start(config, genpipe));
        assertEquals(2, built.problems().size(), built.getMessage());
        assertTrue(
                built.problems()
                        .get(0)
                        .toString()
                        .startsWith(file + ":2:5: model 'gan': unknown component 'gan-generatr'"),
                built.getMessage());
        assertTrue(
                built.problems().get(1).toString().startsWith(file + ":4:5: model 'vae': parameter 'method'"),
                built.getMessage());
    }
}
