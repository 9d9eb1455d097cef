package io.genpipe.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genpipe.api.data.Batch;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.Problem;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP front end: KServe v2 over HTTP (JSON and the binary tensor extension), the generate extension
 * with Server-Sent Events, the model repository extension, /metrics and the playground page, on Javalin
 * (Jetty 12) — routes, bodies and streams only; the server ({@link GenpipeServer}) checks, batches and
 * answers, as it does for the gRPC front end.
 */
final class HttpFrontEnd {

    /** The playground page at {@code /}: plain HTML and a little JS over the same endpoints. */
    private static final byte[] PLAYGROUND = playground();

    private final GenpipeServer server;
    private final ServeConfig config;
    private final ModelRepository repository;
    private final Javalin app;

    HttpFrontEnd(GenpipeServer server, ServeConfig config) {
        this.server = server;
        this.config = config;
        this.repository = server.repository;
        this.app = Javalin.create(j -> {
            j.startup.showJavalinBanner = false;
            j.jetty.host = config.host();
            j.jetty.port = config.port();
            j.http.maxRequestSize = config.maxRequestBytes();
            // Jetty's own refusals (bad HTTP, 414, 431, ...) as JSON in genpipe's words, not HTML pages
            j.jetty.modifyServer(jetty -> jetty.setErrorHandler(new JsonErrors()));
            j.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrors()));
            j.routes.get(
                    "/",
                    ctx -> ctx.status(200)
                            .contentType("text/html; charset=utf-8")
                            .result(PLAYGROUND));
            j.routes.get("/v2/health/live", ctx -> json(ctx, 200, Map.of("live", true)));
            j.routes.get(
                    "/v2/health/ready", ctx -> json(ctx, server.ready() ? 200 : 503, Map.of("ready", server.ready())));
            j.routes.get(
                    "/v2",
                    ctx -> json(
                            ctx,
                            200,
                            Map.of(
                                    "name",
                                    "genpipe",
                                    "version",
                                    GenpipeServer.genpipeVersion(),
                                    "extensions",
                                    GenpipeServer.EXTENSIONS)));
            j.routes.get("/v2/models", ctx -> json(ctx, 200, Map.of("models", index())));
            j.routes.get(
                    "/v2/models/{name}",
                    ctx -> json(ctx, 200, server.metadata(repository.peek(ctx.pathParam("name")))));
            j.routes.get("/v2/models/{name}/ready", ctx -> {
                repository.peek(ctx.pathParam("name"));
                json(ctx, server.ready() ? 200 : 503, Map.of("name", ctx.pathParam("name"), "ready", server.ready()));
            });
            j.routes.post("/v2/models/{name}/infer", this::infer);
            // the version metadata advertises (the one served now)
            j.routes.get("/v2/models/{name}/versions/{version}", ctx -> {
                ModelRepository.Entry r = repository.peek(ctx.pathParam("name"));
                version(ctx);
                json(ctx, 200, server.metadata(r));
            });
            // the model repository extension: what is served, loading (again) and unloading
            j.routes.post("/v2/repository/index", ctx -> json(ctx, 200, repository.index()));
            j.routes.post("/v2/repository/models/{name}/load", this::load);
            j.routes.post("/v2/repository/models/{name}/unload", ctx -> {
                repository.unload(ctx.pathParam("name"));
                json(ctx, 200, Map.of());
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
                            .result(server.metrics.scrape()));
            j.routes.exception(RequestException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            j.routes.exception(
                    Exception.class,
                    (e, ctx) -> error(
                            ctx,
                            500,
                            GenpipeServer.internal(ctx.method() + " " + ctx.path(), e)
                                    .getMessage()));
            j.routes.error(404, ctx -> {
                if (ctx.attribute("genpipe.error") == null) {
                    error(
                            ctx,
                            404,
                            "no such endpoint: " + ctx.method() + " " + ctx.path()
                                    + "; genpipe serve answers / (the playground), /v2/health/live,"
                                    + " /v2/health/ready, /v2/models, /v2/models/NAME, POST /v2/models/NAME/infer (tensors),"
                                    + " POST /v2/models/NAME/generate and generate_stream (text), POST /v2/repository/index"
                                    + " and /v2/repository/models/NAME/load and unload, and /metrics");
                }
            });
        });
    }

