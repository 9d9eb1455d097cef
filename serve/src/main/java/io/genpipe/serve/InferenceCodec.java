package io.genpipe.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.io.Png;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The KServe v2 / Open Inference Protocol's JSON, both ways: a request's tensors checked against
 * the served model's ports and made into a batch, and a batch's columns written back as tensors.
 * Every refusal is a {@link RequestException} naming the input, what was found and what would fit.
 */
final class InferenceCodec {

    static final ObjectMapper JSON = new ObjectMapper();

    /** How request bodies are read: a key given twice, or anything after the object, is a bad request. */
    private static final ObjectMapper REQUESTS = JSON.copy()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static final List<String> REQUEST_KEYS = List.of("id", "parameters", "inputs", "outputs");
    static final List<String> INPUT_KEYS = List.of("name", "shape", "datatype", "data", "parameters");
    static final List<String> PARAMETERS = List.of("seed", "label", "rows", "format");
    static final String LABEL = "label";

    /** A request as checked: its rows (ids carry the seed), input columns and how outputs are wanted. */
    /**
     * @param binaryOutputs the outputs answered as raw bytes after the JSON header (binary tensor data extension;
     *     empty: all in JSON)
     * @param outputs the outputs the request asks for ({@code outputs}; empty: all)
     * @param answer parameters the model adds to the answer (a served pipeline's metrics)
     */
    record Request(
            String id,
            long seed,
            Batch batch,
            boolean png,
            TokenListener listener,
            Map<String, String> overrides,
            Set<String> binaryOutputs,
            Set<String> outputs,
            Map<String, Object> answer) {
        Request(String id, long seed, Batch batch, boolean png) {
            this(id, seed, batch, png, null, Map.of(), Set.of(), Set.of());
        }

        Request(String id, long seed, Batch batch, boolean png, TokenListener listener, Map<String, String> overrides) {
            this(id, seed, batch, png, listener, overrides, Set.of(), Set.of());
        }

        Request(
                String id,
                long seed,
                Batch batch,
                boolean png,
                TokenListener listener,
                Map<String, String> overrides,
                Set<String> binaryOutputs,
                Set<String> outputs) {
            this(id, seed, batch, png, listener, overrides, binaryOutputs, outputs, new ConcurrentHashMap<>());
        }
    }

    /** An answer: its JSON, and the raw output tensors that follow it (binary tensor data extension), if any. */
    record Encoded(byte[] json, byte[] binary) {}

    static final List<String> GENERATE_KEYS = List.of("id", "text_input", "parameters");
    static final List<String> GENERATE_PARAMETERS = List.of("seed");

    private InferenceCodec() {}

    static String datatype(DType t) {
        return switch (t) {
            case FLOAT32 -> "FP32";
            case FLOAT64 -> "FP64";
            case INT8 -> "INT8";
            case UINT8 -> "UINT8";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case BOOL -> "BOOL";
        };
    }

    /** {@code FP32[n,100]}: a port as the protocol names it, n for the row dimension. */
    static String describe(PortSpec p) {
        StringBuilder b = new StringBuilder(p.name())
                .append(' ')
                .append(datatype(p.dtype()))
                .append('[');
        for (int i = 0; i < p.shape().size(); i++) {
            b.append(
                    i == 0
                            ? "n"
                            : ","
                                    + (p.shape().get(i).isFixed()
                                            ? Long.toString(p.shape().get(i).size())
                                            : p.shape().get(i).toString()));
        }
        return b.append(']').toString();
    }

    static Request parse(byte[] body, ServedModel model, int maxRows) {
        return parse(body, -1, model, maxRows);
    }

    /**
     * A request under the binary tensor data extension: {@code headerLength} (the Inference-Header-Content-Length
     * header) bytes of JSON, then the raw little-endian tensors its inputs declare with {@code binary_data_size},
     * in order; {@code headerLength} 0: the whole body is the one input's raw tensor; -1: JSON only.
     */
    static Request parse(byte[] body, int headerLength, ServedModel model, int maxRows) {
        if (headerLength == 0) {
            return raw(body, model, maxRows);
        }
        if (headerLength > body.length) {
            throw new RequestException(
                    400,
                    "Inference-Header-Content-Length is " + headerLength + " but the body has " + body.length
                            + " bytes");
        }
        byte[] json = headerLength < 0 ? body : Arrays.copyOfRange(body, 0, headerLength);
        ByteBuffer binary = headerLength < 0
                ? ByteBuffer.allocate(0)
                : ByteBuffer.wrap(body, headerLength, body.length - headerLength)
                        .slice();
        Request r = parseJson(json, binary, model, maxRows);
        if (binary.hasRemaining()) {
            r.batch().close();
            throw new RequestException(
                    400,
                    "the body has " + binary.remaining() + " bytes after the tensors its inputs' binary_data_size"
                            + " declare");
        }
        return r;
    }

