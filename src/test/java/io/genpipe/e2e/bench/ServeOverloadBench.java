package io.genpipe.e2e.bench;

import io.genpipe.runtime.Genpipe;
import io.genpipe.serve.GenpipeServer;
import io.genpipe.serve.ServeConfigReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * genpipe serve at a true 4x overload. ServeLoadBench's GAN requests are so cheap that the clients of one
 * 2-core machine cannot offer 4x what the server sustains; text generation (the tiny GPT, 60 tokens a
 * request, batched up to 8) is slow enough that they can: 16 closed-loop clients measure the sustainable
 * rate, then an open loop offers 4x that for 30 s against a queue of 64 requests, every request sent
 * (no client-side cap is reached), and the answers are counted by status. Then the closed loop again:
 * the server still answers everything. Resident memory before, peak, after; native values at the end.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=ServeOverloadBench</pre>
 */
public final class ServeOverloadBench {

    private static final int CLIENTS = 16;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("genpipe-serve-overload");
        Files.writeString(dir.resolve("serve.yaml"), """
                port: 0
                models:
                  - name: gpt
                    use: gpt-generator
                    with: {temperature: 0.8, topK: 40, maxTokens: 60}
                    batching: {maxBatchSize: 8, maxQueueDelayMs: 10, queueCapacity: 64}
                """);
        try (Genpipe genpipe = Genpipe.builder().build();
                GenpipeServer server =
                        GenpipeServer.start(new ServeConfigReader().read(dir.resolve("serve.yaml")), genpipe)) {
            ExecutorService httpThreads = Executors.newFixedThreadPool(8, r -> {
                Thread t = new Thread(r, "bench-http");
                t.setDaemon(true); // the JVM ends with main
                return t;
            });
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .executor(httpThreads)
                    .build();
            String url = "http://127.0.0.1:" + server.port() + "/v2/models/gpt/generate";
            AtomicLong seeds = new AtomicLong();
            closedLoop(http, url, seeds, 5); // warm-up
            ServeLoadBench.Result sustained = closedLoop(http, url, seeds, 20);
            ServeLoadBench.print("sustained, 16 clients", sustained);

            long rssBefore = BenchSupport.rssKiB();
            AtomicLong peak = new AtomicLong(rssBefore);
            ScheduledExecutorService sampler = Executors.newScheduledThreadPool(1);
            var unused = sampler.scheduleAtFixedRate(
                    () -> peak.accumulateAndGet(BenchSupport.rssKiB(), Math::max), 0, 250, TimeUnit.MILLISECONDS);
            double offered = 4 * sustained.rate();
            long period = (long) (1e9 / offered);
            Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Long> okLatency = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(30);
            long next = start;
            long late = 0;
            while (next < end) {
                long now = System.nanoTime();
                if (now < next) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(next - now, 1_000_000));
                    continue;
                }
                if (now - next > 50_000_000L) {
                    late++; // the sender fell 50 ms behind its schedule
                }
                next += period;
                long t = System.nanoTime();
                sent.add(http.sendAsync(request(url, seeds.incrementAndGet()), HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, e) -> {
                            int status = e != null ? -1 : r.statusCode();
                            statuses.computeIfAbsent(status, k -> new LongAdder())
                                    .increment();
                            if (status == 200) {
                                okLatency.add(System.nanoTime() - t);
                            }
                        }));
            }
            double sendSeconds = (System.nanoTime() - start) / 1e9;
            for (CompletableFuture<HttpResponse<String>> f : sent) {
                try {
                    f.get(120, TimeUnit.SECONDS);
                } catch (Exception counted) {
                    // counted as -1
                }
            }
            sampler.shutdownNow();
            long rssAfter = BenchSupport.rssKiB();
            Map<Integer, Long> byStatus = new TreeMap<>();
            statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
            long[] ok = okLatency.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(ok);
            System.out.printf(
                    Locale.ROOT,
                    "overload: %.1f req/s offered (4 x %.1f) for 30 s: %d sent in %.1f s (%.1f req/s; %d sends more"
                            + " than 50 ms late), statuses %s; 200s p50 %.0f ms, p99 %.0f ms; RSS %.0f MiB before, peak %.0f, after %.0f MiB%n",
                    offered,
                    sustained.rate(),
                    sent.size(),
                    sendSeconds,
                    sent.size() / sendSeconds,
                    late,
                    byStatus,
                    ok.length == 0 ? Double.NaN : ok[ok.length / 2] / 1e6,
                    ok.length == 0 ? Double.NaN : ok[Math.min(ok.length - 1, (int) (ok.length * 0.99))] / 1e6,
                    rssBefore / 1024.0,
                    peak.get() / 1024.0,
                    rssAfter / 1024.0);
            ServeLoadBench.Result after = closedLoop(http, url, seeds, 10);
            ServeLoadBench.print("after the overload", after);
            System.out.printf(
                    Locale.ROOT,
                    "native values open at the end: %d%n",
                    genpipe.onnx().liveNativeValues());
        }
    }

    static HttpRequest request(String url, long seed) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"text_input\": \"The ship \", \"parameters\": {\"seed\": " + seed + "}}"))
                .build();
    }

    static ServeLoadBench.Result closedLoop(HttpClient http, String url, AtomicLong seeds, int seconds)
            throws Exception {
        return ServeLoadBench.closedLoop(http, CLIENTS, seed -> request(url, seed), seeds, seconds, null);
    }
}
