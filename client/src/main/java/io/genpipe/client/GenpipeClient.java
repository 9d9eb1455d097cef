package io.genpipe.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A client of genpipe serve (or any Open Inference Protocol server) over HTTP — tensors sent and answered as
 * binary, not decimal JSON — or gRPC. Every call has a timeout; a request the server is too busy for (429) or
 * not ready for (503) is tried again after a pause that doubles each time (with jitter), up to the retries
 * asked for; any other refusal is a {@link GenpipeClientException} with the server's status and message.
 * Thread-safe: one client serves many threads.
 *
 * <pre>{@code
 * try (GenpipeClient client = GenpipeClient.http("http://127.0.0.1:8080").build()) {
 *     try (InferResponse r = client.infer(InferRequest.to("gan").seed(7).rows(4).build())) {
 *         Tensor images = r.tensor("image");   // FP32 [4, 1, 28, 28]
 *     }
 * }
 * }</pre>
 */
public final class GenpipeClient implements AutoCloseable {

    private final Transport transport;
    private final Duration timeout;
    private final int retries;
    private final Duration backoff;
    private final Duration maxBackoff;

    private GenpipeClient(Builder b, Transport transport) {
        this.transport = transport;
        this.timeout = b.timeout;
        this.retries = b.retries;
        this.backoff = b.backoff;
        this.maxBackoff = b.maxBackoff;
    }

    /** A client of the server at {@code baseUri} ({@code http://host:port}), over HTTP. */
    public static Builder http(String baseUri) {
        return new Builder(URI.create(baseUri), null, 0);
    }

    /** A client of the server's gRPC port. */
    public static Builder grpc(String host, int port) {
        return new Builder(null, host, port);
    }

    /** Whether the server answers at all. */
    public boolean live() {
        return transport.live(timeout);
    }

    /** Whether the server is ready for inference. */
    public boolean ready() {
        return transport.ready(timeout);
    }

    /** The protocol extensions the server implements. */
    public List<String> extensions() {
        return retrying(() -> transport.extensions(timeout));
    }

    /** A model's versions and tensors. */
    public ModelInfo model(String name) {
        return retrying(() -> transport.model(name, timeout));
    }

    /** One inference; the answer's tensors are the caller's to close (close the response). */
    public InferResponse infer(InferRequest request) {
        return retrying(() -> transport.infer(request, timeout));
    }

    /**
     * A text generation, streamed: its pieces as the server makes them. {@code parameters}: {@code seed} and the
     * generator's own ({@code temperature}, {@code maxTokens}, ...).
     */
    public TextStream generate(String model, String prompt, Map<String, Object> parameters) {
        return retrying(() -> transport.generate(model, prompt, parameters, timeout));
    }

    /** The whole continuation at once. */
    public String generateText(String model, String prompt, Map<String, Object> parameters) {
        try (TextStream s = generate(model, prompt, parameters)) {
            return s.completion();
        }
    }

    private <T> T retrying(Supplier<T> call) {
        long pause = backoff.toMillis();
        for (int attempt = 0; ; attempt++) {
            try {
                return call.get();
            } catch (GenpipeClientException e) {
                if (!e.retryable() || attempt >= retries) {
                    throw e;
                }
            }
            try {
                // jitter: clients refused together do not all come back together
                Thread.sleep(pause / 2 + (long) (Math.random() * (pause / 2 + 1)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GenpipeClientException(0, "interrupted while waiting to try again", e);
            }
            pause = Math.min(pause * 2, maxBackoff.toMillis());
        }
    }

    @Override
    public void close() {
        transport.close();
    }

    /** How the client talks to the server. */
    public static final class Builder {

        private final URI http;
        private final String host;
        private final int port;
        private Duration timeout = Duration.ofSeconds(60);
        private int retries = 3;
        private Duration backoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private int maxMessageBytes = 64 << 20;

        private Builder(URI http, String host, int port) {
            this.http = http;
            this.host = host;
            this.port = port;
        }

        /** The longest a call waits for its answer (and a text stream for its next piece); default 60 s. */
        public Builder timeout(Duration callTimeout) {
            this.timeout = callTimeout;
            return this;
        }

        /** How many times a call refused with 429 or 503 is tried again (default 3; 0: never). */
        public Builder retries(int times) {
            if (times < 0) {
                throw new IllegalArgumentException("retries must be 0 or more; found " + times);
            }
            this.retries = times;
            return this;
        }

        /** The first pause before trying again (default 100 ms); each next one doubles, up to {@code max}. */
        public Builder backoff(Duration first, Duration max) {
            this.backoff = first;
            this.maxBackoff = max;
            return this;
        }

        /** The largest answer accepted over gRPC (default 64 MiB). */
        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        public GenpipeClient build() {
            Transport t =
                    http != null ? new HttpTransport(http, timeout) : new GrpcTransport(host, port, maxMessageBytes);
            return new GenpipeClient(this, t);
        }
    }
}
