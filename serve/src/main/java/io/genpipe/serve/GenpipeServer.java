package io.genpipe.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.step.StepKind;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code genpipe serve}: the served models over HTTP, KServe v2 / Open Inference Protocol
 * ({@code /v2/health/live}, {@code /v2/health/ready}, {@code /v2/models}, {@code /v2/models/NAME},
 * {@code POST /v2/models/NAME/infer}) and {@code /metrics}, each model behind its own
 * {@link DynamicBatcher}. Every component is built (its sessions loaded) before the port opens, so
 * readiness means every model can answer; {@link #close()} stops taking requests, answers those
 * in flight, then closes the sessions.
 */
public final class GenpipeServer implements AutoCloseable {

    /** The binary tensor data extension's header: the length of the JSON that starts the body. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    static final long REQUEST_TIMEOUT_S = 120;
    /** The playground page at {@code /}: plain HTML and a little JS over the same endpoints. */
    private static final byte[] PLAYGROUND = playground();

    private final ServeConfig config;
    private final Genpipe genpipe;
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final Map<String, ServeConfig.ModelConfig> configs = new LinkedHashMap<>();
    private final Map<String, DynamicBatcher> batchers = new LinkedHashMap<>();
    private final Map<String, Role> roles = new LinkedHashMap<>();
    /** Per model, the variants requests asked for with their own parameters, each with its own batcher. */
    private final Map<String, Map<Map<String, String>, DynamicBatcher>> variants = new ConcurrentHashMap<>();
    /** The most parameter variants one model runs at once: each is a component with its own sessions' state. */
    static final int MAX_VARIANTS = 16;

    /** The protocol extensions genpipe serve implements, as server metadata lists them. */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data");

    private final ServeMetrics metrics;
    private final Javalin app;
    private GrpcFrontEnd grpc;
    private volatile boolean ready;
    private volatile boolean closing;

    private GenpipeServer(ServeConfig config, Genpipe genpipe) {
        this.config = config;
        this.genpipe = genpipe;
        List<Problem> problems = new ArrayList<>();
        for (ServeConfig.ModelConfig m : config.models()) {
            if (m.pipeline() != null) {
                servePipeline(m, problems);
                continue;
            }
            try {
                Optional<RegisteredFactory> f = genpipe.components().find(m.use());
                if (f.isEmpty()) {
                    throw new GenpipeException("unknown component '" + m.use() + "'; ./genpipe plugins lists them");
                }
                Role role = f.get().factory().role();
                if (role != Role.GENERATOR && role != Role.SCORER) {
                    throw new GenpipeException(m.use() + " is " + role.name().toLowerCase(Locale.ROOT)
                            + "; genpipe serve serves generators and" + " scorers");
                }
                Component c = genpipe.create(role, m.use(), m.with());
                models.put(
                        m.name(),
                        new ServedModel(m.name(), m.use(), c, f.get().factory().parameters()));
                roles.put(m.name(), role);
                configs.put(m.name(), m);
            } catch (GenpipeException e) {
                problems.add(new Problem(m.location(), null, "model '" + m.name() + "': " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new PipelineException(problems);
        }
        this.metrics = new ServeMetrics(batchers, () -> genpipe.onnx().liveNativeValues());
        for (ServedModel m : models.values()) {
            ServeConfig.ModelConfig c = configs.get(m.name);
            batchers.put(m.name, newBatcher(m, c));
        }
        this.app = Javalin.create(j -> {
            j.startup.showJavalinBanner = false;
            j.jetty.host = config.host();
            j.jetty.port = config.port();
            j.http.maxRequestSize = config.maxRequestBytes();
            j.routes.get(
                    "/",
                    ctx -> ctx.status(200)
                            .contentType("text/html; charset=utf-8")
                            .result(PLAYGROUND));
            j.routes.get("/v2/health/live", ctx -> json(ctx, 200, Map.of("live", true)));
            j.routes.get("/v2/health/ready", ctx -> json(ctx, ready ? 200 : 503, Map.of("ready", ready)));
            j.routes.get(
                    "/v2",
                    ctx -> json(
                            ctx,
                            200,
                            Map.of("name", "genpipe", "version", genpipeVersion(), "extensions", EXTENSIONS)));
            j.routes.get("/v2/models", ctx -> json(ctx, 200, Map.of("models", index())));
            j.routes.get("/v2/models/{name}", ctx -> json(ctx, 200, metadata(model(ctx.pathParam("name")))));
            j.routes.get("/v2/models/{name}/ready", ctx -> {
                model(ctx.pathParam("name"));
                json(ctx, ready ? 200 : 503, Map.of("name", ctx.pathParam("name"), "ready", ready));
            });
            j.routes.post("/v2/models/{name}/infer", this::infer);
            // the versions metadata advertises (one: "1")
            j.routes.get("/v2/models/{name}/versions/{version}", ctx -> {
                ServedModel m = model(ctx.pathParam("name"));
                version(ctx);
                json(ctx, 200, metadata(m));
            });
            j.routes.post("/v2/models/{name}/versions/{version}/infer", ctx -> {
                version(ctx);
                infer(ctx);
            });
            j.routes.post("/v2/models/{name}/generate", ctx -> generate(ctx, false));
            j.routes.post("/v2/models/{name}/generate_stream", ctx -> generate(ctx, true));
            j.routes.get(
                    "/metrics",
                    ctx -> ctx.status(200)
                            .contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(metrics.scrape()));
            j.routes.exception(RequestException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            j.routes.exception(
                    Exception.class,
                    (e, ctx) -> error(
                            ctx,
                            500,
                            "internal error: " + e.getClass().getSimpleName()
                                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
            j.routes.error(404, ctx -> {
                if (ctx.attribute("genpipe.error") == null) {
                    error(
                            ctx,
                            404,
                            "no such endpoint: " + ctx.method() + " " + ctx.path()
                                    + "; genpipe serve answers / (the playground), /v2/health/live,"
                                    + " /v2/health/ready, /v2/models, /v2/models/NAME, POST /v2/models/NAME/infer (tensors),"
                                    + " POST /v2/models/NAME/generate and generate_stream (text) and /metrics");
                }
            });
        });
    }

    /**
     * A pipeline file as a model: validated like {@code genpipe validate} (its problems with the pipeline
     * file's lines), its input a source step and its output a step that passes rows on.
     */
    private void servePipeline(ServeConfig.ModelConfig m, List<Problem> problems) {
        ServeConfig.PipelineRef ref = m.pipeline();
        String what = "model '" + m.name() + "': ";
        PipelinePlan plan;
        try {
            plan = genpipe.pipeline(ref.file()).plan();
        } catch (PipelineException e) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "pipeline " + ref.file() + " is invalid ("
                            + e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems") + ")"));
            problems.addAll(e.problems());
            return;
        } catch (GenpipeException e) {
            problems.add(new Problem(m.location(), null, what + e.getMessage()));
            return;
        }
        Map<String, PipelinePlan.Planned> steps = new LinkedHashMap<>();
        plan.steps().forEach(p -> steps.put(p.id(), p));
        PipelinePlan.Planned in = steps.get(ref.input());
        PipelinePlan.Planned out = steps.get(ref.output());
        List<String> sources = plan.steps().stream()
                .filter(p -> p.execution() == StepKind.SOURCE)
                .map(PipelinePlan.Planned::id)
                .toList();
        List<String> passing = plan.steps().stream()
                .filter(p -> p.execution() != StepKind.SINK)
                .map(PipelinePlan.Planned::id)
                .toList();
        if (in == null || in.execution() != StepKind.SOURCE) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "input: " + ref.input() + " is not a source step of " + ref.file() + " (its sources: "
                            + String.join(", ", sources) + ")"));
            return;
        }
        if (out == null || out.execution() == StepKind.SINK) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "output: " + ref.output() + " is not a step of " + ref.file()
                            + " that passes rows on (" + (out == null ? "no such step" : "it is a sink") + "; steps: "
                            + String.join(", ", passing) + ")"));
            return;
        }
        if (in.outputs().isEmpty()) {
            problems.add(
                    new Problem(
                            m.location(),
                            null,
                            what + "input: " + ref.input() + " emits rows without columns (tags"
                                    + " only, e.g. text), which a request's tensors cannot fill; serve a pipeline whose input step emits tensors"));
            return;
        }
        PipelineRunner runner = new PipelineRunner(genpipe, line -> {
            if (line.startsWith("warning: ")) {
                System.err.println("genpipe serve: model " + m.name() + ": " + line);
            }
        });
        List<PortSpec> outputs = out.outputs();
        models.put(m.name(), ServedModel.pipeline(m.name(), m.use(), in.outputs(), outputs, rows -> {
            Batch answer = runner.runOn(plan, ref.input(), rows, ref.output()).rows();
            return answer.rows() == 0 && !outputs.isEmpty() ? empty(outputs, answer) : answer;
        }));
        configs.put(m.name(), m);
    }

    /** No rows came out: zero-row tensors of the output's ports, so the answer still names them. */
    private static Batch empty(List<PortSpec> ports, Batch none) {
        none.close();
        Batch.Builder b = Batch.builder(0);
        for (PortSpec p : ports) {
            long[] shape = new long[p.shape().size()];
            for (int i = 1; i < shape.length; i++) {
                shape[i] = p.shape().get(i).isFixed() ? p.shape().get(i).size() : 0;
            }
            b.column(p.name(), BufferTensor.allocate(p.dtype(), shape));
        }
        return b.build();
    }

    /**
     * Builds every served model (their sessions loaded), then opens the port.
     *
     * @throws PipelineException naming the config line of each model that cannot be served
     */
    public static GenpipeServer start(ServeConfig config, Genpipe genpipe) {
        GenpipeServer server = new GenpipeServer(config, genpipe);
        server.app.start();
        int grpcPort = config.grpcPortOrDefault();
        if (grpcPort >= 0) {
            try {
                server.grpc = GrpcFrontEnd.start(server, config.host(), grpcPort, config.maxRequestBytes());
            } catch (IOException e) {
                server.close();
                throw new IllegalStateException(
                        "cannot listen for gRPC on " + config.host() + ":" + grpcPort + ": " + e.getMessage()
                                + " (grpcPort: in the config, or --grpc-port; -1: no gRPC)",
                        e);
            }
        }
        server.ready = true;
        return server;
    }

    /** The port listened on (the one chosen when the config asked for 0). */
    public int port() {
        return app.port();
    }

    /** The gRPC port listened on, or -1 when the config turned gRPC off. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    public boolean ready() {
        return ready;
    }

    private void infer(Context ctx) throws Exception {
        long start = System.nanoTime();
        String name = ctx.pathParam("name");
        ServedModel model = model(name);
        int status = 500;
        try {
            byte[] body = body(ctx);
            if (model.text()) {
                throw new RequestException(
                        400,
                        "model " + name + " generates text: POST /v2/models/" + name + "/generate (or"
                                + " generate_stream, Server-Sent Events) with {\"text_input\": \"...\"}");
            }
            // the binary tensor data extension: a JSON header of this many bytes, then raw tensors (0: all raw)
            String headerLength = ctx.header(HEADER_LENGTH);
            int jsonBytes = -1;
            if (headerLength != null) {
                try {
                    jsonBytes = Integer.parseInt(headerLength.trim());
                } catch (NumberFormatException e) {
                    jsonBytes = -2;
                }
                if (jsonBytes < 0) {
                    throw new RequestException(
                            400,
                            HEADER_LENGTH + " must be the JSON header's length in bytes (0: the body is the one"
                                    + " input's raw tensor); found '" + headerLength + "'");
                }
            }
            InferenceCodec.Encoded response = infer(model, body, jsonBytes);
            status = 200;
            if (response.binary().length == 0) {
                ctx.status(200).contentType("application/json").result(response.json());
            } else {
                byte[] whole = new byte[response.json().length + response.binary().length];
                System.arraycopy(response.json(), 0, whole, 0, response.json().length);
                System.arraycopy(response.binary(), 0, whole, response.json().length, response.binary().length);
                ctx.status(200)
                        .contentType("application/octet-stream")
                        .header(HEADER_LENGTH, Integer.toString(response.json().length))
                        .result(whole);
            }
        } catch (RequestException e) {
            status = e.status();
            throw e;
        } finally {
            metrics.requests.labelValues(name, Integer.toString(status)).inc();
            metrics.requestSeconds.labelValues(name).observe((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * One inference as every front end runs it: the request as the HTTP body carries it ({@code jsonBytes} of
     * JSON header then raw tensors, 0: one raw tensor, -1: JSON only), checked, batched and answered.
     *
     * @throws RequestException with the status and message the request gets
     */
    InferenceCodec.Encoded infer(ServedModel model, byte[] body, int jsonBytes) throws InterruptedException {
        InferenceCodec.Request request = InferenceCodec.parse(body, jsonBytes, model, config.maxRowsPerRequest());
        CompletableFuture<Batch> done = batcher(model, request.overrides()).submit(request);
        try (Batch o = answer(done, model.name)) {
            return InferenceCodec.encodeParts(model, request, o);
        }
    }

    /**
     * {@link #infer(ServedModel, byte[], int)} without a waiting thread: the request is checked and queued now,
     * the answer encoded by whoever completes its batch.
     *
     * @throws RequestException for a request refused before it is queued
     */
    CompletableFuture<InferenceCodec.Encoded> inferAsync(ServedModel model, byte[] body, int jsonBytes) {
        InferenceCodec.Request request = InferenceCodec.parse(body, jsonBytes, model, config.maxRowsPerRequest());
        CompletableFuture<Batch> done = batcher(model, request.overrides()).submit(request);
        CompletableFuture<InferenceCodec.Encoded> encoded = new CompletableFuture<>();
        var unused = done.whenComplete((rows, failure) -> {
            try (Batch o = answer(done, model.name)) {
                encoded.complete(InferenceCodec.encodeParts(model, request, o));
            } catch (RuntimeException e) {
                encoded.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                encoded.completeExceptionally(e);
            }
        });
        return encoded;
    }

    /** Counts one answered request of {@code model} with its status, as HTTP statuses name them. */
    void count(String model, int status, long startNanos) {
        metrics.requests.labelValues(model, Integer.toString(status)).inc();
        metrics.requestSeconds.labelValues(model).observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** Checks the path's model version: a served model has the one version its metadata lists, "1". */
    private void version(Context ctx) {
        String v = ctx.pathParam("version");
        if (!v.equals("1")) {
            throw new RequestException(
                    404, "model " + ctx.pathParam("name") + " has no version '" + v + "'; its versions: [1]");
        }
    }

    /** The request body, refused (413) above limits.maxRequestBytes. */
    private byte[] body(Context ctx) {
        long declared = ctx.contentLength();
        if (declared > config.maxRequestBytes()) {
            throw new RequestException(
                    413,
                    "the request body is " + declared + " bytes; at most " + config.maxRequestBytes()
                            + " (limits.maxRequestBytes)");
        }
        byte[] body;
        try {
            body = ctx.bodyAsBytes();
        } catch (Exception e) { // Jetty's HttpEofException is an IOException, rethrown unchecked by Javalin
            // the client stopped sending before the body's end (a half-sent request)
            throw new RequestException(
                    400,
                    "the request body ended early"
                            + (declared >= 0 ? ": Content-Length says " + declared + " bytes" : "")
                            + "; send the whole body");
        }
        if (body.length > config.maxRequestBytes()) {
            throw new RequestException(
                    413,
                    "the request body is " + body.length + " bytes; at most " + config.maxRequestBytes()
                            + " (limits.maxRequestBytes)");
        }
        return body;
    }

    /**
     * {@code /generate}: the whole continuation as one JSON answer; {@code /generate_stream}:
     * Server-Sent Events, one {@code data:} event per piece as the model produces it (what the CLI
     * streams to a terminal), then one with {@code finish} and the whole continuation.
     */
    private void generate(Context ctx, boolean stream) throws Exception {
        long start = System.nanoTime();
        String name = ctx.pathParam("name");
        ServedModel model = model(name);
        int status = 500;
        try {
            if (!model.text()) {
                throw new RequestException(
                        400, "model " + name + " does not generate text; POST /v2/models/" + name + "/infer");
            }
            byte[] body = body(ctx);
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            TokenListener listener = stream ? (row, piece) -> events.add(event(Map.of("text_output", piece))) : null;
            InferenceCodec.Request request = InferenceCodec.parseGenerate(body, model, listener);
            CompletableFuture<Batch> done = batcher(model, request.overrides()).submit(request);
            if (!stream) {
                try (Batch out = answer(done, name)) {
                    byte[] response = InferenceCodec.encodeGenerate(model, request, out);
                    status = 200;
                    ctx.status(200).contentType("application/json").result(response);
                }
                return;
            }
            HttpServletResponse res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream");
            res.setCharacterEncoding("UTF-8");
            res.setHeader("Cache-Control", "no-cache");
            OutputStream out = res.getOutputStream();
            status = 200;
            try {
                stream(out, events, done, name);
            } catch (IOException gone) {
                // the client went away: the generation finishes on its own and its rows are closed then
                var unused = done.thenAccept(Batch::close);
                status = 499;
            }
        } catch (RequestException e) {
            status = e.status();
            throw e;
        } finally {
            metrics.requests.labelValues(name, Integer.toString(status)).inc();
            metrics.requestSeconds.labelValues(name).observe((System.nanoTime() - start) / 1e9);
        }
    }

    /** Writes the pieces as they come, then the final event (or an error event). */
    private static void stream(
            OutputStream out, BlockingQueue<String> events, CompletableFuture<Batch> done, String name)
            throws IOException, InterruptedException {
        while (true) {
            String e = events.poll(20, TimeUnit.MILLISECONDS);
            if (e == null && done.isDone()) {
                e = events.poll();
                if (e == null) {
                    break;
                }
            }
            if (e != null) {
                out.write(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
        String last;
        try (Batch o = answer(done, name)) {
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("text_output", "");
            end.put("finish", o.meta(0).tags().get("finish"));
            end.put("completion", o.meta(0).tags().get("completion"));
            last = "data: " + event(end) + "\n\n";
        } catch (RequestException failed) {
            last = "event: error\ndata: "
                    + new String(InferenceCodec.error(failed.getMessage()), StandardCharsets.UTF_8)
                    + "\n\n";
        }
        out.write(last.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * The batcher for {@code model} with a request's own parameters: the config's when there are
     * none, else the variant built for exactly those values (the config's {@code with:} plus the
     * request's, checked by the host's binder like a pipeline step's), made on first use.
     */
    DynamicBatcher batcher(ServedModel model, Map<String, String> overrides) {
        if (overrides.isEmpty()) {
            return batchers.get(model.name);
        }
        Map<Map<String, String>, DynamicBatcher> mine =
                variants.computeIfAbsent(model.name, k -> new LinkedHashMap<>());
        synchronized (mine) {
            DynamicBatcher b = mine.get(overrides);
            if (b != null) {
                return b;
            }
            if (closing) {
                throw new RequestException(
                        503, "the server is shutting down; model " + model.name + " takes no new requests");
            }
            if (mine.size() >= MAX_VARIANTS) {
                throw new RequestException(
                        400,
                        "model " + model.name + " already runs " + MAX_VARIANTS + " variants with requests' own"
                                + " parameters; use one of those or the config's (" + mine.keySet() + ")");
            }
            ServeConfig.ModelConfig c = configs.get(model.name);
            Map<String, Object> with = new LinkedHashMap<>(c.with());
            with.putAll(overrides);
            Component component;
            try {
                component = genpipe.create(roles.get(model.name), model.use, with);
            } catch (GenpipeException e) {
                throw new RequestException(400, "model " + model.name + ": " + e.getMessage());
            }
            ServedModel variant = new ServedModel(
                    model.name,
                    model.use,
                    component,
                    List.copyOf(model.parameters().values()));
            b = newBatcher(variant, c);
            mine.put(overrides, b);
            return b;
        }
    }

    /** A batcher for {@code m} (the config's model or a variant of it) with the config's batching, its timings in the model's metrics. */
    private DynamicBatcher newBatcher(ServedModel m, ServeConfig.ModelConfig c) {
        return new DynamicBatcher(
                m, c.maxBatchSize(), c.maxQueueDelayMs(), c.queueCapacity(), (rows, queued, infer) -> {
                    metrics.batchRows.labelValues(m.name).observe(rows);
                    metrics.queueSeconds.labelValues(m.name).observe(queued);
                    metrics.inferSeconds.labelValues(m.name).observe(infer);
                });
    }

    /** A request's rows of the output, or the reason as a RequestException (400 for what the component refused). */
    static Batch answer(CompletableFuture<Batch> done, String name) throws InterruptedException {
        try {
            return done.get(REQUEST_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RequestException refused) {
                throw refused;
            }
            if (cause instanceof RunFailure failure) {
                // a served pipeline's step: what it refused is the request's fault, anything else the server's
                throw failure.code() == RunFailure.Code.STEP_REFUSED
                        ? new RequestException(400, "model " + name + ": " + failure.describe())
                        : new RequestException(500, "internal error in model " + name + ": " + failure.describe());
            }
            if (cause instanceof GenpipeException) {
                throw new RequestException(400, "model " + name + ": " + cause.getMessage());
            }
            throw new RequestException(
                    500,
                    "internal error in model " + name + ": " + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        } catch (TimeoutException e) {
            var unused = done.thenAccept(Batch::close); // nobody will read it: closed when it comes
            throw new RequestException(504, "model " + name + " did not answer within " + REQUEST_TIMEOUT_S + " s");
        }
    }

    private static String event(Map<String, Object> fields) {
        try {
            return InferenceCodec.JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    ServedModel model(String name) {
        ServedModel m = models.get(name);
        if (m == null) {
            throw new RequestException(
                    404, "no model '" + name + "'; served models: " + new ArrayList<>(models.keySet()));
        }
        return m;
    }

    private List<Map<String, Object>> index() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ServedModel m : models.values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", m.name);
            entry.put("use", m.use);
            entry.put("role", m.role());
            entry.put("text", m.text());
            entry.put("ready", ready);
            out.add(entry);
        }
        return out;
    }

    Map<String, Object> metadata(ServedModel m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name);
        out.put("versions", List.of("1"));
        out.put("platform", "genpipe");
        out.put("inputs", ports(m.inputs()));
        out.put("outputs", ports(m.outputs()));
        ServeConfig.ModelConfig c = configs.get(m.name);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("use", m.use);
        p.put("role", m.role());
        if (c.pipeline() != null) {
            p.put("pipeline", c.use());
            p.put("input", c.pipeline().input());
            p.put("output", c.pipeline().output());
        } else {
            p.put("with", c.with());
        }
        p.put("requestParameters", InferenceCodec.PARAMETERS);
        Map<String, Object> batching = new LinkedHashMap<>();
        batching.put("maxBatchSize", c.maxBatchSize());
        batching.put("maxQueueDelayMs", c.maxQueueDelayMs());
        batching.put("queueCapacity", c.queueCapacity());
        p.put("batching", batching);
        out.put("parameters", p);
        return out;
    }

    private static List<Map<String, Object>> ports(List<PortSpec> ports) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PortSpec p : ports) {
            List<Long> shape = new ArrayList<>();
            for (int i = 0; i < p.shape().size(); i++) {
                shape.add(i > 0 && p.shape().get(i).isFixed() ? p.shape().get(i).size() : -1L);
            }
            Map<String, Object> port = new LinkedHashMap<>();
            port.put("name", p.name());
            port.put("datatype", InferenceCodec.datatype(p.dtype()));
            port.put("shape", shape);
            out.add(port);
        }
        return out;
    }

    private static byte[] playground() {
        try (InputStream in = GenpipeServer.class.getResourceAsStream("playground.html")) {
            if (in == null) {
                throw new IllegalStateException("playground.html is missing from genpipe-serve's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String genpipeVersion() {
        String v = GenpipeServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void json(Context ctx, int status, Object body) throws Exception {
        ctx.status(status).contentType("application/json").result(InferenceCodec.JSON.writeValueAsBytes(body));
    }

    private static void error(Context ctx, int status, String message) {
        ctx.attribute("genpipe.error", true);
        ctx.status(status).contentType("application/json").result(InferenceCodec.error(message));
    }

    /** Not ready any more, no new requests; those queued and in flight are answered; then the port closes and the sessions. */
    @Override
    public void close() {
        ready = false;
        closing = true;
        if (grpc != null) {
            grpc.shutdown();
        }
        batchers.values().forEach(DynamicBatcher::close);
        for (Map<Map<String, String>, DynamicBatcher> mine : variants.values()) {
            synchronized (mine) {
                mine.values().forEach(b -> {
                    b.close();
                    b.model().close();
                });
            }
        }
        if (grpc != null) {
            grpc.close();
        }
        app.stop();
        models.values().forEach(ServedModel::close);
    }
}
