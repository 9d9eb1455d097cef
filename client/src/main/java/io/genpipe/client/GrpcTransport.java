package io.genpipe.client;

import com.google.protobuf.ByteString;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Tensor;
import io.genpipe.protocol.v2.GRPCInferenceServiceGrpc;
import io.genpipe.protocol.v2.InferParameter;
import io.genpipe.protocol.v2.InferTensorContents;
import io.genpipe.protocol.v2.ModelInferRequest;
import io.genpipe.protocol.v2.ModelInferResponse;
import io.genpipe.protocol.v2.ModelMetadataRequest;
import io.genpipe.protocol.v2.ModelMetadataResponse;
import io.genpipe.protocol.v2.ModelStreamInferResponse;
import io.genpipe.protocol.v2.ServerLiveRequest;
import io.genpipe.protocol.v2.ServerMetadataRequest;
import io.genpipe.protocol.v2.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** The Open Inference Protocol over gRPC: tensors in raw_input_contents / raw_output_contents. */
final class GrpcTransport implements Transport {

    private static final String FINAL = "triton_final_response";

    private final ManagedChannel channel;

    GrpcTransport(String host, int port, int maxMessageBytes) {
        this.channel = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .maxInboundMessageSize(maxMessageBytes)
                .build();
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(Duration timeout) {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A gRPC status as the HTTP status genpipe serve maps to it, with the server's message. */
    static GenpipeClientException refused(StatusRuntimeException e) {
        Status s = e.getStatus();
        int status = switch (s.getCode()) {
            case INVALID_ARGUMENT -> 400;
            case NOT_FOUND -> 404;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
        String message =
                s.getDescription() != null ? s.getDescription() : s.getCode().name();
        return new GenpipeClientException(status, message, e);
    }

    @Override
    public boolean live(Duration timeout) {
        try {
            return stub(timeout)
                    .serverLive(ServerLiveRequest.getDefaultInstance())
                    .getLive();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    @Override
    public boolean ready(Duration timeout) {
        try {
            return stub(timeout)
                    .serverReady(ServerReadyRequest.getDefaultInstance())
                    .getReady();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    @Override
    public List<String> extensions(Duration timeout) {
        try {
            return List.copyOf(stub(timeout)
                    .serverMetadata(ServerMetadataRequest.getDefaultInstance())
                    .getExtensionsList());
        } catch (StatusRuntimeException e) {
            throw refused(e);
        }
    }

    @Override
    public ModelInfo model(String name, Duration timeout) {
        try {
            ModelMetadataResponse m = stub(timeout)
                    .modelMetadata(
                            ModelMetadataRequest.newBuilder().setName(name).build());
            return new ModelInfo(
                    m.getName(),
                    List.copyOf(m.getVersionsList()),
                    m.getPlatform(),
                    tensors(m.getInputsList()),
                    tensors(m.getOutputsList()));
        } catch (StatusRuntimeException e) {
            throw refused(e);
        }
    }

    private static List<ModelInfo.TensorInfo> tensors(List<ModelMetadataResponse.TensorMetadata> list) {
        List<ModelInfo.TensorInfo> out = new ArrayList<>();
        for (ModelMetadataResponse.TensorMetadata t : list) {
            out.add(new ModelInfo.TensorInfo(t.getName(), t.getDatatype(), List.copyOf(t.getShapeList())));
        }
        return List.copyOf(out);
    }

    private static InferParameter parameter(Object v) {
        InferParameter.Builder p = InferParameter.newBuilder();
        if (v instanceof Boolean b) {
            p.setBoolParam(b);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            p.setInt64Param(((Number) v).longValue());
        } else {
            p.setStringParam(String.valueOf(v)); // a fraction as text: the server reads it like a pipeline file's
        }
        return p.build();
    }

    @Override
    public InferResponse infer(InferRequest request, Duration timeout) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(request.model());
        if (request.id() != null) {
            b.setId(request.id());
        }
        request.parameters().forEach((k, v) -> b.putParameters(k, parameter(v)));
        for (Map.Entry<String, Tensor> e : request.inputs().entrySet()) {
            Tensor t = e.getValue();
            ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(e.getKey())
                    .setDatatype(Tensors.datatype(t.dtype()));
            for (long d : t.shape()) {
                in.addShape(d);
            }
            b.addInputs(in);
            b.addRawInputContents(ByteString.copyFrom(t.toLittleEndianBytes()));
        }
        for (String o : request.outputs()) {
            b.addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(o));
        }
        ModelInferResponse r;
        try {
            r = stub(timeout).modelInfer(b.build());
        } catch (StatusRuntimeException e) {
            throw refused(e);
        }
        return response(r);
    }

    static InferResponse response(ModelInferResponse r) {
        Map<String, BufferTensor> tensors = new LinkedHashMap<>();
        Map<String, List<byte[]>> bytes = new LinkedHashMap<>();
        for (int i = 0; i < r.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor o = r.getOutputs(i);
            ByteBuffer raw = i < r.getRawOutputContentsCount()
                    ? r.getRawOutputContents(i).asReadOnlyByteBuffer()
                    : ByteBuffer.allocate(0);
            if (o.getDatatype().equals("BYTES")) {
                bytes.put(o.getName(), elements(raw));
                continue;
            }
            DType dtype = Tensors.dtype(o.getDatatype());
            if (dtype == null) {
                throw new GenpipeClientException(
                        0,
                        "output '" + o.getName() + "' is " + o.getDatatype() + ", which genpipe tensors do not hold");
            }
            long[] shape = o.getShapeList().stream().mapToLong(Long::longValue).toArray();
            tensors.put(o.getName(), Tensors.fromBytes(raw, dtype, shape));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        r.getParametersMap().forEach((k, v) -> params.put(k, value(v)));
        return new InferResponse(r.getModelName(), r.getId().isEmpty() ? null : r.getId(), params, tensors, bytes);
    }

    /** BYTES elements: each a 4-byte little-endian length, then its bytes. */
    private static List<byte[]> elements(ByteBuffer raw) {
        ByteBuffer le = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        while (le.remaining() >= 4) {
            byte[] e = new byte[le.getInt()];
            le.get(e);
            out.add(e);
        }
        return List.copyOf(out);
    }

    private static Object value(InferParameter p) {
        return switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> p.getBoolParam();
            case INT64_PARAM -> p.getInt64Param();
            case STRING_PARAM -> p.getStringParam();
            default -> null;
        };
    }

    @Override
    public TextStream generate(String model, String prompt, Map<String, Object> parameters, Duration timeout) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder()
                .setModelName(model)
                .setId("genpipe-client")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("text_input")
                        .setDatatype("BYTES")
                        .addShape(1)
                        .setContents(
                                InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(prompt))));
        parameters.forEach((k, v) -> b.putParameters(k, parameter(v)));
        AtomicReference<ClientCallStreamObserver<?>> call = new AtomicReference<>();
        TextStream stream = new TextStream(timeout.toNanos(), () -> {
            ClientCallStreamObserver<?> c = call.get();
            if (c != null) {
                c.cancel("the client closed the stream", null);
            }
        });
        ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requests) {
                call.set(requests);
            }

            @Override
            public void onNext(ModelStreamInferResponse r) {
                if (!r.getErrorMessage().isEmpty()) {
                    stream.fail(new GenpipeClientException(400, r.getErrorMessage()));
                    return;
                }
                ModelInferResponse i = r.getInferResponse();
                List<byte[]> text = i.getRawOutputContentsCount() > 0
                        ? elements(i.getRawOutputContents(0).asReadOnlyByteBuffer())
                        : List.of();
                if (i.containsParameters(FINAL)) {
                    stream.end(
                            i.getParametersOrDefault("finish", InferParameter.getDefaultInstance())
                                    .getStringParam(),
                            i.getParametersOrDefault("completion", InferParameter.getDefaultInstance())
                                    .getStringParam());
                } else if (!text.isEmpty()) {
                    stream.piece(new String(text.get(0), StandardCharsets.UTF_8));
                }
            }

            @Override
            public void onError(Throwable t) {
                stream.fail(
                        t instanceof StatusRuntimeException s
                                ? refused(s)
                                : new GenpipeClientException(0, "the stream broke: " + t, t));
            }

            @Override
            public void onCompleted() {
                stream.fail(new GenpipeClientException(0, "the stream ended before its last response"));
            }
        };
        var requests = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(responses);
        requests.onNext(b.build());
        requests.onCompleted();
        return stream;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