    void start() {
        app.start();
    }

    int port() {
        return app.port();
    }

    void stop() {
        app.stop();
    }

    private void infer(Context ctx) throws Exception {
        long start = System.nanoTime();
        String name = ctx.pathParam("name");
        ModelRepository.Entry record = repository.acquire(name);
        ServedModel model = record.model;
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
            String headerLength = ctx.header(GenpipeServer.HEADER_LENGTH);
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
                            GenpipeServer.HEADER_LENGTH
                                    + " must be the JSON header's length in bytes (0: the body is the one"
                                    + " input's raw tensor); found '" + headerLength + "'");
                }
            }
            InferenceCodec.Encoded response = server.infer(record, body, jsonBytes);
            status = 200;
            if (response.binary().length == 0) {
                ctx.status(200).contentType("application/json").result(response.json());
            } else {
                byte[] whole = new byte[response.json().length + response.binary().length];
                System.arraycopy(response.json(), 0, whole, 0, response.json().length);
                System.arraycopy(response.binary(), 0, whole, response.json().length, response.binary().length);
                ctx.status(200)
                        .contentType("application/octet-stream")
                        .header(GenpipeServer.HEADER_LENGTH, Integer.toString(response.json().length))
                        .result(whole);
            }
        } catch (RequestException e) {
            status = e.status();
            throw e;
        } finally {
            repository.release(record);
            server.count(name, status, start);
        }
    }

    /**
     * {@code POST /v2/repository/models/NAME/load}: serves the model as the body's
     * {@code {"parameters": {"config": ...}}} says (a model entry of a serve config, as JSON text or an object:
     * use/with/batching, or pipeline/input/output), or else as the serve config file says now (re-read). A
     * model already served keeps serving until the new one is built, then requests move to it without a gap.
     */
    private void load(Context ctx) throws Exception {
        String name = ctx.pathParam("name");
        byte[] body = body(ctx);
        JsonNode given = null;
        if (body.length > 0) {
            JsonNode root;
            try {
                root = InferenceCodec.JSON.readTree(body);
            } catch (IOException e) {
                throw new RequestException(
                        400, "a load request's body is JSON: {\"parameters\": {\"config\": {...}}} (or empty)");
            }
            JsonNode c = root == null ? null : root.path("parameters").path("config");
            if (c != null && !c.isMissingNode()) {
                given = c;
            }
        }
        ServeConfig read;
        try {
            if (given == null) {
                read = new ServeConfigReader().read(config.file());
            } else {
                JsonNode model = given.isTextual() ? InferenceCodec.JSON.readTree(given.asText()) : given;
                if (model == null || !model.isObject()) {
                    throw new RequestException(
                            400,
                            "parameters.config must be a model's config (an object, or JSON text of one), e.g."
                                    + " {\"use\": \"gan-generator\", \"batching\": {\"maxBatchSize\": 32}}");
                }
                // a request must never make the server read a file it names: files are the serve config's alone
                String use = model.path("use").asText("");
                List<String> files = new ArrayList<>();
                if (model.has("pipeline")) {
                    files.add("pipeline");
                }
                for (String p : repository.fileParameters(use)) {
                    if (model.path("with").has(p)) {
                        files.add("with." + p);
                    }
                }
                if (!files.isEmpty()) {
                    throw new RequestException(
                            400,
                            "a load request's config may not name files (" + String.join(", ", files)
                                    + "); put the model in " + config.file().getFileName()
                                    + " and load it by name, without a body");
                }
                ObjectNode entry = InferenceCodec.JSON.createObjectNode();
                entry.put("name", name);
                entry.setAll((ObjectNode) model);
                ObjectNode whole = InferenceCodec.JSON.createObjectNode();
                whole.putArray("models").add(entry);
                read = new ServeConfigReader()
                        .read(
                                config.file().resolveSibling("load-request-" + name + ".json"),
                                InferenceCodec.JSON.writeValueAsString(whole));
            }
        } catch (PipelineException e) {
            throw new RequestException(400, "cannot load model " + name + ": " + problems(e.problems()));
        } catch (IOException e) {
            throw new RequestException(400, "parameters.config is not JSON: " + e.getMessage());
        }
        ServeConfig.ModelConfig m = read.models().stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new RequestException(
                        400,
                        "model " + name + " is not in " + config.file().getFileName() + " (its models: "
                                + read.models().stream()
                                        .map(ServeConfig.ModelConfig::name)
                                        .toList()
                                + "); give its config in the body: {\"parameters\": {\"config\": {\"use\": ...}}}"));
        int version;
        try {
            version = repository.load(m);
        } catch (ModelRepository.LoadFailure e) {
            throw new RequestException(400, "cannot load model " + name + ": " + problems(e.problems));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", name);
        answer.put("version", Integer.toString(version));
        json(ctx, 200, answer);
    }

    private static String problems(List<Problem> problems) {
        return String.join("; ", problems.stream().map(Problem::toString).toList());
    }

    /** Checks the path's model version: a served model has the one version its metadata lists. */
    private void version(Context ctx) {
        GenpipeServer.version(repository.peek(ctx.pathParam("name")), ctx.pathParam("version"));
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
        } catch (HttpResponseException e) {
            // a chunked body (no Content-Length) that grew past the limit
            throw new RequestException(
                    e.getStatus() == 413 ? 413 : 400,
                    e.getStatus() == 413
                            ? "the request body is more than " + config.maxRequestBytes()
                                    + " bytes (limits.maxRequestBytes)"
                            : "the request body could not be read: " + e.getMessage());
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
        ModelRepository.Entry record = repository.acquire(name);
        ServedModel model = record.model;
        int status = 500;
        try {
            if (!model.text()) {
                throw new RequestException(
                        400, "model " + name + " does not generate text; POST /v2/models/" + name + "/infer");
            }
            byte[] body = body(ctx);
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            RequestListener listener = new RequestListener(
                    stream ? (row, piece) -> events.add(event(Map.of("text_output", piece))) : null, server::drainOver);
            InferenceCodec.Request request =
                    server.bounded(InferenceCodec.parseGenerate(body, model, listener), record);
            CompletableFuture<Batch> done =
                    repository.batcher(record, request.overrides()).submit(request);
            if (!stream) {
                try (Batch out = server.await(done, name, listener::cancel)) {
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
                // the client went away: its generation stops at the next token, its rows are closed then
                listener.cancel();
                var unused = done.thenAccept(Batch::close);
                status = 499;
            }
        } catch (RequestException e) {
            status = e.status();
            throw e;
        } finally {
            repository.release(record);
            server.count(name, status, start);
        }
    }

    /** Writes the pieces as they come, then the final event (or an error event). */
    private void stream(OutputStream out, BlockingQueue<String> events, CompletableFuture<Batch> done, String name)
            throws IOException, InterruptedException {
        while (true) {
            if (server.drainOver()) {
                // shutting down and the drain's time is up: the stream ends with an error event, the work is dropped
                var unused = done.thenAccept(Batch::close);
                out.write(("event: error\ndata: "
                                + new String(InferenceCodec.error(GenpipeServer.stopped(name)), StandardCharsets.UTF_8)
                                + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            }
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
        try (Batch o = GenpipeServer.answer(done, name)) {
            if ("cancelled".equals(o.meta(0).tags().get("finish")) && server.drainOver()) {
                // the drain's end stopped it (between two looks at the clock above): the stream's error event
                throw new RequestException(503, GenpipeServer.stopped(name));
            }
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

    private static String event(Map<String, Object> fields) {
        try {
            return InferenceCodec.JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Map<String, Object>> index() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ModelRepository.Entry r : repository.served()) {
            ServedModel m = r.model;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", m.name);
            entry.put("use", m.use);
            entry.put("role", m.role());
            entry.put("text", m.text());
            entry.put("ready", server.ready());
            out.add(entry);
        }
        return out;
    }

    private static byte[] playground() {
        try (InputStream in = HttpFrontEnd.class.getResourceAsStream("playground.html")) {
            if (in == null) {
                throw new IllegalStateException("playground.html is missing from genpipe-serve's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void json(Context ctx, int status, Object body) throws Exception {
        ctx.status(status).contentType("application/json").result(InferenceCodec.JSON.writeValueAsBytes(body));
    }

    private static void error(Context ctx, int status, String message) {
        ctx.attribute("genpipe.error", true);
        ctx.status(status).contentType("application/json").result(InferenceCodec.error(message));
    }
}