    /** Raw mode: the body is the model's one input, little-endian, rows from its size. */
    private static Request raw(byte[] body, ServedModel model, int maxRows) {
        if (model.inputs().size() != 1) {
            throw new RequestException(
                    400,
                    "Inference-Header-Content-Length: 0 sends the body as the one input's raw tensor; model "
                            + model.name + " takes " + portList(model));
        }
        PortSpec p = model.inputs().get(0);
        long perRow = p.dtype().byteSize();
        for (int i = 1; i < p.shape().size(); i++) {
            if (!p.shape().get(i).isFixed()) {
                throw new RequestException(
                        400,
                        "a raw request needs " + describe(p)
                                + " to have fixed dimensions after the rows; send a JSON header with the shape");
            }
            perRow *= p.shape().get(i).size();
        }
        if (body.length == 0 || body.length % perRow != 0) {
            throw new RequestException(
                    400,
                    "a raw body of " + body.length + " bytes is not whole rows of " + describe(p) + " (" + perRow
                            + " bytes a row)");
        }
        long rows = body.length / perRow;
        if (rows > maxRows) {
            throw new RequestException(400, "the request has " + rows + " rows; at most " + maxRows + " per request");
        }
        long[] shape = new long[p.shape().size()];
        shape[0] = rows;
        for (int i = 1; i < shape.length; i++) {
            shape[i] = p.shape().get(i).size();
        }
        BufferTensor t = fromBytes(ByteBuffer.wrap(body), p, shape);
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            meta.add(RowMeta.of("seed-0/row-" + i));
        }
        return new Request(
                null,
                0,
                Batch.builder((int) rows).meta(meta).column(p.name(), t).build(),
                false);
    }

    /** The next {@code size} bytes of {@code binary} as port {@code p}'s tensor of {@code shape}. */
    private static BufferTensor binaryTensor(ByteBuffer binary, long size, PortSpec p, long[] shape) {
        long want = Tensor.elementCount(shape) * p.dtype().byteSize();
        if (size != want) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' declares binary_data_size " + size + " but " + datatype(p.dtype())
                            + Arrays.toString(shape).replace(" ", "") + " is " + want + " bytes");
        }
        if (binary.remaining() < size) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' declares binary_data_size " + size + " but only " + binary.remaining()
                            + " bytes of tensors are left in the body");
        }
        ByteBuffer slice = binary.slice().limit((int) size);
        binary.position(binary.position() + (int) size);
        return fromBytes(slice, p, shape);
    }

    /** The label input sent as binary: INT64 or INT32 little-endian, one per row, each from 0 to 255. */
    private static long[] binaryLabels(JsonNode in, ByteBuffer binary, JsonNode size, int rows) {
        String type = in.path("datatype").asText("");
        int width = type.equals("INT64") ? 8 : type.equals("INT32") ? 4 : 0;
        if (width == 0) {
            throw new RequestException(400, "input 'label' is " + type + "; send labels as INT64 (or INT32)");
        }
        long bytes = integer(size, "binary_data_size", 0, Integer.MAX_VALUE);
        if (bytes != (long) rows * width || binary.remaining() < bytes) {
            throw new RequestException(
                    400,
                    "input 'label' declares binary_data_size " + bytes + "; " + rows + " " + type + " labels are "
                            + (long) rows * width + " bytes"
                            + (binary.remaining() < bytes ? " and only " + binary.remaining() + " are left" : ""));
        }
        ByteBuffer le = binary.slice().order(ByteOrder.LITTLE_ENDIAN);
        binary.position(binary.position() + (int) bytes);
        long[] out = new long[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = width == 8 ? le.getLong() : le.getInt();
            if (out[i] < 0 || out[i] > 255) {
                throw new RequestException(400, "input 'label' value " + i + " is " + out[i] + "; labels are 0 to 255");
            }
        }
        return out;
    }

    /** Little-endian values as a tensor of {@code p}'s dtype (BOOL values checked to be 0 or 1). */
    private static BufferTensor fromBytes(ByteBuffer bytes, PortSpec p, long[] shape) {
        BufferTensor t = BufferTensor.fromLittleEndian(bytes, p.dtype(), shape);
        if (p.dtype() == DType.BOOL) {
            byte[] v = t.toByteArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0 && v[i] != 1) {
                    t.close();
                    throw new RequestException(
                            400, "input '" + p.name() + "' value " + i + " is " + v[i] + "; BOOL is 0 or 1");
                }
            }
        }
        return t;
    }

    private static Request parseJson(byte[] body, ByteBuffer binary, ServedModel model, int maxRows) {
        JsonNode root = readObject(body, "a JSON object with inputs (and id, parameters)");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!REQUEST_KEYS.contains(k)) {
                throw new RequestException(400, "unknown request key '" + k + "'; a request has " + REQUEST_KEYS);
            }
        }
        String id = root.has("id") ? text(root.get("id"), "id") : null;
        long seed = 0;
        Map<String, String> overrides = new TreeMap<>();
        Integer label = null;
        Integer rowsAsked = null;
        boolean png = false;
        boolean binaryAll = false;
        JsonNode params = root.get("parameters");
        if (params != null) {
            if (!params.isObject()) {
                throw new RequestException(400, "parameters must be a JSON object, e.g. {\"seed\": 7, \"label\": 3}");
            }
            for (Map.Entry<String, JsonNode> e : params.properties()) {
                switch (e.getKey()) {
                    case "seed" -> seed = integer(e.getValue(), "parameter seed", Long.MIN_VALUE, Long.MAX_VALUE);
                    case "label" -> label = (int) integer(e.getValue(), "parameter label", 0, 255);
                    case "rows" -> rowsAsked = (int) integer(e.getValue(), "parameter rows", 1, Integer.MAX_VALUE);
                    case "binary_data_output" -> binaryAll = e.getValue().asBoolean(false);
                    case "format" -> {
                        String f = text(e.getValue(), "parameter format");
                        if (!f.equals("json") && !f.equals("png")) {
                            throw new RequestException(400, "parameter format must be json or png; found '" + f + "'");
                        }
                        png = f.equals("png");
                    }
                    default -> overrides.put(e.getKey(), override(e.getKey(), e.getValue(), model, PARAMETERS));
                }
            }
        }
        Set<String> binaryOutputs = new LinkedHashSet<>();
        Set<String> wanted = new LinkedHashSet<>();
        JsonNode requested = root.get("outputs");
        if (requested != null) {
            List<String> names = new ArrayList<>();
            model.outputs().forEach(o -> names.add(o.name()));
            names.add(LABEL);
            if (!requested.isArray()) {
                throw new RequestException(
                        400, "outputs must be a list of {\"name\": ...}; model " + model.name + " answers " + names);
            }
            for (JsonNode o : requested) {
                String n = o.isObject() && o.has("name") ? text(o.get("name"), "an output's name") : null;
                if (n == null || !names.contains(n)) {
                    throw new RequestException(
                            400, "outputs: " + o + " is not one of model " + model.name + "'s outputs " + names);
                }
                wanted.add(n);
                if (o.path("parameters").path("binary_data").asBoolean(false)) {
                    binaryOutputs.add(n);
                }
            }
        }
        if (binaryAll) {
            model.outputs().forEach(o -> binaryOutputs.add(o.name()));
        }
        Map<String, PortSpec> ports = new LinkedHashMap<>();
        for (PortSpec p : model.inputs()) {
            ports.put(p.name(), p);
        }
        Map<String, JsonNode> given = new LinkedHashMap<>();
        JsonNode inputs = root.get("inputs");
        if (inputs != null) {
            if (!inputs.isArray()) {
                throw new RequestException(
                        400, "inputs must be a JSON array of tensors ({\"name\", \"shape\", \"datatype\", \"data\"})");
            }
            for (JsonNode in : inputs) {
                if (!in.isObject()) {
                    throw new RequestException(
                            400, "each input must be a JSON object with name, shape, datatype and data");
                }
                for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    if (!INPUT_KEYS.contains(k)) {
                        throw new RequestException(
                                400, "unknown key '" + k + "' in an input; an input has " + INPUT_KEYS);
                    }
                }
                String name = in.has("name") ? text(in.get("name"), "an input's name") : null;
                if (name == null) {
                    throw new RequestException(
                            400, "an input has no name; model " + model.name + " takes " + portList(model));
                }
                if (!ports.containsKey(name) && !name.equals(LABEL)) {
                    throw new RequestException(
                            400, "model " + model.name + " has no input '" + name + "'; it takes " + portList(model));
                }
                if (given.put(name, in) != null) {
                    throw new RequestException(400, "input '" + name + "' is given twice");
                }
            }
        }
        // the row count: from the inputs' first dimension, else parameters.rows, else one
        int rows = -1;
        for (Map.Entry<String, JsonNode> e : given.entrySet()) {
            long[] shape = shape(e.getValue(), e.getKey());
            if (shape.length == 0) {
                throw new RequestException(
                        400, "input '" + e.getKey() + "' has shape []; its first dimension is the rows");
            }
            if (rows >= 0 && shape[0] != rows) {
                throw new RequestException(
                        400,
                        "input '" + e.getKey() + "' has " + shape[0] + " rows but another input has " + rows
                                + "; every input's first dimension is the request's rows");
            }
            if (shape[0] > maxRows) {
                throw new RequestException(
                        400, "the request has " + shape[0] + " rows; at most " + maxRows + " per request");
            }
            rows = (int) shape[0];
        }
        if (rowsAsked != null) {
            if (rows >= 0 && rows != rowsAsked) {
                throw new RequestException(
                        400, "parameter rows is " + rowsAsked + " but the inputs have " + rows + " rows");
            }
            if (rowsAsked > maxRows) {
                throw new RequestException(
                        400, "the request asks for " + rowsAsked + " rows; at most " + maxRows + " per request");
            }
            rows = rowsAsked;
        }
        if (rows < 0) {
            rows = 1;
        }
        if (rows == 0) {
            throw new RequestException(400, "the request has 0 rows; send at least one");
        }
        if (given.containsKey(LABEL) && label != null) {
            throw new RequestException(400, "give the label as parameter label or as input label, not both");
        }
        List<BufferTensor> made = new ArrayList<>();
        try {
            // binary inputs take their bytes in the order the request lists them
            Map<String, BufferTensor> fromBinary = new LinkedHashMap<>();
            long[] binaryLabels = null;
            for (Map.Entry<String, JsonNode> e : given.entrySet()) {
                JsonNode size = e.getValue().path("parameters").path("binary_data_size");
                if (!size.isMissingNode() && e.getKey().equals(LABEL)) {
                    binaryLabels = binaryLabels(e.getValue(), binary, size, rows);
                } else if (!size.isMissingNode() && ports.containsKey(e.getKey())) {
                    PortSpec p = ports.get(e.getKey());
                    checkDatatype(e.getValue(), p, model);
                    long[] shape = shape(e.getValue(), p.name());
                    checkShape(shape, p, model);
                    if (e.getValue().has("data")) {
                        throw new RequestException(
                                400, "input '" + p.name() + "' has both data and binary_data_size; send one");
                    }
                    BufferTensor t =
                            binaryTensor(binary, integer(size, "binary_data_size", 0, Integer.MAX_VALUE), p, shape);
                    made.add(t);
                    fromBinary.put(p.name(), t);
                }
            }
            int[] labels = null;
            if (given.containsKey(LABEL)) {
                long[] l = binaryLabels != null ? binaryLabels : longs(given.get(LABEL), LABEL, rows, 0, 255);
                labels = new int[rows];
                for (int i = 0; i < rows; i++) {
                    labels[i] = (int) l[i];
                }
            }
            List<RowMeta> meta = new ArrayList<>(rows);
            for (int i = 0; i < rows; i++) {
                RowMeta m = RowMeta.of("seed-" + seed + "/row-" + i);
                Integer l = labels != null ? Integer.valueOf(labels[i]) : label;
                meta.add(l == null ? m : m.withLabel(l));
            }
            Batch.Builder batch = Batch.builder(rows).meta(meta);
            for (PortSpec p : model.inputs()) {
                BufferTensor t = fromBinary.get(p.name());
                if (t == null) {
                    t = given.containsKey(p.name())
                            ? tensor(given.get(p.name()), p, model)
                            : noise(p, rows, seed, model);
                    made.add(t);
                }
                batch.column(p.name(), t);
            }
            return new Request(
                    id,
                    seed,
                    batch.build(),
                    png,
                    null,
                    Map.copyOf(overrides),
                    Set.copyOf(binaryOutputs),
                    Set.copyOf(wanted));
        } catch (RuntimeException e) {
            made.forEach(BufferTensor::close);
            throw e;
        }
    }

    /**
     * A text generation request ({@code {"text_input": "prompt", "parameters": {"seed": 7}}}, the
     * generate extension Triton speaks): one row, its prompt as the row's {@code text}, its
     * randomness from the seed.
     */
    static Request parseGenerate(byte[] body, ServedModel model, TokenListener listener) {
        JsonNode root = readObject(body, "a JSON object with text_input (and id, parameters)");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!GENERATE_KEYS.contains(k)) {
                throw new RequestException(
                        400, "unknown request key '" + k + "'; a generate request has " + GENERATE_KEYS);
            }
        }
        if (!root.has("text_input")) {
            throw new RequestException(400, "text_input is missing: the prompt to continue (\"\" for none)");
        }
        String prompt = text(root.get("text_input"), "text_input");
        String id = root.has("id") ? text(root.get("id"), "id") : null;
        long seed = 0;
        Map<String, String> overrides = new TreeMap<>();
        JsonNode params = root.get("parameters");
        if (params != null) {
            if (!params.isObject()) {
                throw new RequestException(400, "parameters must be a JSON object, e.g. {\"seed\": 7}");
            }
            for (Map.Entry<String, JsonNode> e : params.properties()) {
                if (e.getKey().equals("seed")) {
                    seed = integer(e.getValue(), "parameter seed", Long.MIN_VALUE, Long.MAX_VALUE);
                } else {
                    overrides.put(e.getKey(), override(e.getKey(), e.getValue(), model, GENERATE_PARAMETERS));
                }
            }
        }
        RowMeta row = new RowMeta("seed-" + seed + "/row-0", null, null, null, Map.of("text", prompt));
        return new Request(
                id, seed, Batch.builder(1).meta(List.of(row)).build(), false, listener, Map.copyOf(overrides));
    }

    /**
     * A request's value for one of the component's own parameters (temperature, topK, ...), as text
     * for the host's binder, which checks it when the variant is built. File parameters (a model's
     * path) are the config's alone: a request must never name a file on the server.
     */
    private static String override(String key, JsonNode value, ServedModel model, List<String> requestParameters) {
        ParameterSpec spec = model.parameters().get(key);
        if (spec == null) {
            List<String> own = new ArrayList<>();
            model.parameters().values().forEach(q -> {
                if (!q.type().namesFiles()) {
                    own.add(q.name());
                }
            });
            List<String> all = new ArrayList<>(requestParameters);
            all.addAll(own);
            throw new RequestException(
                    400,
                    "unknown parameter '" + key + "'"
                            + DidYouMean.suggest(key, all)
                                    .map(x -> "; did you mean '" + x + "'? ")
                                    .orElse("; ")
                            + "requests to " + model.name
                            + " take " + requestParameters
                            + (own.isEmpty() ? "" : " and " + model.use + "'s parameters " + own));
        }
        if (spec.type().namesFiles()) {
            throw new RequestException(400, "parameter '" + key + "' names a file; only the serve config may set it");
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(v.isTextual() ? v.asText() : v.toString()));
            return String.join(",", items);
        }
        if (value.isObject() || value.isNull()) {
            throw new RequestException(
                    400, "parameter '" + key + "' must be a number, text, true/false or a list; found " + value);
        }
        return value.asText();
    }

    /** A text generator's answer: the continuation, the prompt, why it stopped. */
    static byte[] encodeGenerate(ServedModel model, Request request, Batch out) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", model.name);
        body.put("model_version", model.version);
        if (request.id() != null) {
            body.put("id", request.id());
        }
        RowMeta m = out.meta(0);
        body.put("text_output", m.tags().get("completion"));
        body.put("prompt", m.tags().get("prompt"));
        body.put("finish", m.tags().get("finish"));
        body.put("parameters", Map.of("seed", request.seed()));
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A parser's message in genpipe's words: no parser settings to turn on, no Jackson class names. */
    private static String plain(String parserMessage) {
        return parserMessage
                .replaceAll("\\s*\\(start marker at \\[Source.*?\\]\\)", "")
                .replaceAll(":?\\s*enable `JsonReadFeature[^`]*` to allow", "")
                .replaceAll(",? ?from `StreamReadConstraints[^`]*`", "");
    }

    private static JsonNode readObject(byte[] body, String what) {
        JsonNode root;
        try {
            root = REQUESTS.readTree(body);
        } catch (JsonParseException e) {
            String original = e.getOriginalMessage();
            String where = " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            Matcher duplicate = DUPLICATE.matcher(original);
            if (duplicate.find()) {
                throw new RequestException(
                        400, "the request body has the key '" + duplicate.group(1) + "' twice" + where);
            }
            throw new RequestException(400, "the request body is not valid JSON: " + plain(original) + where);
        } catch (StreamConstraintsException e) {
            throw new RequestException(400, "the request body is not valid JSON: " + plain(e.getOriginalMessage()));
        } catch (MismatchedInputException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")";
            if (e.getOriginalMessage().startsWith("Trailing token")) {
                throw new RequestException(
                        400, "the request body goes on after its JSON object" + where + "; send one object");
            }
            throw new RequestException(400, "the request body is not valid JSON" + where);
        } catch (IOException e) {
            throw new RequestException(400, "the request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new RequestException(400, "the request body must be " + what);
        }
        return root;
    }

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");

    /** A generator's float input the request leaves out: standard normal noise, row i's from (seed, i) alone. */
    private static BufferTensor noise(PortSpec p, int rows, long seed, ServedModel model) {
        long per = 1;
        for (int i = 1; i < p.shape().size(); i++) {
            if (!p.shape().get(i).isFixed()) {
                per = -1;
                break;
            }
            per *= p.shape().get(i).size();
        }
        if (!model.role().equals("generator")
                || p.dtype() != DType.FLOAT32
                || per < 0
                || p.shape().size() < 2) {
            throw new RequestException(
                    400, "input '" + p.name() + "' is missing; model " + model.name + " takes " + portList(model));
        }
        float[] z = new float[Math.toIntExact(rows * per)];
        for (int r = 0; r < rows; r++) {
            RandomSource random = new RandomSource(seed).fork("row-" + r).fork(p.name());
            for (int k = 0; k < per; k++) {
                z[(int) (r * per + k)] = (float) random.nextGaussian();
            }
        }
        long[] shape = new long[p.shape().size()];
        shape[0] = rows;
        for (int i = 1; i < shape.length; i++) {
            shape[i] = p.shape().get(i).size();
        }
        return BufferTensor.ofFloats(z, shape);
    }

    private static void checkDatatype(JsonNode in, PortSpec p, ServedModel model) {
        String datatype = in.has("datatype") ? text(in.get("datatype"), "input '" + p.name() + "' datatype") : null;
        if (datatype == null || !datatype.equals(datatype(p.dtype()))) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' has " + (datatype == null ? "no datatype" : "datatype " + datatype)
                            + "; model " + model.name + " takes " + describe(p));
        }
    }

    private static void checkShape(long[] shape, PortSpec p, ServedModel model) {
        boolean fits = shape.length == p.shape().size();
        for (int i = 1; fits && i < shape.length; i++) {
            fits = !p.shape().get(i).isFixed() || p.shape().get(i).size() == shape[i];
        }
        if (!fits) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' has shape "
                            + Arrays.toString(shape).replace(" ", "") + "; model " + model.name + " takes "
                            + describe(p));
        }
    }

    private static BufferTensor tensor(JsonNode in, PortSpec p, ServedModel model) {
        String datatype = in.has("datatype") ? text(in.get("datatype"), "input '" + p.name() + "' datatype") : null;
        if (datatype == null) {
            throw new RequestException(
                    400, "input '" + p.name() + "' has no datatype; model " + model.name + " takes " + describe(p));
        }
        if (datatype.equals("BYTES") && isGrayImage(p)) {
            return pngs(in, p, model);
        }
        if (!datatype.equals(datatype(p.dtype()))) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' has datatype " + datatype + "; model " + model.name + " takes "
                            + describe(p));
        }
        long[] shape = shape(in, p.name());
        boolean fits = shape.length == p.shape().size();
        for (int i = 1; fits && i < shape.length; i++) {
            fits = !p.shape().get(i).isFixed() || p.shape().get(i).size() == shape[i];
        }
        if (!fits) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' has shape "
                            + Arrays.toString(shape).replace(" ", "") + "; model " + model.name + " takes "
                            + describe(p));
        }
        long count = Tensor.elementCount(shape);
        List<JsonNode> values = flatten(in.get("data"), p.name(), count);
        switch (p.dtype()) {
            case FLOAT32 -> {
                float[] v = new float[(int) count];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) number(values.get(i), p.name(), i).doubleValue();
                }
                return BufferTensor.ofFloats(v, shape);
            }
            case FLOAT64 -> {
                double[] v = new double[(int) count];
                for (int i = 0; i < v.length; i++) {
                    v[i] = number(values.get(i), p.name(), i).doubleValue();
                }
                return BufferTensor.ofDoubles(v, shape);
            }
            case INT64 -> {
                return BufferTensor.ofLongs(longs(in, p.name(), count, Long.MIN_VALUE, Long.MAX_VALUE), shape);
            }
            case INT32 -> {
                long[] l = longs(in, p.name(), count, Integer.MIN_VALUE, Integer.MAX_VALUE);
                int[] v = new int[l.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (int) l[i];
                }
                return BufferTensor.ofInts(v, shape);
            }
            default -> {
                long min = p.dtype() == DType.UINT8 || p.dtype() == DType.BOOL ? 0 : -128;
                long max = p.dtype() == DType.UINT8 ? 255 : p.dtype() == DType.BOOL ? 1 : 127;
                long[] l = longs(in, p.name(), count, min, max);
                byte[] v = new byte[l.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (byte) l[i];
                }
                return BufferTensor.ofBytes(p.dtype(), v, shape);
            }
        }
    }

    /** A port that takes gray images (FP32[n,1,H,W], H and W fixed): it also takes base64 PNGs. */
    static boolean isGrayImage(PortSpec p) {
        return p.dtype() == DType.FLOAT32
                && p.shape().size() == 4
                && p.shape().get(1).isFixed()
                && p.shape().get(1).size() == 1
                && p.shape().get(2).isFixed()
                && p.shape().get(3).isFixed();
    }

    /**
     * Images sent as base64 PNG strings (BYTES[n]) for a gray-image port: each checked by its header
     * first (a PNG of other dimensions is refused before it is decoded), then read as gray in [0, 1]
     * as png-source reads files, so an 8-bit image gives exactly the floats it was written from.
     */
    private static BufferTensor pngs(JsonNode in, PortSpec p, ServedModel model) {
        int h = (int) p.shape().get(2).size();
        int w = (int) p.shape().get(3).size();
        long[] shape = shape(in, p.name());
        if (shape.length != 1) {
            throw new RequestException(
                    400,
                    "input '" + p.name() + "' as BYTES holds one base64 PNG per row: shape [n]; found "
                            + Arrays.toString(shape).replace(" ", ""));
        }
        List<JsonNode> values = flatten(in.get("data"), p.name(), shape[0]);
        float[] pixels = new float[Math.toIntExact(shape[0] * h * w)];
        for (int i = 0; i < values.size(); i++) {
            JsonNode v = values.get(i);
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(v.isTextual() ? v.asText() : "?");
            } catch (IllegalArgumentException e) {
                throw new RequestException(
                        400,
                        "input '" + p.name() + "' value " + i + " is not base64 text (a PNG image, base64-encoded)");
            }
            try (ImageInputStream stream = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
                Iterator<ImageReader> readers = stream == null ? null : ImageIO.getImageReaders(stream);
                ImageReader reader = readers != null && readers.hasNext() ? readers.next() : null;
                if (reader == null || !reader.getFormatName().equalsIgnoreCase("png")) {
                    throw new RequestException(400, "input '" + p.name() + "' value " + i + " is not a PNG image");
                }
                // pixels only: text and other ancillary chunks are skipped, never inflated (a zTXt bomb stays 1 MiB)
                reader.setInput(stream, true, true);
                if (reader.getWidth(0) != w || reader.getHeight(0) != h) {
                    throw new RequestException(
                            400,
                            "input '" + p.name() + "' value " + i + " is a " + reader.getWidth(0) + "x"
                                    + reader.getHeight(0) + " image; model " + model.name + " takes " + w + "x" + h);
                }
                BufferedImage img = reader.read(0);
                reader.dispose();
                Png.toGray(img, pixels, i * h * w);
            } catch (IOException e) {
                throw new RequestException(
                        400, "input '" + p.name() + "' value " + i + " is not a readable PNG image: " + e.getMessage());
            }
        }
        return BufferTensor.ofFloats(pixels, shape[0], 1, h, w);
    }

    private static long[] longs(JsonNode in, String name, long count, long min, long max) {
        List<JsonNode> values = flatten(in.get("data"), name, count);
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = values.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
                throw new RequestException(
                        400,
                        "input '" + name + "' value " + i + " is " + v + "; expected a whole number from " + min
                                + " to " + max);
            }
            out[i] = v.asLong();
        }
        return out;
    }

    private static long[] shape(JsonNode in, String name) {
        JsonNode s = in.get("shape");
        if (s == null || !s.isArray()) {
            throw new RequestException(400, "input '" + name + "' has no shape (a list of dimensions, e.g. [1, 100])");
        }
        long[] shape = new long[s.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = s.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                throw new RequestException(
                        400, "input '" + name + "' shape " + s + " is not a list of whole numbers >= 0");
            }
            shape[i] = d.asLong();
        }
        return shape;
    }

    private static List<JsonNode> flatten(JsonNode data, String name, long count) {
        if (data == null || !data.isArray()) {
            throw new RequestException(400, "input '" + name + "' has no data (a list of " + count + " values)");
        }
        List<JsonNode> out = new ArrayList<>();
        flattenInto(data, out, count, name);
        if (out.size() != count) {
            throw new RequestException(
                    400, "input '" + name + "' has " + out.size() + " values; its shape needs " + count);
        }
        return out;
    }

    private static void flattenInto(JsonNode data, List<JsonNode> out, long count, String name) {
        for (JsonNode v : data) {
            if (v.isArray()) {
                flattenInto(v, out, count, name);
            } else {
                out.add(v);
            }
            if (out.size() > count) {
                throw new RequestException(400, "input '" + name + "' has more values than its shape's " + count);
            }
        }
    }

    private static Number number(JsonNode v, String name, int i) {
        if (!v.isNumber()) {
            throw new RequestException(400, "input '" + name + "' value " + i + " is " + v + "; expected a number");
        }
        return v.numberValue();
    }

    private static long integer(JsonNode v, String what, long min, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new RequestException(
                    400,
                    what + " must be a whole number"
                            + (min == Long.MIN_VALUE
                                    ? ""
                                    : " from " + min
                                            + (max == Integer.MAX_VALUE || max == Long.MAX_VALUE
                                                    ? " up"
                                                    : " to " + max))
                            + "; found " + v);
        }
        return v.asLong();
    }

    private static String text(JsonNode v, String what) {
        if (!v.isTextual()) {
            throw new RequestException(400, what + " must be a string; found " + v);
        }
        return v.asText();
    }

    static String portList(ServedModel model) {
        List<String> s = new ArrayList<>();
        for (PortSpec p : model.inputs()) {
            s.add(describe(p));
        }
        return s.isEmpty() ? "no inputs (parameters only)" : String.join(", ", s);
    }

    /** The response for {@code request}: {@code out}'s columns as tensors (images as PNG when asked), and the rows' labels. */
    static byte[] encode(ServedModel model, Request request, Batch out) {
        return encodeParts(model, request, out).json();
    }

    /** The answer, with the outputs the request asked for as binary after the JSON (in output order). */
    static Encoded encodeParts(ServedModel model, Request request, Batch out) {
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("model_name", model.name);
            g.writeStringField("model_version", model.version);
            if (request.id() != null) {
                g.writeStringField("id", request.id());
            }
            g.writeObjectFieldStart("parameters");
            g.writeNumberField("seed", request.seed());
            for (Map.Entry<String, Object> e : new TreeMap<>(request.answer()).entrySet()) {
                g.writeObjectField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("outputs");
            for (PortSpec p : model.outputs()) {
                if (!request.outputs().isEmpty() && !request.outputs().contains(p.name())) {
                    continue; // the request named the outputs it wants
                }
                Tensor t = out.column(p.name());
                long[] shape = t.shape();
                g.writeStartObject();
                g.writeStringField("name", p.name());
                if (request.png() && t.dtype() == DType.FLOAT32 && shape.length == 4 && shape[1] == 1) {
                    g.writeStringField("datatype", "BYTES");
                    g.writeArrayFieldStart("shape");
                    g.writeNumber(shape[0]);
                    g.writeEndArray();
                    g.writeObjectFieldStart("parameters");
                    g.writeStringField("content_type", "image/png");
                    g.writeEndObject();
                    g.writeArrayFieldStart("data");
                    float[] v = t.toFloatArray();
                    int h = (int) shape[2];
                    int w = (int) shape[3];
                    for (int r = 0; r < shape[0]; r++) {
                        g.writeString(Base64.getEncoder().encodeToString(png(v, r * h * w, h, w)));
                    }
                    g.writeEndArray();
                } else {
                    g.writeStringField("datatype", datatype(t.dtype()));
                    g.writeArrayFieldStart("shape");
                    for (long d : shape) {
                        g.writeNumber(d);
                    }
                    g.writeEndArray();
                    if (request.binaryOutputs().contains(p.name())) {
                        byte[] raw = t.toLittleEndianBytes();
                        g.writeObjectFieldStart("parameters");
                        g.writeNumberField("binary_data_size", raw.length);
                        g.writeEndObject();
                        binary.writeBytes(raw);
                    } else {
                        g.writeArrayFieldStart("data");
                        writeData(g, t);
                        g.writeEndArray();
                    }
                }
                g.writeEndObject();
            }
            boolean labelled = out.rows() > 0
                    && out.meta().stream().allMatch(m -> m.label() != null)
                    && (request.outputs().isEmpty() || request.outputs().contains(LABEL));
            if (labelled) {
                g.writeStartObject();
                g.writeStringField("name", LABEL);
                g.writeStringField("datatype", "INT64");
                g.writeArrayFieldStart("shape");
                g.writeNumber(out.rows());
                g.writeEndArray();
                g.writeArrayFieldStart("data");
                for (RowMeta m : out.meta()) {
                    g.writeNumber(m.label());
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Encoded(bytes.toByteArray(), binary.toByteArray());
    }

    private static void writeData(JsonGenerator g, Tensor t) throws IOException {
        switch (t.dtype()) {
            case FLOAT32 -> {
                for (float v : t.toFloatArray()) {
                    if (Float.isFinite(v)) {
                        g.writeNumber(v);
                    } else {
                        g.writeNull(); // JSON has no NaN or infinity (only under nonFinite: warn)
                    }
                }
            }
            case FLOAT64 -> {
                for (double v : t.toDoubleArray()) {
                    if (Double.isFinite(v)) {
                        g.writeNumber(v);
                    } else {
                        g.writeNull();
                    }
                }
            }
            case INT64 -> {
                for (long v : t.toLongArray()) {
                    g.writeNumber(v);
                }
            }
            case INT32 -> {
                for (int v : t.toIntArray()) {
                    g.writeNumber(v);
                }
            }
            default -> {
                for (byte v : t.toByteArray()) {
                    g.writeNumber(t.dtype() == DType.INT8 ? v : v & 0xff);
                }
            }
        }
    }

    /** One gray image in [0, 1] as PNG bytes (pixels x 255, rounded, as png-sink writes them). */
    static byte[] png(float[] v, int offset, int h, int w) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float p = Math.min(1f, Math.max(0f, v[offset + y * w + x]));
                img.getRaster().setSample(x, y, 0, Math.round(p * 255));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** An error body: {"error": message}, as KServe servers answer. */
    static byte[] error(String message) {
        try {
            return JSON.writeValueAsBytes(Map.of("error", message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
