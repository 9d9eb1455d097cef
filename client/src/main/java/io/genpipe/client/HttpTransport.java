package io.genpipe.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** KServe v2 over HTTP: tensors as the binary tensor data extension (a JSON header, then raw bytes). */
final class HttpTransport implements Transport {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private final URI base;
    private final HttpClient http;

    HttpTransport(URI base, Duration connectTimeout) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    }

    private <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(r, handler);
        } catch (IOException e) {
            throw new GenpipeClientException(
                    e instanceof HttpTimeoutException ? 504 : 0, "no answer from " + r.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenpipeClientException(0, "interrupted waiting for " + r.uri(), e);
        }
    }

    private static GenpipeClientException refused(int status, byte[] body) {
        String message;
        try {
            JsonNode e = JSON.readTree(body);
            message = e.path("error").isTextual() ? e.path("error").asText() : new String(body, StandardCharsets.UTF_8);
        } catch (IOException notJson) {
            message = new String(body, StandardCharsets.UTF_8);
        }
        return new GenpipeClientException(status, message);
    }

    private JsonNode getJson(String path, Duration timeout) {
        HttpResponse<byte[]> r = send(request(path, timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw refused(r.statusCode(), r.body());
        }
        return read(r.body());
    }

    private static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new GenpipeClientException(0, "the answer is not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean live(Duration timeout) {
        return send(request("/v2/health/live", timeout).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                == 200;
    }

    @Override
    public boolean ready(Duration timeout) {
        return send(request("/v2/health/ready", timeout).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                == 200;
    }

    @Override
    public List<String> extensions(Duration timeout) {
        List<String> out = new ArrayList<>();
        getJson("/v2", timeout).path("extensions").forEach(e -> out.add(e.asText()));
        return out;
    }

    @Override
    public ModelInfo model(String name, Duration timeout) {
        JsonNode m = getJson("/v2/models/" + name, timeout);
        List<String> versions = new ArrayList<>();
        m.path("versions").forEach(v -> versions.add(v.asText()));
        return new ModelInfo(
                m.path("name").asText(),
                versions,
                m.path("platform").asText(),
                tensors(m.path("inputs")),
                tensors(m.path("outputs")));
    }

    private static List<ModelInfo.TensorInfo> tensors(JsonNode list) {
        List<ModelInfo.TensorInfo> out = new ArrayList<>();
        for (JsonNode t : list) {
            List<Long> shape = new ArrayList<>();
            t.path("shape").forEach(d -> shape.add(d.asLong()));
            out.add(new ModelInfo.TensorInfo(
                    t.path("name").asText(), t.path("datatype").asText(), List.copyOf(shape)));
        }
        return List.copyOf(out);
    }

    @Override
    public InferResponse infer(InferRequest request, Duration timeout) {
        ObjectNode root = JSON.createObjectNode();
        if (request.id() != null) {
            root.put("id", request.id());
        }
        ObjectNode params = root.putObject("parameters");
        request.parameters().forEach((k, v) -> params.putPOJO(k, v));
        if (request.outputs().isEmpty()) {
            params.put("binary_data_output", true);
        }
        ArrayNode inputs = root.putArray("inputs");
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        for (Map.Entry<String, Tensor> e : request.inputs().entrySet()) {
            Tensor t = e.getValue();
            byte[] raw = t.toLittleEndianBytes();
            ObjectNode in = inputs.addObject();
            in.put("name", e.getKey());
            ArrayNode shape = in.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            in.put("datatype", Tensors.datatype(t.dtype()));
            in.putObject("parameters").put("binary_data_size", raw.length);
            binary.writeBytes(raw);
        }
        if (!request.outputs().isEmpty()) {
            ArrayNode outs = root.putArray("outputs");
            for (String o : request.outputs()) {
                ObjectNode n = outs.addObject();
                n.put("name", o);
                n.putObject("parameters").put("binary_data", true);
            }
        }
        byte[] header;
        try {
            header = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] body = new byte[header.length + binary.size()];
        System.arraycopy(header, 0, body, 0, header.length);
        System.arraycopy(binary.toByteArray(), 0, body, header.length, binary.size());
        HttpResponse<byte[]> r = send(
                request("/v2/models/" + request.model() + "/infer", timeout)
                        .header(HEADER_LENGTH, Integer.toString(header.length))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw refused(r.statusCode(), r.body());
        }
        int jsonBytes =
                r.headers().firstValue(HEADER_LENGTH).map(Integer::parseInt).orElse(r.body().length);
        return response(r.body(), jsonBytes);
    }

    /** An answer: its JSON header, then the raw outputs it declares with binary_data_size, in order. */
    static InferResponse response(byte[] body, int jsonBytes) {
        JsonNode root;
        try {
            root = JSON.readTree(body, 0, jsonBytes);
        } catch (IOException e) {
            throw new GenpipeClientException(0, "the answer's header is not JSON: " + e.getMessage(), e);
        }
        ByteBuffer binary =
                ByteBuffer.wrap(body, jsonBytes, body.length - jsonBytes).slice();
        Map<String, BufferTensor> tensors = new LinkedHashMap<>();
        Map<String, List<byte[]>> bytes = new LinkedHashMap<>();
        for (JsonNode o : root.path("outputs")) {
            String name = o.path("name").asText();
            String datatype = o.path("datatype").asText();
            long[] shape = new long[o.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = o.path("shape").get(i).asLong();
            }
            JsonNode size = o.path("parameters").path("binary_data_size");
            if (datatype.equals("BYTES")) {
                List<byte[]> items = new ArrayList<>();
                o.path("data").forEach(v -> items.add(Base64.getDecoder().decode(v.asText())));
                bytes.put(name, List.copyOf(items));
                continue;
            }
            DType dtype = Tensors.dtype(datatype);
            if (dtype == null) {
                throw new GenpipeClientException(
                        0, "output '" + name + "' is " + datatype + ", which genpipe tensors do not hold");
            }
            if (!size.isMissingNode()) {
                ByteBuffer slice = binary.slice().limit(size.asInt());
                binary.position(binary.position() + size.asInt());
                tensors.put(name, Tensors.fromBytes(slice, dtype, shape));
            } else {
                tensors.put(name, fromJson(o.path("data"), dtype, shape));
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        root.path("parameters").properties().forEach(e -> params.put(e.getKey(), value(e.getValue())));
        return new InferResponse(
                root.path("model_name").asText(),
                root.has("id") ? root.get("id").asText() : null,
                params,
                tensors,
                bytes);
    }

    private static BufferTensor fromJson(JsonNode data, DType dtype, long[] shape) {
        int n = data.size();
        return switch (dtype) {
            case FLOAT32 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i).floatValue();
                }
                yield BufferTensor.ofFloats(v, shape);
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i).asDouble();
                }
                yield BufferTensor.ofDoubles(v, shape);
            }
            case INT64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i).asLong();
                }
                yield BufferTensor.ofLongs(v, shape);
            }
            case INT32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i).asInt();
                }
                yield BufferTensor.ofInts(v, shape);
            }
            default -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) {
                    JsonNode x = data.get(i);
                    v[i] = (byte) (x.isBoolean() ? (x.asBoolean() ? 1 : 0) : x.asInt());
                }
                yield BufferTensor.ofBytes(dtype, v, shape);
            }
        };
    }

    static Object value(JsonNode v) {
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        return v.isTextual() ? v.asText() : v.toString();
    }

    @Override
    public TextStream generate(String model, String prompt, Map<String, Object> parameters, Duration timeout) {
        ObjectNode root = JSON.createObjectNode();
        root.put("text_input", prompt);
        if (!parameters.isEmpty()) {
            ObjectNode p = root.putObject("parameters");
            parameters.forEach(p::putPOJO);
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpResponse<Stream<String>> r = send(
                request("/v2/models/" + model + "/generate_stream", timeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            String text = String.join("\n", r.body().toList());
            throw refused(r.statusCode(), text.getBytes(StandardCharsets.UTF_8));
        }
        Stream<String> lines = r.body();
        TextStream stream = new TextStream(timeout.toNanos(), lines::close);
        Thread reader = new Thread(() -> readEvents(lines.iterator(), stream), "genpipe-client-sse");
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    /** Server-Sent Events: {@code data: {...}} per piece, the last with {@code finish}; {@code event: error}. */
    private static void readEvents(Iterator<String> lines, TextStream stream) {
        String event = null;
        try {
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("event: ")) {
                    event = line.substring(7).trim();
                } else if (line.startsWith("data: ")) {
                    JsonNode d = JSON.readTree(line.substring(6));
                    if ("error".equals(event)) {
                        stream.fail(
                                new GenpipeClientException(500, d.path("error").asText()));
                        return;
                    }
                    if (d.has("finish")) {
                        stream.end(
                                d.path("finish").asText(), d.path("completion").asText());
                        return;
                    }
                    stream.piece(d.path("text_output").asText());
                } else if (line.isEmpty()) {
                    event = null;
                }
            }
            stream.fail(new GenpipeClientException(0, "the stream ended before its last event"));
        } catch (IOException | UncheckedIOException e) {
            stream.fail(new GenpipeClientException(0, "the stream broke: " + e.getMessage(), e));
        }
    }

    @Override
    public void close() {
        // Java 17's HttpClient has nothing to close: its connections go when it is collected
    }
}
