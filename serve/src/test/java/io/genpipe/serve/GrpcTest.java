package io.genpipe.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.protocol.v2.GRPCInferenceServiceGrpc;
import io.genpipe.protocol.v2.InferParameter;
import io.genpipe.protocol.v2.InferTensorContents;
import io.genpipe.protocol.v2.ModelInferRequest;
import io.genpipe.protocol.v2.ModelInferResponse;
import io.genpipe.protocol.v2.ModelMetadataRequest;
import io.genpipe.protocol.v2.ModelMetadataResponse;
import io.genpipe.protocol.v2.ModelReadyRequest;
import io.genpipe.protocol.v2.ModelStreamInferResponse;
import io.genpipe.protocol.v2.ServerLiveRequest;
import io.genpipe.protocol.v2.ServerMetadataRequest;
import io.genpipe.protocol.v2.ServerReadyRequest;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC front end against HTTP on the same server: the same numbers, texts and messages. */
class GrpcTest {

    static final String CONFIG = """
            port: 0
            limits: {maxRequestBytes: 200000, maxRowsPerRequest: 64}
            models:
              - name: gan
                use: gan-generator
              - name: vae-score
                use: vae-anomaly-scorer
                with: {method: combined}
              - name: gpt
                use: gpt-generator
                with: {temperature: 0.8, topK: 40, maxTokens: 24}
                batching: {maxBatchSize: 8, maxQueueDelayMs: 20}
            """;

    static Genpipe genpipe;
    static GenpipeServer server;
    static ManagedChannel channel;
    static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static IdxFile images;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("serve.yaml");
        Files.writeString(file, CONFIG);
        genpipe = Genpipe.builder().baseDir(dir).build();
        server = GenpipeServer.start(new ServeConfigReader().read(file), genpipe);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .usePlaintext()
                .build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        images = IdxFile.read(ServerTest.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        genpipe.close();
    }

    static JsonNode post(String path, String body) throws Exception {
        return post(server, path, body);
    }

    static JsonNode post(GenpipeServer to, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return InferenceCodec.JSON.readTree(r.body());
    }

    static float[] pixels(int first, int count) {
        try (BufferTensor t = images.toImages(first, first + count)) {
            return t.toFloatArray();
        }
    }

    static ByteString le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    static double[] doubles(ByteString raw) {
        double[] v = new double[raw.size() / 8];
        raw.asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asDoubleBuffer()
                .get(v);
        return v;
    }

    static ModelInferRequest.InferInputTensor.Builder image(int rows) {
        return ModelInferRequest.InferInputTensor.newBuilder()
                .setName("image")
                .setDatatype("FP32")
                .addShape(rows)
                .addShape(1)
                .addShape(28)
                .addShape(28);
    }

