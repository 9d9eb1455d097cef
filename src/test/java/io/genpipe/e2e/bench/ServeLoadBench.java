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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

/**
 * genpipe serve under load, loopback only, server and clients in this JVM (2 cores shared): 32
 * closed-loop clients each sending single-image GAN requests (seeded, labelled) for a fixed time,
 * to a model with dynamic batching (maxBatchSize 64, maxQueueDelayMs 5) and to the same model with
 * maxBatchSize 1; throughput, p50 / p99 latency, errors. Then an open-loop overload at 4x the
 * batched throughput against a queue of 64: how many 429s, that nothing else fails, and resident
 * memory before and after. With {@code -Dsoak.minutes=N} (default 0: skipped) a soak: 32 clients
 * for N minutes or 1,000,000 requests, whichever comes first, RSS sampled every 10 s, native values
 * open at the end.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=ServeLoadBench [-Dsoak.minutes=10 [-Dsoak.only=true]]</pre>
 */
public final class ServeLoadBench {

    private static final int CLIENTS = 32;
    private static final int MAX_IN_FLIGHT = 512;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("genpipe-serve-bench");
        Files.writeString(dir.resolve("serve.yaml"), """
                port: 0
                models:
                  - name: batched
                    use: gan-generator
                    batching: {maxBatchSize: 64, maxQueueDelayMs: 5, queueCapacity: 1024}
                  - name: single
                    use: gan-generator
                    batching: {maxBatchSize: 1, maxQueueDelayMs: 0, queueCapacity: 1024}
                  - name: overload
                    use: gan-generator
                    batching: {maxBatchSize: 64, maxQueueDelayMs: 5, queueCapacity: 64}
                """);
        long soakMinutes = Long.getLong("soak.minutes", 0);
        try (Genpipe genpipe = Genpipe.builder().build();
                GenpipeServer server =
                        GenpipeServer.start(new ServeConfigReader().read(dir.resolve("serve.yaml")), genpipe)) {
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newFixedThreadPool(8))
                    .build();
            String base = "http://127.0.0.1:" + server.port() + "/v2/models/";
            boolean soakOnly = Boolean.getBoolean("soak.only");
            closedLoop(http, base + "batched/infer", 5, null); // warm-up, both
            closedLoop(http, base + "single/infer", 5, null);
            if (soakOnly) {
                soak(http, base, soakMinutes, genpipe);
                return;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-28s %10s %10s %10s %10s %8s%n",
                    "32 clients, 1 image each",
                    "requests",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "errors");
            double batchedRate = 0;
            double singleRate = 0;
            for (int round = 0; round < 2; round++) {
                Result b = closedLoop(http, base + "batched/infer", 20, null);
                Result s = closedLoop(http, base + "single/infer", 20, null);
                print("dynamic batching (64, 5 ms)", b);
                print("maxBatchSize 1", s);
                batchedRate = Math.max(batchedRate, b.rate());
                singleRate = Math.max(singleRate, s.rate());
            }
            System.out.printf(
                    Locale.ROOT,
                    "throughput ratio, batched / unbatched (best of 2 rounds each): %.2fx%n",
                    batchedRate / singleRate);

