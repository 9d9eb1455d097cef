package io.genpipe.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.protocol.v2.GRPCInferenceServiceGrpc;
import io.genpipe.protocol.v2.InferParameter;
import io.genpipe.protocol.v2.InferTensorContents;
import io.genpipe.protocol.v2.ModelInferRequest;
import io.genpipe.protocol.v2.ModelInferResponse;
import io.genpipe.protocol.v2.ModelMetadataRequest;
import io.genpipe.protocol.v2.ModelMetadataResponse;
import io.genpipe.protocol.v2.ModelReadyRequest;
import io.genpipe.protocol.v2.ModelReadyResponse;
import io.genpipe.protocol.v2.ModelStreamInferResponse;
import io.genpipe.protocol.v2.ServerLiveRequest;
import io.genpipe.protocol.v2.ServerLiveResponse;
import io.genpipe.protocol.v2.ServerMetadataRequest;
import io.genpipe.protocol.v2.ServerMetadataResponse;
import io.genpipe.protocol.v2.ServerReadyRequest;
import io.genpipe.protocol.v2.ServerReadyResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC front end: the Open Inference Protocol's {@code inference.GRPCInferenceService} over the same
 * models, batchers, limits and metrics as HTTP. A ModelInfer request is turned into what the HTTP binary tensor
 * extension carries (a JSON header naming the tensors, then their raw bytes) and answered by the same code, so
 * both front ends check, batch and refuse alike: the same messages, HTTP statuses mapped to gRPC codes. Answers
 * carry every output in {@code raw_output_contents}, as Triton does. Text generators answer on Triton's decoupled
 * {@code ModelStreamInfer}: one response per piece, then one with {@code triton_final_response}.
 */
final class GrpcFrontEnd implements AutoCloseable {

    /** The parameter marking the last response to a stream request, as Triton names it. */
    static final String FINAL = "triton_final_response";

    private final Server grpc;

    private GrpcFrontEnd(Server grpc) {
        this.grpc = grpc;
    }

