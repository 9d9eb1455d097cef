package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.ThreadMXBean;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile requests: each is bounded before it reaches a model, and every refusal is JSON in genpipe's words. */
class HardeningTest {

    static final String CONFIG = """
            port: 0
            grpcPort: -1
            limits: {maxRequestBytes: 1048576, maxPromptBytes: 1000, maxTokens: 64, maxSamplesTimesRows: 1000}
            models:
              - name: gpt
                use: gpt-generator
                with: {maxTokens: 16}
              - name: iwae
                use: vae-anomaly-scorer
                with: {method: iwae, samples: 16}
              - name: score
                use: vae-anomaly-scorer
              - name: gpt-long
                use: gpt-generator
                with: {maxTokens: 100000, minTokens: 100000}
                batching: {maxBatchSize: 1}
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

    static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code rows} blank images to a scorer, binary, with request parameters {@code parameters} (JSON). */
    static HttpResponse<String> images(String model, int rows, String parameters) throws Exception {
        int bytes = rows * 784 * 4;
        byte[] header = ("{\"parameters\": " + parameters + ", \"inputs\": [{\"name\": \"image\", \"shape\": [" + rows
                        + ", 1, 28, 28], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": " + bytes
                        + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + bytes);
        return HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/v2/models/" + model + "/infer"))
                        .header(GenpipeServer.HEADER_LENGTH, Integer.toString(header.length))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String error(HttpResponse<String> r) throws Exception {
        return InferenceCodec.JSON.readTree(r.body()).path("error").asText();
    }

    /** Sends raw bytes on a new connection; the answer's status line, content type and body. */
    static String[] raw(byte[] request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            // written on its own thread: the server may answer (and stop reading) before the request's end
            Thread writer = new Thread(() -> {
                try {
                    out.write(request);
                    out.flush();
                } catch (IOException e) {
                    // the server closed its side early; its answer is read below
                }
            });
            writer.setDaemon(true);
            writer.start();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                    if (got.toString(StandardCharsets.ISO_8859_1).contains("}")) {
                        break;
                    }
                }
            } catch (SocketTimeoutException e) {
                // what came is what there is
            }
            String text = got.toString(StandardCharsets.UTF_8);
            String head = text.substring(0, Math.max(0, text.indexOf("\r\n\r\n")));
            String type = head.lines()
                    .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:"))
                    .findFirst()
                    .orElse("");
            return new String[] {head.lines().findFirst().orElse(""), type, text.substring(text.indexOf("\r\n\r\n") + 4)
            };
        }
    }

    @Test
    void promptsTokensAndSamplesAreBoundedBeforeTheModel() throws Exception {
        HttpResponse<String> prompt = post("/v2/models/gpt/generate", "{\"text_input\": \"" + "a".repeat(5000) + "\"}");
        assertEquals(400, prompt.statusCode());
        assertEquals("the prompt is 5000 bytes (UTF-8); at most 1000 (limits.maxPromptBytes)", error(prompt));
        HttpResponse<String> tokens =
                post("/v2/models/gpt/generate", "{\"text_input\": \"The \", \"parameters\": {\"maxTokens\": 100000}}");
        assertEquals(400, tokens.statusCode());
        assertEquals(
                "maxTokens 100000 is more than a request may ask for; at most 64 (limits.maxTokens)", error(tokens));
        assertEquals(
                200,
                post("/v2/models/gpt/generate", "{\"text_input\": \"The \", \"parameters\": {\"maxTokens\": 8}}")
                        .statusCode());
        // 16 posterior draws x 64 rows is over 1,000; the same rows with the config's draws and fewer rows pass
        HttpResponse<String> draws = images("iwae", 64, "{}");
        assertEquals(400, draws.statusCode());
        assertEquals("samples 16 x 64 rows = 1024; at most 1000 a request (limits.maxSamplesTimesRows)", error(draws));
        HttpResponse<String> asked = images("iwae", 2, "{\"samples\": 10000}");
        assertEquals(400, asked.statusCode());
        assertEquals(
                "samples 10000 x 2 rows = 20000; at most 1000 a request (limits.maxSamplesTimesRows)", error(asked));
    }

    @Test
    void aClientThatGoesAwayStopsItsGenerationNotOnlyItsAnswer() throws Exception {
        // 100,000 tokens take minutes; the model runs one request at a time
        HttpResponse<Stream<String>> first = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/v2/models/gpt-long/generate_stream"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"text_input\": \"The \"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        Iterator<String> lines = first.body().iterator();
        assertTrue(lines.next().startsWith("data: "));
        first.body().close(); // the client goes away
        long start = System.nanoTime();
        HttpResponse<String> next = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/gpt-long/generate"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"text_input\": \"The \", \"parameters\": {\"maxTokens\": 5, \"minTokens\": 5}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(200, next.statusCode(), next.body());
        // behind a generation that went on, this request would wait minutes
        assertTrue(seconds < 20, "the next request waited " + seconds + " s");
    }

    @Test
    void jsonRefusalsNameNoParserSettings() throws Exception {
        HttpResponse<String> nan = post("/v2/models/score/infer", "{\"parameters\": {\"seed\": NaN}}");
        assertEquals(400, nan.statusCode());
        assertTrue(error(nan).startsWith("the request body is not valid JSON: Non-standard token 'NaN'"), error(nan));
        HttpResponse<String> deep =
                post("/v2/models/score/infer", "{\"id\": " + "[".repeat(1100) + "]".repeat(1100) + "}");
        assertEquals(400, deep.statusCode());
        assertTrue(error(deep).startsWith("the request body is not valid JSON: Document nesting depth"), error(deep));
        for (String message : List.of(error(nan), error(deep))) {
            assertTrue(
                    !message.contains("JsonReadFeature")
                            && !message.contains("StreamReadConstraints")
                            && !message.contains("`"),
                    message);
        }
    }

    @Test
    void jettysOwnRefusalsAreJsonInGenpipesWords() throws Exception {
        String[] headers = raw(("GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large", headers[0]);
        assertEquals("Content-Type: application/json", headers[1]);
        assertEquals(
                "{\"error\":\"the request's headers are too large; send the data in the body\"}", headers[2].strip());
        String[] uri = raw(
                ("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertTrue(uri[0].startsWith("HTTP/1.1 414"), uri[0]);
        assertEquals("Content-Type: application/json", uri[1]);
        String[] twoLengths = raw(
                "POST /v2/models/score/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
                        .getBytes(StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.1 400 Bad Request", twoLengths[0]);
        assertEquals(
                "{\"error\":\"the request is not valid HTTP (multiple content-lengths); send one Host header, one"
                        + " Content-Length (or chunked), and a path without control characters\"}",
                twoLengths[2].strip());
        String[] noHost = raw("GET /v2 HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(noHost[2].contains("(no host)"), noHost[2]);
        assertEquals("Content-Type: application/json", noHost[1]);
        String[] nul = raw("GET /v2/models/%00 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("Content-Type: application/json", nul[1]);
        // a chunked body (no Content-Length) past limits.maxRequestBytes: 413, not "ended early"
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        chunked.writeBytes("POST /v2/models/score/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        int size = 2 << 20;
        chunked.writeBytes((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunked.writeBytes(new byte[size]);
        chunked.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String[] big = raw(chunked.toByteArray());
        assertEquals("HTTP/1.1 413 Payload Too Large", big[0]);
        assertEquals(
                "{\"error\":\"the request body is more than 1048576 bytes (limits.maxRequestBytes)\"}", big[2].strip());
    }

    /** A 28x28 gray PNG whose zTXt chunk inflates to {@code textBytes} bytes. */
    static byte[] pngWithTextBomb(int textBytes) throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(28).putInt(28);
        ihdr.put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes("Comment".getBytes(StandardCharsets.ISO_8859_1));
        text.write(0);
        text.write(0); // compression method: deflate
        try (DeflaterOutputStream z = new DeflaterOutputStream(text, new Deflater(9))) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < textBytes >> 20; i++) {
                z.write(zeros);
            }
        }
        chunk(png, "zTXt", text.toByteArray());
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(pixels)) {
            for (int y = 0; y < 28; y++) {
                z.write(0);
                z.write(new byte[28]);
            }
        }
        chunk(png, "IDAT", pixels.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(type.getBytes(StandardCharsets.US_ASCII));
        crc.update(data);
        b.putInt((int) crc.getValue());
        out.writeBytes(b.array());
    }

    static long allocatedBytes() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : threads.getAllThreadIds()) {
            long a = threads.getThreadAllocatedBytes(id);
            sum += Math.max(0, a);
        }
        return sum;
    }

    @Test
    void aPngsTextChunkIsNeverInflated() throws Exception {
        byte[] png = pngWithTextBomb(512 << 20);
        assertTrue(png.length < 1_000_000, "the bomb is " + png.length + " bytes");
        String body = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\""
                + Base64.getEncoder().encodeToString(png) + "\"]}]}";
        long before = allocatedBytes();
        HttpResponse<String> r = post("/v2/models/score/infer", body);
        long allocated = allocatedBytes() - before;
        assertEquals(200, r.statusCode(), r.body());
        // 512 MiB of text would be inflated (and held) were it read; the whole request allocates far less
        assertTrue(allocated < 128L << 20, "allocated " + (allocated >> 20) + " MiB for one request");
    }

    @Test
    void aNonFiniteOutputFailsTheRequestByDefault() throws Exception {
        float[] nan = new float[784];
        Arrays.fill(nan, Float.NaN);
        ByteBuffer raw = ByteBuffer.allocate(784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(nan);
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/score/infer"))
                        .header(GenpipeServer.HEADER_LENGTH, "0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(raw.array()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(500, r.statusCode(), r.body());
        assertEquals(
                "model score answered NaN in output 'score', row 0 (nonFinite: fail; nonFinite: warn sends it, as null"
                        + " in JSON)",
                error(r));
        // a real image still scores
        IdxFile images = IdxFile.read(ServerTest.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        try (BufferTensor t = images.toImages(0, 1)) {
            raw.clear();
            raw.asFloatBuffer().put(t.toFloatArray());
        }
        HttpResponse<String> ok = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/score/infer"))
                        .header(GenpipeServer.HEADER_LENGTH, "0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(raw.array()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = InferenceCodec.JSON.readTree(ok.body());
        assertTrue(answer.at("/outputs/0/data/0").isNumber(), ok.body());
    }
}