    @Test
    void healthAndMetadataAnswerAsHttpDoes() throws Exception {
        assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        var meta = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("genpipe", meta.getName());
        assertEquals(List.of("binary_tensor_data", "model_repository"), meta.getExtensionsList());
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("gan").build())
                .getReady());
        ModelMetadataResponse m = stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("vae-score").build());
        assertEquals(List.of("1"), m.getVersionsList());
        assertEquals("image", m.getInputs(0).getName());
        assertEquals("FP32", m.getInputs(0).getDatatype());
        assertEquals(List.of(-1L, 1L, 28L, 28L), m.getInputs(0).getShapeList());
        JsonNode http = InferenceCodec.JSON
                .readTree(HTTP.send(
                                HttpRequest.newBuilder(URI.create(
                                                "http://127.0.0.1:" + server.port() + "/v2/models/vae-score"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .path("outputs");
        assertEquals(http.size(), m.getOutputsCount());
        StatusRuntimeException missing = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelMetadata(
                        ModelMetadataRequest.newBuilder().setName("vea").build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        assertEquals(
                "no model 'vea'; served models: [gan, vae-score, gpt]",
                missing.getStatus().getDescription());
        StatusRuntimeException version = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelReady(ModelReadyRequest.newBuilder()
                        .setName("gan")
                        .setVersion("2")
                        .build()));
        assertEquals(
                "model gan has no version '2'; its versions: [1]",
                version.getStatus().getDescription());
    }

    @Test
    void rawAndTypedInputsScoreAsTheJsonRequestDoes() throws Exception {
        float[] v = pixels(0, 3);
        StringBuilder data = new StringBuilder();
        for (float x : v) {
            data.append(data.length() == 0 ? "" : ",").append(x);
        }
        JsonNode json = post(
                "/v2/models/vae-score/infer",
                "{\"id\": \"j\", \"inputs\": [{\"name\": \"image\", \"shape\": [3, 1, 28, 28], \"datatype\": \"FP32\","
                        + " \"data\": [" + data + "]}]}");
        JsonNode scores = json.path("outputs").get(0);
        ModelInferResponse raw = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("vae-score")
                .setId("g")
                .addInputs(image(3))
                .addRawInputContents(le(v))
                .build());
        assertEquals("g", raw.getId());
        assertEquals(raw.getOutputsCount(), raw.getRawOutputContentsCount());
        assertEquals(scores.path("name").asText(), raw.getOutputs(0).getName());
        assertEquals("FP64", raw.getOutputs(0).getDatatype());
        double[] want = new double[3];
        for (int i = 0; i < 3; i++) {
            want[i] = scores.path("data").get(i).asDouble();
        }
        assertArrayEquals(want, doubles(raw.getRawOutputContents(0)), 0.0);
        // typed contents: the same answer
        InferTensorContents.Builder typed = InferTensorContents.newBuilder();
        for (float x : v) {
            typed.addFp32Contents(x);
        }
        ModelInferResponse fromTyped = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("vae-score")
                .addInputs(image(3).setContents(typed))
                .build());
        assertEquals(raw.getRawOutputContentsList(), fromTyped.getRawOutputContentsList());
        // one output asked for by name
        ModelInferResponse one = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("vae-score")
                .addInputs(image(3))
                .addRawInputContents(le(v))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName(scores.path("name").asText()))
                .build());
        assertEquals(1, one.getOutputsCount());
        assertEquals(raw.getRawOutputContents(0), one.getRawOutputContents(0));
    }

    @Test
    void aGeneratorsSeedAndLabelsGiveTheHttpAnswersBytes() throws Exception {
        JsonNode http = post(
                "/v2/models/gan/infer",
                "{\"parameters\": {\"seed\": 11, \"rows\": 2, \"binary_data_output\": false},"
                        + " \"inputs\": [{\"name\": \"label\", \"shape\": [2], \"datatype\": \"INT64\", \"data\": [3, 8]}]}");
        ModelInferResponse g = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("gan")
                .putParameters(
                        "seed", InferParameter.newBuilder().setInt64Param(11).build())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("label")
                        .setDatatype("INT64")
                        .addShape(2)
                        .setContents(InferTensorContents.newBuilder()
                                .addInt64Contents(3)
                                .addInt64Contents(8)))
                .build());
        assertEquals(11, g.getParametersOrThrow("seed").getInt64Param());
        assertEquals(List.of(2L, 1L, 28L, 28L), g.getOutputs(0).getShapeList());
        float[] pixels = new float[2 * 784];
        g.getRawOutputContents(0)
                .asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(pixels);
        JsonNode data = http.path("outputs").get(0).path("data");
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(data.get(i).floatValue(), pixels[i], 0f, "pixel " + i);
        }
        // the labels come back as an INT64 output, raw like the rest
        assertEquals("label", g.getOutputs(1).getName());
        ByteBuffer labels = g.getRawOutputContents(1).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, labels.getLong());
        assertEquals(8, labels.getLong());
    }

    @Test
    void badRequestsGetTheHttpMessagesAsInvalidArgument() {
        float[] v = pixels(0, 1);
        StatusRuntimeException shape = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("vae-score")
                        .addInputs(image(1))
                        .addRawInputContents(le(Arrays.copyOf(v, 100)))
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, shape.getStatus().getCode());
        assertEquals(
                "input 'image' declares binary_data_size 400 but FP32[1,1,28,28] is 3136 bytes",
                shape.getStatus().getDescription());
        StatusRuntimeException count = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("vae-score")
                        .addInputs(image(1))
                        .addRawInputContents(le(v))
                        .addRawInputContents(le(v))
                        .build()));
        assertEquals(
                "raw_input_contents has 2 entries but the request has 1 inputs; give one per input, in the same"
                        + " order",
                count.getStatus().getDescription());
        StatusRuntimeException text = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelInfer(
                        ModelInferRequest.newBuilder().setModelName("gpt").build()));
        assertEquals(
                "model gpt generates text: call ModelStreamInfer with a BYTES input text_input (the prompt)",
                text.getStatus().getDescription());
        StatusRuntimeException parameter = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("gan")
                        .putParameters(
                                "sede",
                                InferParameter.newBuilder().setInt64Param(1).build())
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, parameter.getStatus().getCode());
        assertTrue(
                parameter.getStatus().getDescription().startsWith("unknown parameter 'sede'; did you mean 'seed'?"),
                parameter.getStatus().getDescription());
        StatusRuntimeException big = assertThrows(
                StatusRuntimeException.class,
                () -> stub.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("vae-score")
                        .addInputs(image(64))
                        .addRawInputContents(le(new float[64 * 784]))
                        .build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, big.getStatus().getCode());
    }

    @Test
    void textStreamsPieceByPieceTheTextHttpGenerates() throws Exception {
        List<ModelStreamInferResponse> got = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<ModelInferRequest> send = GRPCInferenceServiceGrpc.newStub(channel)
                .modelStreamInfer(new StreamObserver<>() {
                    @Override
                    public void onNext(ModelStreamInferResponse r) {
                        got.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        for (int seed = 3; seed < 5; seed++) {
            send.onNext(prompt("s" + seed, "The ", seed).build());
        }
        send.onNext(prompt("bad", "x", 1)
                .putParameters(
                        "temprature",
                        InferParameter.newBuilder().setInt64Param(1).build())
                .build());
        send.onCompleted();
        assertTrue(done.await(60, TimeUnit.SECONDS));
        for (int seed = 3; seed < 5; seed++) {
            String id = "s" + seed;
            StringBuilder text = new StringBuilder();
            ModelInferResponse last = null;
            int pieces = 0;
            for (ModelStreamInferResponse r : got) {
                if (!r.getInferResponse().getId().equals(id)) {
                    continue;
                }
                assertEquals("", r.getErrorMessage());
                ModelInferResponse i = r.getInferResponse();
                assertEquals("text_output", i.getOutputs(0).getName());
                ByteBuffer raw =
                        i.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                byte[] utf8 = new byte[raw.getInt()];
                raw.get(utf8);
                text.append(new String(utf8, StandardCharsets.UTF_8));
                if (i.containsParameters(GrpcFrontEnd.FINAL)) {
                    last = i;
                } else {
                    pieces++;
                }
            }
            JsonNode alone = post(
                    "/v2/models/gpt/generate", "{\"text_input\": \"The \", \"parameters\": {\"seed\": " + seed + "}}");
            assertTrue(pieces > 3, "pieces: " + pieces);
            assertEquals(alone.path("text_output").asText(), text.toString(), "seed " + seed);
            assertTrue(last != null, "no final response for " + id);
            assertEquals(
                    alone.path("finish").asText(),
                    last.getParametersOrThrow("finish").getStringParam());
            assertEquals(
                    alone.path("text_output").asText(),
                    last.getParametersOrThrow("completion").getStringParam());
        }
        ModelStreamInferResponse bad = got.stream()
                .filter(r -> r.getInferResponse().getId().equals("bad"))
                .findFirst()
                .orElseThrow();
        assertTrue(bad.getErrorMessage().startsWith("unknown parameter 'temprature'; did you mean 'temperature'?"));
    }

    static ModelInferRequest.Builder prompt(String id, String text, long seed) {
        return ModelInferRequest.newBuilder()
                .setModelName("gpt")
                .setId(id)
                .putParameters(
                        "seed", InferParameter.newBuilder().setInt64Param(seed).build())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("text_input")
                        .setDatatype("BYTES")
                        .addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(text))));
    }
}
