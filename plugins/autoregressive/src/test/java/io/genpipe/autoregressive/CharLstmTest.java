package io.genpipe.autoregressive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CharLstmTest {

    static final Path ROOT = Path.of(System.getProperty("genpipe.repo.root"));
    static final Path MODEL = ROOT.resolve("plugins/autoregressive/src/main/resources/" + CharLstm.SHIPPED);
    private static Genpipe genpipe;
    private static JsonNode reference;

    @BeforeAll
    static void start() throws Exception {
        genpipe = Genpipe.builder().seed(3).build();
        try (InputStream in = CharLstmTest.class.getResourceAsStream("/reference/char-lstm.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        genpipe.close();
    }

    static float[] flat(JsonNode node) {
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

    static Batch prompts(String... texts) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            meta.add(new RowMeta("p-" + i, null, "test", null, Map.of("text", texts[i])));
        }
        return Batch.builder(texts.length).meta(meta).build();
    }

    private static TextGenerator generator(Map<String, Object> params) {
        return (TextGenerator) genpipe.generator("char-lstm-generator", params);
    }

    @Test
    void logitsAndCarriedStateMatchTorch() {
        Model model = genpipe.model(MODEL);
        long[] tokens = toLongs(reference.get("tokens"));
        int rows = reference.get("tokens").size();
        int seq = reference.get("tokens").get(0).size();
        try (BufferTensor t = BufferTensor.ofLongs(tokens, rows, seq);
                BufferTensor h = BufferTensor.allocate(DType.FLOAT32, 2, rows, 256);
                BufferTensor c = BufferTensor.allocate(DType.FLOAT32, 2, rows, 256);
                ModelOutputs first = model.run(Map.of("tokens", t, "h", h, "c", c));
                BufferTensor next = BufferTensor.ofLongs(toLongs(reference.get("next")), rows, 1);
                ModelOutputs second =
                        model.run(Map.of("tokens", next, "h", first.get("h_out"), "c", first.get("c_out")))) {
            assertArrayEquals(flat(reference.get("logits")), first.get("logits").toFloatArray(), 1e-4f);
            // the state came back as native tensors and went straight into the next run
            assertTrue(first.get("h_out").isNative());
            assertArrayEquals(
                    flat(reference.get("logits2")), second.get("logits").toFloatArray(), 1e-4f);
            assertArrayEquals(flat(reference.get("h2")), second.get("h_out").toFloatArray(), 1e-4f);
            assertArrayEquals(flat(reference.get("c2")), second.get("c_out").toFloatArray(), 1e-4f);
        }
    }

    private static long[] toLongs(JsonNode node) {
        float[] f = flat(node);
        long[] l = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            l[i] = (long) f[i];
        }
        return l;
    }

    @Test
    void greedyGenerationMatchesTorchWithCarriedAndRecomputedState() {
        String expected = reference.get("greedy").asText();
        for (String state : List.of("carry", "recompute")) {
            Map<String, Object> p = new HashMap<>(Map.of("sampling", "greedy", "maxTokens", 60, "state", state));
            try (Batch in = prompts(reference.get("greedy_prompt").asText());
                    Batch out = generator(p).generate(in, new RandomSource(1))) {
                RowMeta m = out.meta(0);
                assertEquals(expected, m.tags().get("completion"), state);
                assertEquals("A " + expected, m.tags().get("text"));
                assertEquals(expected.length(), out.column("tokens").toLongArray()[0]);
                assertEquals(
                        expected.length() < 60 ? "end-of-text" : "max-tokens",
                        m.tags().get("finish"));
            }
        }
    }

    @Test
    void sameSeedSameTextAndRowsDoNotDependOnTheirNeighbours() {
        Map<String, Object> p = Map.of("temperature", 0.9, "topK", 40, "topP", 0.95, "maxTokens", 80);
        String[] texts = {"The ", "Q: Why", "Love is"};
        List<String> a = generate(p, texts, 11);
        assertEquals(a, generate(p, texts, 11));
        assertNotEquals(a, generate(p, texts, 12));
        // row p-1 alone gives the same text as in company: its draws come from its own stream
        try (Batch in = prompts(texts);
                Batch out = generator(p).generate(in, new RandomSource(11))) {
            List<RowMeta> one = List.of(out.meta(1));
            try (Batch single = Batch.builder(1)
                            .meta(List.of(new RowMeta("p-1", null, "test", null, Map.of("text", texts[1]))))
                            .build();
                    Batch alone = generator(p).generate(single, new RandomSource(11))) {
                assertEquals(one.get(0).tags().get("text"), alone.meta(0).tags().get("text"));
            }
        }
    }

    private static List<String> generate(Map<String, Object> p, String[] texts, long seed) {
        try (Batch in = prompts(texts);
                Batch out = generator(p).generate(in, new RandomSource(seed))) {
            List<String> r = new ArrayList<>();
            out.meta().forEach(m -> r.add(m.tags().get("text")));
            return r;
        }
    }

    @Test
    void streamedPiecesAddUpToTheTextAndStopSequencesCut() {
        Map<String, Object> p = Map.of("temperature", 0.8, "maxTokens", 200, "stop", List.of("\n"));
        StringBuilder streamed = new StringBuilder();
        List<String> finish = new ArrayList<>();
        try (Batch in = prompts("Q: What is the meaning of life?");
                Batch out = generator(p).generate(in, new RandomSource(5), new TokenListener() {
                    @Override
                    public void onText(int row, String piece) {
                        streamed.append(piece);
                    }

                    @Override
                    public void onFinish(int row, String reason) {
                        finish.add(reason);
                    }
                })) {
            String completion = out.meta(0).tags().get("completion");
            assertEquals(completion, streamed.toString());
            assertTrue(!completion.contains("\n"), completion);
            assertEquals(List.of(out.meta(0).tags().get("finish")), finish);
        }
    }

    @Test
    void scorerMatchesTorchLogLikelihoodAndBitsPerChar() {
        JsonNode scored = reference.get("scored");
        String[] texts = new String[scored.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = scored.get(i).get("text").asText();
        }
        Scorer ll = genpipe.scorer("char-lstm-scorer", Map.of("report", "log-likelihood"));
        Scorer bits = genpipe.scorer("char-lstm-scorer", Map.of());
        try (Batch in = prompts(texts)) {
            double[] l = ll.score(in);
            double[] b = bits.score(in);
            for (int i = 0; i < texts.length; i++) {
                double expected = scored.get(i).get("log_likelihood").asDouble();
                assertEquals(expected, l[i], Math.abs(expected) * 1e-4, texts[i]);
                assertEquals(-expected / scored.get(i).get("chars").asInt() / Math.log(2), b[i], 1e-3);
            }
        }
        assertEquals("bits-per-char", bits.quantity());
    }

    @Test
    void badTextsAreNamed() {
        Scorer bits = genpipe.scorer("char-lstm-scorer", Map.of());
        try (Batch in = prompts("caf\u00e9")) {
            assertEquals(
                    "row p-0: character '\u00e9' (U+00E9) at position 3 cannot be encoded: vocabulary printable-ascii-97"
                            + " holds newline, tab and printable ASCII ' '..'~'",
                    assertThrows(GenpipeException.class, () -> bits.score(in)).getMessage());
        }
        try (Batch in = Batch.builder(1).meta(List.of(RowMeta.of("x-1"))).build()) {
            assertEquals(
                    "row x-1 has no text tag; char-lstm-scorer reads texts (from text-source, jsonl-source with text:, or a"
                            + " text generator)",
                    assertThrows(GenpipeException.class, () -> bits.score(in)).getMessage());
        }
    }

    @Test
    void rowsJoiningARunningDecodeGetTheTextsTheyGetAlone() {
        Map<String, Object> p = Map.of("temperature", 0.9, "topK", 40, "maxTokens", 60);
        TokenGenerator tokens = (TokenGenerator) generator(p);
        String[] prompts = {"The ", "Q: Why", "Love is", "A", "Never "};
        int[] joinAt = {0, 0, 3, 7, 30};
        String[] got = new String[prompts.length];
        try (ContinuousDecoder d = tokens.continuousDecoder()) {
            for (int step = 0; step < 200; step++) {
                List<ContinuousDecoder.Member> joining = new ArrayList<>();
                for (int i = 0; i < prompts.length; i++) {
                    if (joinAt[i] == step) {
                        Batch one = Batch.builder(1)
                                .meta(List.of(new RowMeta("p-" + i, null, "test", null, Map.of("text", prompts[i]))))
                                .build();
                        int m = i;
                        joining.add(tokens.member(one, new RandomSource(11), TokenListener.NONE, b -> {
                            got[m] = b.meta(0).tags().get("text");
                            b.close();
                            one.close();
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
                            .meta(List.of(new RowMeta("p-" + i, null, "test", null, Map.of("text", prompts[i]))))
                            .build();
                    Batch alone = generator(p).generate(one, new RandomSource(11))) {
                assertEquals(alone.meta(0).tags().get("text"), got[i], "prompt " + i);
            }
        }
    }
}
