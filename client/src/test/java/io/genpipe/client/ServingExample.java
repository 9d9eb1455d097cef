package io.genpipe.client;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import java.io.PrintStream;
import java.util.Map;

/** docs/SERVING.md's Java example, verbatim between the markers; ClientTest runs it and checks the doc holds it. */
final class ServingExample {

    private ServingExample() {}

    static void run(String httpUrl, int grpcPort, PrintStream out) {
        // example:start
        try (GenpipeClient http = GenpipeClient.http(httpUrl).build();
                GenpipeClient grpc = GenpipeClient.grpc("127.0.0.1", grpcPort).build()) {
            // four generated images, classes 0-3, from seed 7 (the same bytes over HTTP and gRPC)
            try (InferResponse gan = http.infer(
                            InferRequest.to("gan").seed(7).labels(0, 1, 2, 3).build());
                    Batch images = gan.batch()) {
                out.println("gan: " + images.rows() + " rows, "
                        + images.column("image").typeString() + ", labels "
                        + images.meta(3).label());
                // score them with the VAE, over gRPC
                try (InferResponse scored =
                        grpc.infer(InferRequest.to("vae-score").batch(images).build())) {
                    BufferTensor score = scored.tensor("score");
                    out.printf("scores: %.3f %.3f %.3f %.3f%n", (Object[]) box(score.toDoubleArray()));
                }
            }
            // text, piece by piece as the model makes it
            try (TextStream text = grpc.generate("gpt", "The ", Map.of("seed", 3))) {
                StringBuilder pieces = new StringBuilder();
                text.forEachRemaining(pieces::append);
                out.println("gpt: " + pieces + " [" + text.finish() + "]");
            }
        }
        // example:end
    }

    private static Double[] box(double[] v) {
        Double[] out = new Double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
