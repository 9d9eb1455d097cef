package io.genpipe.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** What {@code /metrics} shows, in Prometheus' text format. */
final class ServeMetrics {

    private static final double[] SECONDS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    };
    private static final double[] ROWS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder()
            .name("genpipe_serve_requests")
            .help("inference requests by model and HTTP status")
            .labelNames("model", "status")
            .register(registry);
    final Histogram requestSeconds = Histogram.builder()
            .name("genpipe_serve_request_duration_seconds")
            .help("whole request: parse, queue, inference, encode")
            .labelNames("model")
            .classicOnly()
            .classicUpperBounds(SECONDS)
            .register(registry);
    final Histogram queueSeconds = Histogram.builder()
            .name("genpipe_serve_queue_duration_seconds")
            .help("time the oldest request of a batch waited before it ran")
            .labelNames("model")
            .classicOnly()
            .classicUpperBounds(SECONDS)
            .register(registry);
    final Histogram inferSeconds = Histogram.builder()
            .name("genpipe_serve_inference_duration_seconds")
            .help("one component call over a gathered batch")
            .labelNames("model")
            .classicOnly()
            .classicUpperBounds(SECONDS)
            .register(registry);
    final Histogram batchRows = Histogram.builder()
            .name("genpipe_serve_batch_size")
            .help("rows run in one component call")
            .labelNames("model")
            .classicOnly()
            .classicUpperBounds(ROWS)
            .register(registry);

    ServeMetrics(Supplier<Map<String, Batcher>> batchers, LongSupplier nativeValues) {
        GaugeWithCallback.builder()
                .name("genpipe_serve_queue_depth")
                .help("requests waiting for their batch")
                .labelNames("model")
                .callback(cb -> batchers.get().forEach((name, b) -> cb.call(b.depth(), name)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("genpipe_serve_native_values")
                .help("ONNX Runtime values held open (0 when idle)")
                .callback(cb -> cb.call((double) nativeValues.getAsLong()))
                .register(registry);
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
