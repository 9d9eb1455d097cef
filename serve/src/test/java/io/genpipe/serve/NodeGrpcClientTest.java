package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * genpipe's gRPC front end called by a client nobody here wrote: Node's {@code @grpc/grpc-js}, loading the
 * committed {@code .proto} with {@code @grpc/proto-loader} (serve/src/test/node; {@code npm ci} there, as
 * .ci/run does). Skips, saying why, where Node or the packages are missing.
 */
class NodeGrpcClientTest {

    static final Path NODE_DIR = ServerTest.ROOT.resolve("serve/src/test/node");
    static final Path PROTO = ServerTest.ROOT.resolve("protocol/src/main/proto/grpc_predict_v2.proto");

    static Genpipe genpipe;
    static GenpipeServer server;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("node"), "node is not installed (apt-get install nodejs npm)");
        Assumptions.assumeTrue(
                Files.isDirectory(NODE_DIR.resolve("node_modules/@grpc/grpc-js")),
                "the Node gRPC client's packages are not installed: (cd serve/src/test/node && npm ci)");
        Path file = dir.resolve("serve.yaml");
        Files.writeString(file, GrpcTest.CONFIG);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            genpipe.close();
        }
    }

    static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs the Node client with {@code request} on stdin; its stdout's JSON lines. */
    static List<JsonNode> node(String method, String request) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        "node",
                        NODE_DIR.resolve("client.js").toString(),
                        "127.0.0.1:" + server.grpcPort(),
                        PROTO.toString(),
                        method)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        p.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the Node client did not finish");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                lines.add(InferenceCodec.JSON.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void nodeScoresRawTensorsAsHttpDoes() throws Exception {
        JsonNode meta = node("ServerMetadata", "{}").get(0).path("ok");
        assertEquals("genpipe", meta.path("name").asText());
        assertEquals(
                "[\"binary_tensor_data\",\"model_repository\"]",
                meta.path("extensions").toString());
        IdxFile images = IdxFile.read(ServerTest.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        float[] v;
        try (BufferTensor t = images.toImages(0, 2)) {
            v = t.toFloatArray();
        }
        ByteBuffer raw = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(v);
        String request = "{\"model_name\": \"vae-score\", \"id\": \"n1\", \"inputs\": [{\"name\": \"image\","
                + " \"datatype\": \"FP32\", \"shape\": [2, 1, 28, 28]}], \"raw_input_contents\": [\""
                + Base64.getEncoder().encodeToString(raw.array()) + "\"]}";
        JsonNode answer = node("ModelInfer", request).get(0).path("ok");
        assertEquals("n1", answer.path("id").asText());
        // the same scores as the JSON request over HTTP, to the bit
        StringBuilder data = new StringBuilder();
        for (float x : v) {
            data.append(data.length() == 0 ? "" : ",").append(x);
        }
        JsonNode http = GrpcTest.post(
                server,
                "/v2/models/vae-score/infer",
                "{\"inputs\": [{\"name\": \"image\", \"shape\": [2, 1, 28, 28], \"datatype\": \"FP32\", \"data\": ["
                        + data + "]}]}");
        for (int o = 0; o < http.path("outputs").size(); o++) {
            JsonNode want = http.path("outputs").get(o);
            assertEquals(
                    want.path("name").asText(),
                    answer.path("outputs").get(o).path("name").asText());
            ByteBuffer got = ByteBuffer.wrap(Base64.getDecoder()
                            .decode(answer.path("raw_output_contents").get(o).asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 2; i++) {
                assertEquals(want.path("data").get(i).asDouble(), got.getDouble(), 0.0, want.path("name") + " " + i);
            }
        }
        JsonNode wrong = node("ModelInfer", request.replace("[2, 1, 28, 28]", "[2, 1, 28, 27]"))
                .get(0)
                .path("error");
        assertEquals("INVALID_ARGUMENT", wrong.path("code").asText());
        assertEquals(
                "input 'image' has shape [2,1,28,27]; model vae-score takes image FP32[n,1,28,28]",
                wrong.path("details").asText());
    }

    @Test
    void nodeStreamsTextThroughModelStreamInfer() throws Exception {
        String prompt = Base64.getEncoder().encodeToString("The ".getBytes(StandardCharsets.UTF_8));
        List<JsonNode> responses = node(
                "ModelStreamInfer",
                "[{\"model_name\": \"gpt\", \"id\": \"t\", \"parameters\": {\"seed\": {\"int64_param\": 5}},"
                        + " \"inputs\": [{\"name\": \"text_input\", \"datatype\": \"BYTES\", \"shape\": [1],"
                        + " \"contents\": {\"bytes_contents\": [\"" + prompt + "\"]}}]}]");
        StringBuilder text = new StringBuilder();
        for (JsonNode r : responses) {
            assertEquals("", r.path("error_message").asText(""), r.toString());
            ByteBuffer raw = ByteBuffer.wrap(Base64.getDecoder()
                            .decode(r.path("infer_response")
                                    .path("raw_output_contents")
                                    .get(0)
                                    .asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            byte[] utf8 = new byte[raw.getInt()];
            raw.get(utf8);
            text.append(new String(utf8, StandardCharsets.UTF_8));
        }
        JsonNode last =
                responses.get(responses.size() - 1).path("infer_response").path("parameters");
        assertTrue(last.path(GrpcFrontEnd.FINAL).path("bool_param").asBoolean(), last.toString());
        assertTrue(responses.size() > 4, "responses: " + responses.size());
        String alone = GrpcTest.post(
                        server, "/v2/models/gpt/generate", "{\"text_input\": \"The \", \"parameters\": {\"seed\": 5}}")
                .path("text_output")
                .asText();
        assertEquals(alone, text.toString());
    }
}
