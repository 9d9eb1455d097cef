package io.genpipe.serve;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.text.TokenGenerator;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.NonFinitePolicy;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.run.RunFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

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
    /** How long, once asked to stop, the server goes on answering requests in flight before it stops them. */
    public static final long DRAIN_S = 10;

    private final ServeConfig config;
    /** The served models, one record each (component or pipeline, batcher, variants, version). */
    final ModelRepository repository;

    /** The protocol extensions genpipe serve implements, as server metadata lists them. */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_repository");

    final ServeMetrics metrics;
    private final HttpFrontEnd http;
    private GrpcFrontEnd grpc;
    private volatile boolean ready;
    private final Set<String> warnedNonFinite = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private volatile long drainBy;
    private volatile boolean drained = true;

    private GenpipeServer(ServeConfig config, Genpipe genpipe) {
        this.config = config;
        this.repository = new ModelRepository(genpipe, this::newBatcher);
        this.metrics =
                new ServeMetrics(repository::batchers, () -> genpipe.onnx().liveNativeValues());
        repository.start(config.models());
        this.http = new HttpFrontEnd(this, config);
    }

    /**
     * Builds every served model (their sessions loaded), then opens the port.
     *
     * @throws PipelineException naming the config line of each model that cannot be served
     */
    public static GenpipeServer start(ServeConfig config, Genpipe genpipe) {
        GenpipeServer server = new GenpipeServer(config, genpipe);
        server.http.start();
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
        return http.port();
    }

    /**
     * After {@link #close()}: whether every model finished its work and closed its sessions within the drain
     * (false: some work was stopped; a model may still be running native code, so its runtime should not be
     * closed under it — the process should just end).
     */
    public boolean drained() {
        return drained;
    }

    /** The gRPC port listened on, or -1 when the config turned gRPC off. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    public boolean ready() {
        return ready;
    }

    /**
     * One inference as every front end runs it: the request as the HTTP body carries it ({@code jsonBytes} of
     * JSON header then raw tensors, 0: one raw tensor, -1: JSON only), checked, batched and answered.
     *
     * @throws RequestException with the status and message the request gets
     */
    InferenceCodec.Encoded infer(ModelRepository.Entry record, byte[] body, int jsonBytes) throws InterruptedException {
        ServedModel model = record.model;
        InferenceCodec.Request request =
                bounded(InferenceCodec.parse(body, jsonBytes, model, config.maxRowsPerRequest()), record);
        CompletableFuture<Batch> done =
                repository.batcher(record, request.overrides()).submit(request);
        // a request given up (deadline, drain) stops a pipeline's run too, not only the answer
        try (Batch o = await(done, model.name, model::cancel)) {
            return InferenceCodec.encodeParts(model, request, finite(model, o));
        }
    }

    /**
     * {@link #infer(ModelRepository.Entry, byte[], int)} without a waiting thread: the request is checked and queued now,
     * the answer encoded by whoever completes its batch.
     *
     * @throws RequestException for a request refused before it is queued
     */
    CompletableFuture<InferenceCodec.Encoded> inferAsync(ModelRepository.Entry record, byte[] body, int jsonBytes) {
        ServedModel model = record.model;
        InferenceCodec.Request request =
                bounded(InferenceCodec.parse(body, jsonBytes, model, config.maxRowsPerRequest()), record);
        CompletableFuture<Batch> done =
                repository.batcher(record, request.overrides()).submit(request);
        CompletableFuture<InferenceCodec.Encoded> encoded = new CompletableFuture<>();
        var unused = done.whenComplete((rows, failure) -> {
            try (Batch o = answer(done, model.name)) {
                encoded.complete(InferenceCodec.encodeParts(model, request, finite(model, o)));
            } catch (RuntimeException e) {
                encoded.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                encoded.completeExceptionally(e);
            }
        });
        return encoded;
    }

    /**
     * The request if it is within the config's limits; else refused (400 naming the limit), its rows closed.
     * Checked before the request is queued, so no model ever sees more than the limits allow.
     */
    InferenceCodec.Request bounded(InferenceCodec.Request request, ModelRepository.Entry record) {
        try {
            ServeConfig.Limits limits = config.limits();
            int rows = request.batch().rows();
            String prompt = record.model.text() && rows > 0
                    ? request.batch().meta(0).tags().get("text")
                    : null;
            if (prompt != null) {
                int bytes = prompt.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > limits.maxPromptBytes()) {
                    throw new RequestException(
                            400,
                            "the prompt is " + bytes + " bytes (UTF-8); at most " + limits.maxPromptBytes()
                                    + " (limits.maxPromptBytes)");
                }
            }
            Long tokens = number(request.overrides().get("maxTokens"));
            if (tokens != null && tokens > limits.maxTokens()) {
                throw new RequestException(
                        400,
                        "maxTokens " + tokens + " is more than a request may ask for; at most " + limits.maxTokens()
                                + " (limits.maxTokens)");
            }
            if (record.model.parameters().containsKey("samples")) {
                Object given = request.overrides().containsKey("samples")
                        ? request.overrides().get("samples")
                        : record.config.with().get("samples");
                Long samples = number(given == null ? null : given.toString());
                if (samples != null && samples * (long) rows > limits.maxSamplesTimesRows()) {
                    throw new RequestException(
                            400,
                            "samples " + samples + " x " + rows + " rows = " + samples * rows + "; at most "
                                    + limits.maxSamplesTimesRows() + " a request (limits.maxSamplesTimesRows)");
                }
            }
            return request;
        } catch (RequestException e) {
            request.batch().close();
            throw e;
        }
    }

    /**
     * The answer if its float outputs are all finite; else, as the config's {@code nonFinite:} says, a 500
     * naming the output and row (fail) or the answer, with one warning per model on stderr (warn: JSON carries
     * such values as null).
     */
    Batch finite(ServedModel model, Batch out) {
        for (String column : out.columnNames()) {
            Tensor t = out.column(column);
            if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
                continue;
            }
            float[] f = t.dtype() == DType.FLOAT32 ? t.toFloatArray() : null;
            double[] d = f == null ? t.toDoubleArray() : null;
            int n = f != null ? f.length : d.length;
            long perRow = out.rows() == 0 ? 1 : Math.max(1, n / out.rows());
            for (int i = 0; i < n; i++) {
                double v = f != null ? f[i] : d[i];
                if (!Double.isFinite(v)) {
                    String what =
                            "model " + model.name + " answered " + v + " in output '" + column + "', row " + i / perRow;
                    if (config.nonFinite() == NonFinitePolicy.FAIL) {
                        throw new RequestException(
                                500, what + " (nonFinite: fail; nonFinite: warn sends it, as null in JSON)");
                    }
                    if (warnedNonFinite.add(model.name)) {
                        System.err.println("genpipe serve: warning: " + what + " (nonFinite: warn; said once)");
                    }
                    return out;
                }
            }
        }
        return out;
    }

    /** A whole number given as text, or null (the component's binder judges anything else). */
    private static Long number(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A request's rows of the output, waiting at most the request timeout — or, once the server is stopping,
     * until the drain's time is up: then 503 (the work is dropped; its rows closed when they come).
     */
    Batch await(CompletableFuture<Batch> done, String name) throws InterruptedException {
        return await(done, name, () -> {});
    }

    /** As {@link #await(CompletableFuture, String)}; {@code giveUp} stops the work when the answer is given up. */
    Batch await(CompletableFuture<Batch> done, String name, Runnable giveUp) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REQUEST_TIMEOUT_S);
        while (System.nanoTime() - deadline < 0) {
            try {
                done.get(50, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (drainOver()) {
                    giveUp.run();
                    var unused = done.thenAccept(Batch::close);
                    throw new RequestException(503, stopped(name));
                }
            } catch (ExecutionException e) {
                break;
            }
        }
        if (!done.isDone()) {
            giveUp.run(); // the deadline passed: the work stops too, not only the answer (504 below)
        }
        return answer(done, name);
    }

    /** Whether the server is stopping and the drain's time is up. */
    boolean drainOver() {
        return draining && System.nanoTime() - drainBy > 0;
    }

    static String stopped(String name) {
        return "the server is shutting down; model " + name + " did not finish this request within the " + DRAIN_S
                + " s drain";
    }

    /** Counts one answered request of {@code model} with its status, as HTTP statuses name them. */
    void count(String model, int status, long startNanos) {
        metrics.requests.labelValues(model, Integer.toString(status)).inc();
        metrics.requestSeconds.labelValues(model).observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** Checks a request's model version ("" for any): the one served now. */
    static void version(ModelRepository.Entry r, String v) {
        if (!v.isEmpty() && !v.equals(r.model.version)) {
            throw new RequestException(
                    404, "model " + r.name() + " has no version '" + v + "'; its versions: [" + r.model.version + "]");
        }
    }

    /** A batcher for {@code m} (the config's model or a variant of it) with the config's batching, its timings in the model's metrics. */
    private Batcher newBatcher(ServedModel m, ServeConfig.ModelConfig c) {
        Batcher.Listener timings = (rows, queued, infer) -> {
            metrics.batchRows.labelValues(m.name).observe(rows);
            metrics.queueSeconds.labelValues(m.name).observe(queued);
            metrics.inferSeconds.labelValues(m.name).observe(infer);
        };
        if (m.text() && !c.mode().equals("static")) {
            TokenGenerator joinable = ContinuousBatcher.joinable(m);
            if (joinable != null) {
                return new ContinuousBatcher(m, joinable, c.maxBatchSize(), c.queueCapacity(), timings);
            }
            if (c.mode().equals("continuous")) {
                throw new GenpipeException(m.use + " cannot take requests while it decodes (its step model is not"
                        + " joinable); use batching mode static or auto");
            }
        }
        return new DynamicBatcher(m, c.maxBatchSize(), c.maxQueueDelayMs(), c.queueCapacity(), timings);
    }

    private static final AtomicLong INCIDENTS = new AtomicLong();

    /**
     * A failure that is the server's, not the request's: the answer (500) names the model and the kind of
     * failure and a reference; the details — messages that may hold model file paths or ONNX Runtime status
     * codes, the stack — go to the server's standard error under that reference.
     */
    static RequestException internal(String where, Throwable cause) {
        long ref = INCIDENTS.incrementAndGet();
        System.err.println("genpipe serve: internal error #" + ref + " in " + where + ":");
        cause.printStackTrace(System.err);
        return new RequestException(
                500,
                "internal error in " + where + " (" + cause.getClass().getSimpleName()
                        + "); the server's log has the details under #" + ref);
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
                        : internal("model " + name, failure);
            }
            if (cause instanceof GenpipeException) {
                throw new RequestException(400, "model " + name + ": " + cause.getMessage());
            }
            throw internal("model " + name, cause);
        } catch (TimeoutException e) {
            var unused = done.thenAccept(Batch::close); // nobody will read it: closed when it comes
            throw new RequestException(504, "model " + name + " did not answer within " + REQUEST_TIMEOUT_S + " s");
        }
    }

    Map<String, Object> metadata(ModelRepository.Entry r) {
        ServedModel m = r.model;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name);
        out.put("versions", List.of(m.version));
        out.put("platform", "genpipe");
        out.put("inputs", ports(m.inputs()));
        out.put("outputs", ports(m.outputs()));
        ServeConfig.ModelConfig c = r.config;
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

    static String genpipeVersion() {
        String v = GenpipeServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Not ready any more, no new requests; those queued and in flight are answered; then the port closes and the sessions. */
    @Override
    public void close() {
        ready = false;
        drainBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_S);
        draining = true;
        if (grpc != null) {
            grpc.shutdown();
        }
        // requests in flight get the drain's time; then they are answered 503 (streams: an error event)
        drained = repository.close(DRAIN_S + 1);
        if (grpc != null) {
            grpc.close();
        }
        http.stop();
    }
}
