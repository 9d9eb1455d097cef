package io.genpipe.serve;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.Generator;
import io.genpipe.api.data.Batch;
import io.genpipe.runtime.Genpipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {

    private static InferenceCodec.Request request(ServedModel m, long seed, int rows) {
        return InferenceCodec.parse(
                ("{\"parameters\": {\"seed\": " + seed + ", \"label\": 2, \"rows\": " + rows + "}}").getBytes(UTF_8),
                m,
                64);
    }

    @Test
    void gathersUpToMaxBatchSizeAnswersEachItsOwnRowsAndRefusesAfterClose() throws Exception {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            Generator g = genpipe.generator("gan-generator", Map.of());
            ServedModel m = new ServedModel("gan", "gan-generator", g);
            List<Integer> batches = new ArrayList<>();
            DynamicBatcher b = new DynamicBatcher(m, 8, 200, 16, (rows, q, i) -> {
                synchronized (batches) {
                    batches.add(rows);
                }
            });
            List<CompletableFuture<Batch>> done = new ArrayList<>();
            for (int r = 0; r < 5; r++) {
                done.add(b.submit(request(m, r, 3)));
            }
            for (int r = 0; r < 5; r++) {
                try (Batch out = done.get(r).get(30, TimeUnit.SECONDS)) {
                    assertEquals(3, out.rows());
                    assertEquals("seed-" + r + "/row-2", out.meta(2).id());
                    assertEquals(Integer.valueOf(2), out.meta(0).label());
                }
            }
            // 15 rows in requests of 3, at most 8 per call, 200 ms to gather: calls of 6, 6 and 3
            assertEquals(List.of(6, 6, 3), batches);
            b.close();
            RequestException refused = assertThrows(RequestException.class, () -> b.submit(request(m, 9, 1)));
            assertEquals(503, refused.status());
            assertEquals("the server is shutting down; model gan takes no new requests", refused.getMessage());
            assertEquals(0, genpipe.onnx().liveNativeValues());
        }
    }
}
