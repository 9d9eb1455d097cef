package io.genpipe.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.Encoder;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.text.ContinuousDecoder;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.api.text.TokenGenerator;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.Genpipe;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GptTest {

    private static final Path ROOT = Path.of(System.getProperty("genpipe.repo.root"));
    private static final Path MODELS =
            ROOT.resolve("plugins/transformer/src/main/resources/io/genpipe/transformer/models");
    private static Genpipe genpipe;
    private static JsonNode reference;

    @BeforeAll
    static void start() throws Exception {
        genpipe = Genpipe.builder().build();
        try (InputStream in = GptTest.class.getResourceAsStream("/reference/gpt.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        genpipe.close();
    }

    private static Batch rows(String... texts) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            meta.add(new RowMeta("t-" + i, null, "test", null, Map.of("text", texts[i])));
        }
        return Batch.builder(texts.length).meta(meta).build();
    }

    /** Torch's greedy tokens for prompt i, up to (not including) the first end of text. */
    private static int[] expectedGreedy(JsonNode tokens) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode t : tokens) {
            if (t.asInt() == 0) {
                break;
            }
            out.add(t.asInt());
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String decode(int[] ids) {
        return Gpt.VOCABULARY.decode(ids, 0, ids.length);
    }

    @Test
    void greedyDecodingMatchesTorchTokenForTokenCachedAndUncachedAloneAndBatched() {
        JsonNode prompts = reference.get("prompts");
        int steps = reference.get("greedy_steps").asInt();
        String[] texts = new String[prompts.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = prompts.get(i).asText();
        }
        for (boolean cache : new boolean[] {true, false}) {
            Map<String, Object> p = new HashMap<>(Map.of("sampling", "greedy", "maxTokens", steps, "cache", cache));
            TextGenerator g = (TextGenerator) genpipe.generator("gpt-generator", p);
            // torch's own decode in the same mode: with the cache against torch with the cache, without against without
            JsonNode torch = reference.get(cache ? "greedy_cached" : "greedy_uncached");
            // one prompt at a time
            for (int i = 0; i < texts.length; i++) {
                try (Batch in = rows(texts[i]);
                        Batch out = g.generate(in, new RandomSource(1))) {
                    assertEquals(
                            decode(expectedGreedy(torch.get(i))),
                            out.meta(0).tags().get("completion"),
                            "prompt " + i + ", cache " + cache);
                }
            }
            // all prompts in one batch: left padding and per-row positions keep each row's decode exact
            try (Batch in = rows(texts);
                    Batch out = g.generate(in, new RandomSource(1))) {
                for (int i = 0; i < texts.length; i++) {
                    assertEquals(
                            decode(expectedGreedy(torch.get(i))),
                            out.meta(i).tags().get("completion"),
                            "batched prompt " + i + ", cache " + cache);
                }
            }
        }
    }

    private static float[] flat(JsonNode node) {
        List<Float> out = new ArrayList<>();
        collect(node, out);
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    private static void collect(JsonNode node, List<Float> out) {
        if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        } else {
            out.add((float) node.asDouble());
        }
    }

    private static long[] longs(JsonNode node) {
        float[] f = flat(node);
        long[] l = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            l[i] = (long) f[i];
        }
        return l;
    }

    @Test
    void prefillAndDecodeGraphsMatchTorchAndThePresentFeedsThePast() {
        Model prefill = genpipe.model(MODELS.resolve("gpt-prefill.onnx"));
        Model decode = genpipe.model(MODELS.resolve("gpt-decode.onnx"));
        int rows = reference.get("prefill_ids").size();
        int len = reference.get("prefill_ids").get(0).size();
        try (BufferTensor ids = BufferTensor.ofLongs(longs(reference.get("prefill_ids")), rows, len);
                BufferTensor mask = BufferTensor.ofLongs(longs(reference.get("prefill_mask")), rows, len);
                ModelOutputs pre = prefill.run(Map.of("input_ids", ids, "attention_mask", mask))) {
            float[] logits = pre.get("logits").toFloatArray();
            float[] last = new float[rows * 97];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(logits, ((r + 1) * len - 1) * 97, last, r * 97, 97);
            }
            assertArrayEquals(flat(reference.get("prefill_last_logits")), last, 1e-4f);
            long[] grown = new long[rows * (len + 1)];
            long[] m = longs(reference.get("prefill_mask"));
            for (int r = 0; r < rows; r++) {
                System.arraycopy(m, r * len, grown, r * (len + 1), len);
                grown[r * (len + 1) + len] = 1;
            }
            Map<String, Tensor> in = new HashMap<>();
            try (BufferTensor next = BufferTensor.ofLongs(longs(reference.get("decode_ids")), rows, 1);
                    BufferTensor nextMask = BufferTensor.ofLongs(grown, rows, len + 1)) {
                in.put("input_ids", next);
                in.put("attention_mask", nextMask);
                for (String name : pre.names()) {
                    if (name.startsWith("present_")) {
                        assertTrue(pre.get(name).isNative());
                        in.put(name.replace("present_", "past_"), pre.get(name));
                    }
                }
                try (ModelOutputs dec = decode.run(in)) {
                    assertArrayEquals(
                            flat(reference.get("decode_logits")),
                            dec.get("logits").toFloatArray(),
                            1e-4f);
                }
            }
        }
    }

    @Test
    void perplexityMatchesTorch() {
        JsonNode scored = reference.get("scored");
        String[] texts = new String[scored.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = scored.get(i).get("text").asText();
        }
        Scorer ppl = genpipe.scorer("gpt-perplexity", Map.of());
        Scorer nll = genpipe.scorer("gpt-perplexity", Map.of("report", "nll"));
        try (Batch in = rows(texts)) {
            double[] p = ppl.score(in);
            double[] n = nll.score(in);
            for (int i = 0; i < texts.length; i++) {
                assertEquals(scored.get(i).get("perplexity").asDouble(), p[i], p[i] * 1e-4);
                assertEquals(scored.get(i).get("nll").asDouble(), n[i], n[i] * 1e-4);
            }
        }
    }

    @Test
    void embeddingsAreUnitLengthAndDoNotDependOnTheirBatch() {
        Encoder e = genpipe.encoder("gpt-encoder", Map.of());
        float[] alone;
        try (Batch in = rows("Short.");
                Batch out = e.encode(in)) {
            alone = out.column("embedding").toFloatArray();
        }
        double norm = 0;
        for (float v : alone) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-5);
        try (Batch in = rows("A much longer text, so the short one is left-padded.", "Short.");
                Batch out = e.encode(in)) {
            float[] both = out.column("embedding").toFloatArray();
            float[] second = Arrays.copyOfRange(both, both.length / 2, both.length);
            assertArrayEquals(alone, second, 1e-4f);
        }
    }

    @Test
    void cachedDecodingReleasesEveryNativeValue() {
        TextGenerator g =
                (TextGenerator) genpipe.generator("gpt-generator", Map.of("maxTokens", 40, "temperature", 0.9));
        try (Batch in = rows("The ", "Q: Why")) {
            g.generate(in, new RandomSource(1)).close();
            long before = genpipe.onnx().liveNativeValues();
            for (int i = 0; i < 3; i++) {
                g.generate(in, new RandomSource(i)).close();
            }
            assertEquals(before, genpipe.onnx().liveNativeValues());
        }
    }

    @Test
    void requestsJoiningARunningDecodeGetTheTextsTheyGetAlone() {
        TextGenerator g = (TextGenerator)
                genpipe.generator("gpt-generator", Map.of("maxTokens", 30, "temperature", 0.9, "topK", 40));
        TokenGenerator tokens = (TokenGenerator) g;
        String[] prompts = {"The ", "Q: Why did the chicken ", "A", "Never trust ", "You will be ", "It "};
        int[] joinAt = {0, 0, 2, 5, 19, 40};
        String[] got = new String[prompts.length];
        boolean[] joined = new boolean[prompts.length];
        List<Batch> rows = new ArrayList<>();
        try (ContinuousDecoder d = tokens.continuousDecoder()) {
            for (int step = 0; step < 400; step++) {
                List<ContinuousDecoder.Member> joining = new ArrayList<>();
                for (int i = 0; i < prompts.length; i++) {
                    // a row asks to join at its step and joins at the first step the model takes rows
                    if (!joined[i] && joinAt[i] <= step && d.canJoin()) {
                        joined[i] = true;
                        Batch one = Batch.builder(1)
                                .meta(List.of(new RowMeta(
                                        "seed-" + i + "/row-0", null, null, null, Map.of("text", prompts[i]))))
                                .build();
                        rows.add(one);
                        int m = i;
                        joining.add(tokens.member(one, new RandomSource(0), TokenListener.NONE, b -> {
                            got[m] = b.meta(0).tags().get("completion") + "|"
                                    + b.meta(0).tags().get("finish");
                            b.close();
                        }));
                    }
                }
                d.join(joining);
                if (d.rows() > 0) {
                    d.step();
                }
            }
        }
        for (int i = 0; i < prompts.length; i++) {
            try (Batch one = Batch.builder(1)
                            .meta(List.of(
                                    new RowMeta("seed-" + i + "/row-0", null, null, null, Map.of("text", prompts[i]))))
                            .build();
                    Batch alone = g.generate(one, new RandomSource(0))) {
                assertEquals(
                        alone.meta(0).tags().get("completion") + "|"
                                + alone.meta(0).tags().get("finish"),
                        got[i],
                        "prompt " + i);
            }
        }
        rows.forEach(Batch::close);
    }
}