            long rssBefore = BenchSupport.rssKiB();
            double target = 4 * batchedRate;
            ConcurrentHashMap<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
            ScheduledExecutorService ticker = Executors.newScheduledThreadPool(1);
            long periodNanos = (long) (1e9 / target);
            long[] seed = {0};
            AtomicLong peakRss = new AtomicLong(rssBefore);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            var unused = ticker.scheduleAtFixedRate(
                    () -> peakRss.accumulateAndGet(BenchSupport.rssKiB(), Math::max), 0, 500, TimeUnit.MILLISECONDS);
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            LongAdder notSent = new LongAdder();
            long next = System.nanoTime();
            while (next < end) {
                long now = System.nanoTime();
                if (now < next) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(next - now, 2_000_000));
                    continue;
                }
                next += periodNanos;
                inFlight.removeIf(CompletableFuture::isDone);
                if (inFlight.size() >= MAX_IN_FLIGHT) {
                    // the clients (this JVM) cannot hold more: counted, not sent, so the client side stays bounded
                    notSent.increment();
                    continue;
                }
                HttpRequest r = request(base + "overload/infer", ++seed[0]);
                inFlight.add(http.sendAsync(r, HttpResponse.BodyHandlers.ofString())
                        .whenComplete((resp, e) -> statuses.computeIfAbsent(
                                        e != null ? -1 : resp.statusCode(), k -> new LongAdder())
                                .increment()));
            }
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // counted as -1 above
                }
            }
            ticker.shutdownNow();
            long rssAfter = BenchSupport.rssKiB();
            System.out.printf(
                    Locale.ROOT,
                    "overload at 4x (%.0f req/s offered, 20 s, queueCapacity 64): statuses %s, %d not sent (%d in flight"
                            + " already); RSS %.0f MiB before, peak %.0f, after %.0f MiB; native values open %d%n",
                    target,
                    statuses,
                    notSent.sum(),
                    MAX_IN_FLIGHT,
                    rssBefore / 1024.0,
                    peakRss.get() / 1024.0,
                    rssAfter / 1024.0,
                    genpipe.onnx().liveNativeValues());

            if (soakMinutes > 0) {
                soak(http, base, soakMinutes, genpipe);
            }
        }
    }

    /** 32 clients for {@code minutes} or 1,000,000 requests; RSS every 10 s; native values at the end. */
    static void soak(HttpClient http, String base, long minutes, Genpipe genpipe) throws Exception {
        ScheduledExecutorService sampler = Executors.newScheduledThreadPool(1);
        List<String> samples = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        long rssStart = BenchSupport.rssKiB();
        AtomicLong peak = new AtomicLong(rssStart);
        var unused = sampler.scheduleAtFixedRate(
                () -> {
                    long rss = BenchSupport.rssKiB();
                    peak.accumulateAndGet(rss, Math::max);
                    samples.add(String.format(Locale.ROOT, "%.0fs:%.0f", (System.nanoTime() - t0) / 1e9, rss / 1024.0));
                },
                10,
                10,
                TimeUnit.SECONDS);
        Result soak = closedLoop(http, base + "batched/infer", (int) TimeUnit.MINUTES.toSeconds(minutes), 1_000_000L);
        sampler.shutdownNow();
        long rssEnd = BenchSupport.rssKiB();
        System.out.printf(
                Locale.ROOT,
                "soak: %d requests in %.0f s (%.0f req/s), errors %d, p50 %.2f ms, p99 %.2f ms; RSS %.0f MiB at the"
                        + " start, peak %.0f, %.0f MiB at the end (growth %.1f MiB); native values open %d%n",
                soak.count(),
                soak.seconds(),
                soak.rate(),
                soak.errors(),
                soak.percentileMs(0.5),
                soak.percentileMs(0.99),
                rssStart / 1024.0,
                peak.get() / 1024.0,
                rssEnd / 1024.0,
                (rssEnd - rssStart) / 1024.0,
                genpipe.onnx().liveNativeValues());
        System.out.println("RSS MiB every 10 s: " + String.join(" ", samples));
    }

    record Result(long count, long errors, double seconds, long[] latencyNanos) {
        double rate() {
            return count / seconds;
        }

        double percentileMs(double q) {
            long[] s = latencyNanos.clone();
            Arrays.sort(s);
            return s.length == 0 ? Double.NaN : s[(int) Math.min(s.length - 1, Math.floor(q * s.length))] / 1e6;
        }
    }

    static void print(String name, Result r) {
        System.out.printf(
                Locale.ROOT,
                "%-28s %10d %10.0f %10.2f %10.2f %8d%n",
                name,
                r.count(),
                r.rate(),
                r.percentileMs(0.5),
                r.percentileMs(0.99),
                r.errors());
    }

    static HttpRequest request(String url, long seed) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"parameters\": {\"seed\": " + seed + ", \"label\": " + (seed % 10) + "}}"))
                .build();
    }

    /** CLIENTS clients, each sending its next request when its last is answered, for {@code seconds} (or {@code limit} requests). */
    static Result closedLoop(HttpClient http, String url, int seconds, Long limit) throws Exception {
        return closedLoop(http, CLIENTS, seed -> request(url, seed), new AtomicLong(), seconds, limit);
    }

    /**
     * {@code clients} clients, each sending {@code request} of the next seed from {@code seeds} when its last is
     * answered, for {@code seconds} (or {@code limit} requests in all).
     */
    static Result closedLoop(
            HttpClient http, int clients, LongFunction<HttpRequest> request, AtomicLong seeds, int seconds, Long limit)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong count = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        List<Future<long[]>> running = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            running.add(pool.submit(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end && (limit == null || count.get() < limit)) {
                    long t = System.nanoTime();
                    HttpResponse<String> r =
                            http.send(request.apply(seeds.incrementAndGet()), HttpResponse.BodyHandlers.ofString());
                    long took = System.nanoTime() - t;
                    if (r.statusCode() != 200) {
                        errors.incrementAndGet();
                    }
                    count.incrementAndGet();
                    if (n == mine.length) {
                        mine = Arrays.copyOf(mine, n * 2);
                    }
                    mine[n++] = took;
                }
                return Arrays.copyOf(mine, n);
            }));
        }
        for (Future<long[]> f : running) {
            latencies.add(f.get());
        }
        double took = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
        return new Result(count.get(), errors.get(), took, all);
    }
}
