package io.genpipe.serve;

import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.NonFinitePolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code genpipe serve CONFIG.yaml} serves and how.
 *
 * @param file the config file (relative model paths in parameters resolve against its folder)
 * @param host the address to bind (127.0.0.1 unless asked)
 * @param port the port (0: any free one)
 * @param grpcPort the gRPC port (0: any free one; -1: no gRPC; null: the HTTP port + 1, or any free one when
 *     that is 0)
 * @param maxRequestBytes the largest request body accepted
 * @param maxRowsPerRequest the most rows one request may carry
 * @param threads the ONNX Runtime shared pool's size (0: its default)
 * @param device where the models run: cpu (default), cuda, cuda:N or auto
 * @param onMissingDevice fail (default: a device that does not load stops the server before it is
 *     ready) or fallback (run on CPU)
 * @param limits what one request may ask of a model (prompt, tokens, samples)
 * @param nonFinite what a NaN or infinite output does: fail (the request gets a 500 naming it) or warn (sent,
 *     as null in JSON)
 * @param models the served models, in the file's order
 */
public record ServeConfig(
        Path file,
        String host,
        int port,
        Integer grpcPort,
        long maxRequestBytes,
        int maxRowsPerRequest,
        int threads,
        String device,
        String onMissingDevice,
        Limits limits,
        NonFinitePolicy nonFinite,
        List<ModelConfig> models) {

    /** The same config listening elsewhere ({@code --host}, {@code --port}). */
    public ServeConfig at(String newHost, int newPort) {
        return at(newHost, newPort, grpcPort);
    }

    /** The same config listening elsewhere ({@code --host}, {@code --port}, {@code --grpc-port}). */
    public ServeConfig at(String newHost, int newPort, Integer newGrpcPort) {
        return new ServeConfig(
                file,
                newHost,
                newPort,
                newGrpcPort,
                maxRequestBytes,
                maxRowsPerRequest,
                threads,
                device,
                onMissingDevice,
                limits,
                nonFinite,
                models);
    }

    /** The port gRPC listens on: as given, else the HTTP port + 1 (any free one when HTTP's is 0); -1: none. */
    public int grpcPortOrDefault() {
        if (grpcPort != null) {
            return grpcPort;
        }
        return port == 0 ? 0 : port + 1;
    }

    /**
     * Per-request bounds checked before a request reaches a model (each refusal a 400 naming the limit).
     *
     * @param maxPromptBytes the longest prompt a text generator takes (UTF-8 bytes)
     * @param maxTokens the most tokens a request may ask a text generator for (its maxTokens parameter)
     * @param maxSamplesTimesRows the most posterior draws a request may ask for: a scorer's samples parameter
     *     times the request's rows
     */
    public record Limits(int maxPromptBytes, int maxTokens, long maxSamplesTimesRows) {
        public static final Limits DEFAULT = new Limits(16_384, 1_024, 65_536);
    }

    /**
     * One served model: a component by name with its parameters and its batching.
     *
     * @param name the name requests use ({@code /v2/models/NAME/infer})
     * @param use the component ({@code gan-generator}, ...)
     * @param with its parameters, as in a pipeline step
     * @param maxBatchSize most rows run at once (1: no batching)
     * @param maxQueueDelayMs longest a request waits for others to join its batch
     * @param queueCapacity most requests waiting; more are answered 429
     * @param location where the model is declared
     * @param pipeline a pipeline file served instead of a component, or null
     * @param mode how requests are batched: {@code continuous} (a text generator's requests join and leave the
     *     running decode at each step), {@code static} (requests gathered, run together to the end of the
     *     longest) or {@code auto} (continuous where the model supports it)
     */
    public record ModelConfig(
            String name,
            String use,
            Map<String, Object> with,
            int maxBatchSize,
            long maxQueueDelayMs,
            int queueCapacity,
            Location location,
            PipelineRef pipeline,
            String mode) {

        public ModelConfig(
                String name,
                String use,
                Map<String, Object> with,
                int maxBatchSize,
                long maxQueueDelayMs,
                int queueCapacity,
                Location location,
                PipelineRef pipeline) {
            this(name, use, with, maxBatchSize, maxQueueDelayMs, queueCapacity, location, pipeline, "auto");
        }

        public ModelConfig(
                String name,
                String use,
                Map<String, Object> with,
                int maxBatchSize,
                long maxQueueDelayMs,
                int queueCapacity,
                Location location) {
            this(name, use, with, maxBatchSize, maxQueueDelayMs, queueCapacity, location, null);
        }
    }

    /**
     * A served pipeline: a request's rows enter at the source step {@code input}, the rows step {@code output}
     * emits come back.
     *
     * @param file the pipeline file (relative paths in the config resolve against the config's folder)
     * @param input the source step whose rows a request replaces
     * @param output the step whose rows are the answer
     */
    public record PipelineRef(Path file, String input, String output) {}
}
