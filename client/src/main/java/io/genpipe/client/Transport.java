package io.genpipe.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One protocol's calls; each throws {@link GenpipeClientException} with the server's status and message. */
interface Transport extends AutoCloseable {

    boolean live(Duration timeout);

    boolean ready(Duration timeout);

    List<String> extensions(Duration timeout);

    ModelInfo model(String name, Duration timeout);

    InferResponse infer(InferRequest request, Duration timeout);

    /** Starts a generation; fails here (not in the stream) when the server refuses it before any piece. */
    TextStream generate(String model, String prompt, Map<String, Object> parameters, Duration timeout);

    @Override
    void close();
}
