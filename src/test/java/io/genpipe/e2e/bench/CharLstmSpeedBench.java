package io.genpipe.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.runtime.Genpipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Character-LSTM generation speed, one run: the prompts of pipelines/text/prompts.txt, one at a
 * time (batch 1), greedy, up to 300 characters each, 2 intra-op threads. (a) char-lstm-generator
 * carrying the LSTM state between characters; (b) the same component recomputing the whole prefix
 * from a zero state at every character; (c) PyTorch eager with the state carried
 * (plugins/autoregressive/train/bench_torch.py, weights read from the same ONNX file); (d) (a) with
 * all prompts in one batch of 8. Best of 3 passes after a warm-up. Greedy decoding makes the three
 * texts comparable: the bench reports whether they are identical.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=CharLstmSpeedBench</pre>
 */
public final class CharLstmSpeedBench {

    private static final int MAX_TOKENS = 300;
    private static final int REPEAT = 3;
    private static final String MODEL =
            "plugins/autoregressive/src/main/resources/io/genpipe/autoregressive/models/char-lstm.onnx";

    public static void main(String[] args) throws Exception {
        List<String> prompts = Files.readAllLines(Path.of("pipelines/text/prompts.txt")).stream()
                .filter(s -> !s.isBlank())
                .toList();
        try (Genpipe genpipe = Genpipe.builder().threads(2, 1).build()) {
            Result carried = run(genpipe, prompts, "carry", false);
            Result recomputed = run(genpipe, prompts, "recompute", false);
            Result batched = run(genpipe, prompts, "carry", true);
            Result torch = torch(prompts);
            System.out.printf(Locale.ROOT, "%-44s %10s %10s %8s%n", "", "chars/s", "seconds", "chars");
            print("(a) genpipe, state carried, batch 1", carried);
            print("(b) genpipe, prefix recomputed, batch 1", recomputed);
            print("(c) PyTorch eager, state carried, batch 1", torch);
            print("(d) genpipe, state carried, batch 8", batched);
            System.out.printf(
                    Locale.ROOT,
                    "carried / recomputed = %.2fx; genpipe / PyTorch eager = %.2fx; batch 8 / batch 1 = %.2fx%n",
                    carried.rate() / recomputed.rate(),
                    carried.rate() / torch.rate(),
                    batched.rate() / carried.rate());
            System.out.println("texts identical: carried=recomputed " + carried.texts.equals(recomputed.texts)
                    + ", carried=torch " + carried.texts.equals(torch.texts) + ", batch 8=batch 1 "
                    + batched.texts.equals(carried.texts));
        }
    }

    private record Result(double seconds, long chars, List<String> texts) {
        double rate() {
            return chars / seconds;
        }
    }

    private static void print(String name, Result r) {
        System.out.printf(Locale.ROOT, "%-44s %10.0f %10.3f %8d%n", name, r.rate(), r.seconds, r.chars);
    }

    private static Batch rows(List<String> prompts, int from, int to) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = from; i < to; i++) {
            meta.add(new RowMeta("p-" + i, null, "bench", null, Map.of("text", prompts.get(i))));
        }
        return Batch.builder(to - from).meta(meta).build();
    }

    private static Result run(Genpipe genpipe, List<String> prompts, String state, boolean oneBatch) {
        TextGenerator g = (TextGenerator) genpipe.generator(
                "char-lstm-generator", Map.of("sampling", "greedy", "maxTokens", MAX_TOKENS, "state", state));
        double best = Double.MAX_VALUE;
        List<String> texts = new ArrayList<>();
        long chars = 0;
        for (int pass = 0; pass <= REPEAT; pass++) {
            texts.clear();
            chars = 0;
            long start = System.nanoTime();
            int step = oneBatch ? prompts.size() : 1;
            for (int from = 0; from < prompts.size(); from += step) {
                try (Batch in = rows(prompts, from, from + step);
                        Batch out = g.generate(in, new RandomSource(1))) {
                    for (RowMeta m : out.meta()) {
                        texts.add(m.tags().get("completion"));
                        chars += m.tags().get("completion").length();
                    }
                }
            }
            if (pass > 0) {
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
        }
        return new Result(best, chars, List.copyOf(texts));
    }

    private static Result torch(List<String> prompts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "/usr/bin/python3",
                "bench_torch.py",
                Path.of(MODEL).toAbsolutePath().toString(),
                Integer.toString(MAX_TOKENS),
                Integer.toString(REPEAT)));
        cmd.addAll(prompts);
        Process p = new ProcessBuilder(cmd)
                .directory(Path.of("plugins/autoregressive/train").toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("bench_torch.py failed: " + out);
        }
        JsonNode json = new ObjectMapper().readTree(out);
        List<String> texts = new ArrayList<>();
        json.get("texts").forEach(t -> texts.add(t.asText()));
        return new Result(json.get("seconds").asDouble(), json.get("chars").asLong(), texts);
    }
}