    /** Listens on {@code host:port} (0: any free port). */
    static GrpcFrontEnd start(GenpipeServer server, String host, int port, long maxMessageBytes) throws IOException {
        Service service = new Service(server);
        Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxMessageBytes))
                .addService(service)
                .build()
                .start();
        return new GrpcFrontEnd(grpc);
    }

    int port() {
        return grpc.getPort();
    }

    /** Takes no new calls; those in flight go on. */
    void shutdown() {
        grpc.shutdown();
    }

    /** Calls still open this long after the batchers have answered everything (a stream the client keeps open) are cut. */
    private static final long GRACE_S = 10;

    @Override
    public void close() {
        grpc.shutdown();
        try {
            if (!grpc.awaitTermination(GRACE_S, TimeUnit.SECONDS)) {
                grpc.shutdownNow();
            }
        } catch (InterruptedException e) {
            grpc.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** An HTTP status as a gRPC status with the same message. */
    static StatusRuntimeException status(RequestException e) {
        Status code = switch (e.status()) {
            case 400, 413 -> e.status() == 413 ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT;
            case 404 -> Status.NOT_FOUND;
            case 429 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            case 504 -> Status.DEADLINE_EXCEEDED;
            default -> Status.INTERNAL;
        };
        return code.withDescription(e.getMessage()).asRuntimeException();
    }

    private static final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

        private final GenpipeServer server;

        Service(GenpipeServer server) {
            this.server = server;
        }

        @Override
        public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
            out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
            out.onCompleted();
        }

        @Override
        public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
            out.onNext(ServerReadyResponse.newBuilder().setReady(server.ready()).build());
            out.onCompleted();
        }

        @Override
        public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
            out.onNext(ServerMetadataResponse.newBuilder()
                    .setName("genpipe")
                    .setVersion(GenpipeServer.genpipeVersion())
                    .addAllExtensions(GenpipeServer.EXTENSIONS)
                    .build());
            out.onCompleted();
        }

        @Override
        public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
            try {
                GenpipeServer.version(server.repository.peek(request.getName()), request.getVersion());
                out.onNext(
                        ModelReadyResponse.newBuilder().setReady(server.ready()).build());
                out.onCompleted();
            } catch (RequestException e) {
                out.onError(status(e));
            }
        }

        @Override
        public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
            try {
                ModelRepository.Entry r = server.repository.peek(request.getName());
                GenpipeServer.version(r, request.getVersion());
                ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
                        .setName(r.name())
                        .addVersions(r.model.version)
                        .setPlatform("genpipe");
                Map<String, Object> meta = server.metadata(r);
                for (String side : List.of("inputs", "outputs")) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> ports = (List<Map<String, Object>>) meta.get(side);
                    for (Map<String, Object> p : ports) {
                        ModelMetadataResponse.TensorMetadata.Builder t =
                                ModelMetadataResponse.TensorMetadata.newBuilder()
                                        .setName((String) p.get("name"))
                                        .setDatatype((String) p.get("datatype"));
                        for (Object d : (List<?>) p.get("shape")) {
                            t.addShape(((Number) d).longValue());
                        }
                        if (side.equals("inputs")) {
                            b.addInputs(t);
                        } else {
                            b.addOutputs(t);
                        }
                    }
                }
                out.onNext(b.build());
                out.onCompleted();
            } catch (RequestException e) {
                out.onError(status(e));
            }
        }

        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
            long start = System.nanoTime();
            String name = request.getModelName();
            ModelRepository.Entry record;
            try {
                record = server.repository.acquire(name);
            } catch (RequestException e) {
                server.count(name, e.status(), start);
                out.onError(status(e));
                return;
            }
            try {
                GenpipeServer.version(record, request.getModelVersion());
                if (record.model.text()) {
                    throw new RequestException(
                            400,
                            "model " + name + " generates text: call ModelStreamInfer with a BYTES input"
                                    + " text_input (the prompt)");
                }
                // no thread waits for the batch: whoever completes it answers
                var unused = inferAsync(record, request).whenComplete((answer, failure) -> {
                    server.repository.release(record);
                    if (failure == null) {
                        server.count(name, 200, start);
                        out.onNext(answer);
                        out.onCompleted();
                    } else {
                        Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
                        RequestException e = cause instanceof RequestException r
                                ? r
                                : GenpipeServer.internal("model " + name, cause);
                        server.count(name, e.status(), start);
                        out.onError(status(e));
                    }
                });
            } catch (RequestException e) {
                server.repository.release(record);
                server.count(name, e.status(), start);
                out.onError(status(e));
            }
        }

        private CompletableFuture<ModelInferResponse> inferAsync(
                ModelRepository.Entry model, ModelInferRequest request) {
            ByteArrayOutputStream binary = new ByteArrayOutputStream();
            byte[] header = header(request, binary);
            byte[] raw = binary.toByteArray();
            byte[] body = new byte[header.length + raw.length];
            System.arraycopy(header, 0, body, 0, header.length);
            System.arraycopy(raw, 0, body, header.length, raw.length);
            return server.inferAsync(model, body, header.length).thenApply(Service::response);
        }

        private ModelInferResponse infer(ModelRepository.Entry model, ModelInferRequest request)
                throws InterruptedException {
            ByteArrayOutputStream binary = new ByteArrayOutputStream();
            byte[] header = header(request, binary);
            byte[] raw = binary.toByteArray();
            byte[] body = new byte[header.length + raw.length];
            System.arraycopy(header, 0, body, 0, header.length);
            System.arraycopy(raw, 0, body, header.length, raw.length);
            return response(server.infer(model, body, header.length));
        }

        /**
         * The request as the binary tensor extension's JSON header (every input's bytes after it, in
         * {@code binary}); every output asked for as binary.
         */
        private static byte[] header(ModelInferRequest request, ByteArrayOutputStream binary) {
            int inputs = request.getInputsCount();
            int raws = request.getRawInputContentsCount();
            if (raws > 0 && raws != inputs) {
                throw new RequestException(
                        400,
                        "raw_input_contents has " + raws + " entries but the request has " + inputs
                                + " inputs; give one per input, in the same order");
            }
            ObjectNode root = InferenceCodec.JSON.createObjectNode();
            if (!request.getId().isEmpty()) {
                root.put("id", request.getId());
            }
            ObjectNode params = parameters(request.getParametersMap());
            if (request.getOutputsCount() == 0) {
                params.put("binary_data_output", true);
            }
            if (!params.isEmpty()) {
                root.set("parameters", params);
            }
            ArrayNode in = root.putArray("inputs");
            for (int i = 0; i < inputs; i++) {
                ModelInferRequest.InferInputTensor t = request.getInputs(i);
                ObjectNode n = in.addObject();
                n.put("name", t.getName());
                n.put("datatype", t.getDatatype());
                ArrayNode shape = n.putArray("shape");
                t.getShapeList().forEach(shape::add);
                ObjectNode p = parameters(t.getParametersMap());
                if (raws > 0) {
                    if (t.hasContents()) {
                        throw new RequestException(
                                400,
                                "input '" + t.getName() + "' has contents and the request has raw_input_contents;"
                                        + " send one or the other");
                    }
                    ByteString bytes = request.getRawInputContents(i);
                    p.put("binary_data_size", bytes.size());
                    binary.writeBytes(bytes.toByteArray());
                } else if (t.getDatatype().equals("BYTES")) {
                    // BYTES (images as PNG files): the JSON form's base64 strings
                    ArrayNode data = n.putArray("data");
                    for (ByteString b : t.getContents().getBytesContentsList()) {
                        data.add(Base64.getEncoder().encodeToString(b.toByteArray()));
                    }
                } else {
                    byte[] bytes = leBytes(t.getName(), t.getDatatype(), t.getContents());
                    p.put("binary_data_size", bytes.length);
                    binary.writeBytes(bytes);
                }
                if (!p.isEmpty()) {
                    n.set("parameters", p);
                }
            }
            if (request.getOutputsCount() > 0) {
                ArrayNode outs = root.putArray("outputs");
                for (ModelInferRequest.InferRequestedOutputTensor o : request.getOutputsList()) {
                    ObjectNode n = outs.addObject();
                    n.put("name", o.getName());
                    ObjectNode p = parameters(o.getParametersMap());
                    p.put("binary_data", true);
                    n.set("parameters", p);
                }
            }
            try {
                return InferenceCodec.JSON.writeValueAsBytes(root);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Typed contents as the little-endian bytes of {@code datatype}. */
        @SuppressWarnings("ByteBufferBackingArray") // every buffer here is ByteBuffer.allocate's, offset 0
        private static byte[] leBytes(String name, String datatype, InferTensorContents c) {
            ByteBuffer b;
            switch (datatype) {
                case "FP32" -> {
                    b = buffer(c.getFp32ContentsCount() * 4L, name);
                    c.getFp32ContentsList().forEach(b::putFloat);
                }
                case "FP64" -> {
                    b = buffer(c.getFp64ContentsCount() * 8L, name);
                    c.getFp64ContentsList().forEach(b::putDouble);
                }
                case "INT64" -> {
                    b = buffer(c.getInt64ContentsCount() * 8L, name);
                    c.getInt64ContentsList().forEach(b::putLong);
                }
                case "UINT64" -> {
                    b = buffer(c.getUint64ContentsCount() * 8L, name);
                    c.getUint64ContentsList().forEach(b::putLong);
                }
                case "INT32", "INT16", "INT8" -> {
                    int size = datatype.equals("INT32") ? 4 : datatype.equals("INT16") ? 2 : 1;
                    b = buffer((long) c.getIntContentsCount() * size, name);
                    for (int v : c.getIntContentsList()) {
                        put(b, v, size);
                    }
                }
                case "UINT32", "UINT16", "UINT8" -> {
                    int size = datatype.equals("UINT32") ? 4 : datatype.equals("UINT16") ? 2 : 1;
                    b = buffer((long) c.getUintContentsCount() * size, name);
                    for (int v : c.getUintContentsList()) {
                        put(b, v, size);
                    }
                }
                case "BOOL" -> {
                    b = buffer(c.getBoolContentsCount(), name);
                    c.getBoolContentsList().forEach(v -> b.put((byte) (v ? 1 : 0)));
                }
                default ->
                    throw new RequestException(
                            400,
                            "input '" + name + "' is " + datatype + ", which has no typed contents in the protocol;"
                                    + " send it in raw_input_contents (FP16 and BF16 are raw only)");
            }
            return b.array();
        }

        private static ByteBuffer buffer(long bytes, String name) {
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new RequestException(400, "input '" + name + "' is too large");
            }
            return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        private static void put(ByteBuffer b, int v, int size) {
            switch (size) {
                case 4 -> b.putInt(v);
                case 2 -> b.putShort((short) v);
                default -> b.put((byte) v);
            }
        }

        /** Protocol parameters as the JSON form's. */
        private static ObjectNode parameters(Map<String, InferParameter> params) {
            ObjectNode p = InferenceCodec.JSON.createObjectNode();
            params.forEach((k, v) -> {
                switch (v.getParameterChoiceCase()) {
                    case BOOL_PARAM -> p.put(k, v.getBoolParam());
                    case INT64_PARAM -> p.put(k, v.getInt64Param());
                    case STRING_PARAM -> p.put(k, v.getStringParam());
                    default -> p.putNull(k);
                }
            });
            return p;
        }

        /** The HTTP answer (JSON header, binary outputs after it) as the protocol's response, every output raw. */
        private static ModelInferResponse response(InferenceCodec.Encoded encoded) {
            JsonNode root;
            try {
                root = InferenceCodec.JSON.readTree(encoded.json());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                    .setModelName(root.path("model_name").asText())
                    .setModelVersion(root.path("model_version").asText());
            if (root.has("id")) {
                b.setId(root.get("id").asText());
            }
            root.path("parameters").properties().forEach(e -> b.putParameters(e.getKey(), parameter(e.getValue())));
            ByteBuffer binary = ByteBuffer.wrap(encoded.binary());
            for (JsonNode o : root.path("outputs")) {
                ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName(o.path("name").asText())
                        .setDatatype(o.path("datatype").asText());
                o.path("shape").forEach(d -> t.addShape(d.asLong()));
                JsonNode size = o.path("parameters").path("binary_data_size");
                o.path("parameters").properties().forEach(e -> {
                    if (!e.getKey().equals("binary_data_size")) {
                        t.putParameters(e.getKey(), parameter(e.getValue()));
                    }
                });
                ByteString raw;
                if (!size.isMissingNode()) {
                    raw = ByteString.copyFrom(binary, size.asInt());
                } else {
                    raw = rawData(o.path("datatype").asText(), o.path("data"));
                }
                b.addOutputs(t);
                b.addRawOutputContents(raw);
            }
            return b.build();
        }

        /** An output the JSON form carries as data (labels, PNGs) as raw bytes. */
        private static ByteString rawData(String datatype, JsonNode data) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer eight = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode v : data) {
                eight.clear();
                if (datatype.equals("BYTES")) {
                    byte[] bytes = Base64.getDecoder().decode(v.asText());
                    eight.putInt(bytes.length);
                    out.write(eight.array(), 0, 4);
                    out.writeBytes(bytes);
                } else if (datatype.equals("INT64")) {
                    eight.putLong(v.asLong());
                    out.write(eight.array(), 0, 8);
                } else {
                    throw new IllegalStateException("no raw form for JSON data of " + datatype);
                }
            }
            return ByteString.copyFrom(out.toByteArray());
        }

        private static InferParameter parameter(JsonNode v) {
            InferParameter.Builder p = InferParameter.newBuilder();
            if (v.isBoolean()) {
                p.setBoolParam(v.asBoolean());
            } else if (v.isIntegralNumber()) {
                p.setInt64Param(v.asLong());
            } else {
                p.setStringParam(v.isTextual() ? v.asText() : v.toString());
            }
            return p.build();
        }

        @Override
        public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
            return new Stream(server, (ServerCallStreamObserver<ModelStreamInferResponse>) out);
        }
    }

    /**
     * One ModelStreamInfer call: each request is answered on its own, as it finishes (several may run at once);
     * the call completes when the client has half-closed and every request has had its last response.
     */
    private static final class Stream implements StreamObserver<ModelInferRequest> {

        private final GenpipeServer server;
        private final ServerCallStreamObserver<ModelStreamInferResponse> out;
        /** Requests not yet answered in full, plus one while the client may still send. */
        private final AtomicInteger open = new AtomicInteger(1);

        Stream(GenpipeServer server, ServerCallStreamObserver<ModelStreamInferResponse> out) {
            this.server = server;
            this.out = out;
        }

        @Override
        public void onNext(ModelInferRequest request) {
            open.incrementAndGet();
            long start = System.nanoTime();
            String name = request.getModelName();
            ModelRepository.Entry record;
            try {
                record = server.repository.acquire(name);
            } catch (RequestException e) {
                server.count(name, e.status(), start);
                failed(request, e.getMessage());
                return;
            }
            boolean handedOver = false;
            try {
                GenpipeServer.version(record, request.getModelVersion());
                if (!record.model.text()) {
                    // any other model answers once, as ModelInfer would
                    ModelInferResponse answer = new Service(server).infer(record, request);
                    send(ModelStreamInferResponse.newBuilder()
                            .setInferResponse(answer.toBuilder().putParameters(FINAL, bool(true)))
                            .build());
                    server.count(name, 200, start);
                    finished();
                    return;
                }
                generate(record, request, start);
                handedOver = true; // the generation gives the record back when it ends
            } catch (RequestException e) {
                server.count(name, e.status(), start);
                failed(request, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.count(name, 503, start);
                failed(request, "the server is shutting down");
            } finally {
                if (!handedOver) {
                    server.repository.release(record);
                }
            }
        }

        /** A text generation: one response per piece as the model makes it, then the final one. */
        private void generate(ModelRepository.Entry record, ModelInferRequest request, long start) {
            ServedModel model = record.model;
            String prompt = prompt(model, request);
            ObjectNode body = InferenceCodec.JSON.createObjectNode();
            if (!request.getId().isEmpty()) {
                body.put("id", request.getId());
            }
            body.put("text_input", prompt);
            ObjectNode params = Service.parameters(request.getParametersMap());
            if (!params.isEmpty()) {
                body.set("parameters", params);
            }
            // the generation stops at the next token when the call is cancelled or the server's drain is over
            RequestListener pieces = new RequestListener(
                    (row, piece) -> send(ModelStreamInferResponse.newBuilder()
                            .setInferResponse(text(model, request, piece).build())
                            .build()),
                    () -> out.isCancelled() || server.drainOver());

            byte[] json;
            try {
                json = InferenceCodec.JSON.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            InferenceCodec.Request parsed = server.bounded(InferenceCodec.parseGenerate(json, model, pieces), record);
            CompletableFuture<Batch> done =
                    server.repository.batcher(record, parsed.overrides()).submit(parsed);
            var unused = done.whenComplete((rows, failure) -> {
                server.repository.release(record);
                try (Batch o = GenpipeServer.answer(done, model.name)) {
                    RowMeta m = o.meta(0);
                    ModelInferResponse.Builder last = text(model, request, "")
                            .putParameters(FINAL, bool(true))
                            .putParameters("finish", string(m.tags().get("finish")))
                            .putParameters("completion", string(m.tags().get("completion")))
                            .putParameters(
                                    "seed",
                                    InferParameter.newBuilder()
                                            .setInt64Param(parsed.seed())
                                            .build());
                    send(ModelStreamInferResponse.newBuilder()
                            .setInferResponse(last)
                            .build());
                    server.count(model.name, 200, start);
                    finished();
                } catch (RequestException e) {
                    server.count(model.name, e.status(), start);
                    failed(request, e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed(request, "the server is shutting down");
                }
            });
        }

        /** The prompt: the BYTES input text_input, one element, in contents or raw (4-byte length, then UTF-8). */
        private static String prompt(ServedModel model, ModelInferRequest request) {
            String usage = "; a text request has one input text_input, BYTES, shape [1]: the prompt";
            if (request.getInputsCount() != 1 || !request.getInputs(0).getName().equals("text_input")) {
                throw new RequestException(
                        400,
                        "model " + model.name + " generates text"
                                + usage + " (found "
                                + request.getInputsList().stream()
                                        .map(ModelInferRequest.InferInputTensor::getName)
                                        .toList()
                                + ")");
            }
            ModelInferRequest.InferInputTensor t = request.getInputs(0);
            if (!t.getDatatype().equals("BYTES")) {
                throw new RequestException(400, "input text_input is " + t.getDatatype() + usage);
            }
            byte[] bytes;
            if (request.getRawInputContentsCount() == 1) {
                ByteBuffer raw =
                        request.getRawInputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                if (raw.remaining() < 4 || raw.getInt() != raw.remaining()) {
                    throw new RequestException(
                            400,
                            "input text_input's raw contents must be one element: a 4-byte little-endian length,"
                                    + " then that many bytes of UTF-8");
                }
                bytes = new byte[raw.remaining()];
                raw.get(bytes);
            } else if (t.getContents().getBytesContentsCount() == 1) {
                bytes = t.getContents().getBytesContents(0).toByteArray();
            } else {
                throw new RequestException(
                        400, "input text_input has " + t.getContents().getBytesContentsCount() + " elements" + usage);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** A response holding one piece of text as the BYTES output text_output. */
        private static ModelInferResponse.Builder text(ServedModel model, ModelInferRequest request, String piece) {
            byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
            ByteBuffer raw = ByteBuffer.allocate(4 + utf8.length).order(ByteOrder.LITTLE_ENDIAN);
            raw.putInt(utf8.length).put(utf8);
            return ModelInferResponse.newBuilder()
                    .setModelName(model.name)
                    .setModelVersion(model.version)
                    .setId(request.getId())
                    .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName("text_output")
                            .setDatatype("BYTES")
                            .addShape(1))
                    .addRawOutputContents(ByteString.copyFrom(raw.array()));
        }

        private static InferParameter bool(boolean v) {
            return InferParameter.newBuilder().setBoolParam(v).build();
        }

        private static InferParameter string(String v) {
            return InferParameter.newBuilder()
                    .setStringParam(v == null ? "" : v)
                    .build();
        }

        private void failed(ModelInferRequest request, String message) {
            send(ModelStreamInferResponse.newBuilder()
                    .setErrorMessage(message)
                    .setInferResponse(ModelInferResponse.newBuilder()
                            .setModelName(request.getModelName())
                            .setId(request.getId())
                            .putParameters(FINAL, bool(true)))
                    .build());
            finished();
        }

        private void send(ModelStreamInferResponse response) {
            synchronized (out) {
                if (!out.isCancelled()) {
                    out.onNext(response);
                }
            }
        }

        /** One request answered in full (or the client's half-close): the call ends with the last of them. */
        private void finished() {
            if (open.decrementAndGet() == 0) {
                synchronized (out) {
                    if (!out.isCancelled()) {
                        out.onCompleted();
                    }
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            // the client cancelled or broke the call: requests running finish on their own, unheard
        }

        @Override
        public void onCompleted() {
            finished();
        }
    }
}
