package io.genpipe.api.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loop's bookkeeping, driven by a model that spells out a fixed script one character per step
 * (the real models are tested in their plugins).
 */
class DecodeLoopTest {

    private static final CharVocabulary V = CharVocabulary.printableAscii();

    /** Puts all mass on the script's next character, then on end of text. */
    private static final class Script implements DecodeLoop.StepModel {
        final String[] scripts;
        final int[] position;
        int steps;

        Script(String... scripts) {
            this.scripts = scripts;
            this.position = new int[scripts.length];
        }

        float[] logits() {
            float[] l = new float[scripts.length * 97];
            Arrays.fill(l, -20f);
            for (int r = 0; r < scripts.length; r++) {
                int t = position[r] < scripts[r].length()
                        ? V.encode(scripts[r].substring(position[r], position[r] + 1))[0]
                        : 0;
                l[r * 97 + t] = 20f;
            }
            return l;
        }

        @Override
        public float[] start(int[][] prompts) {
            return logits();
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            steps++;
            for (int r = 0; r < tokens.length; r++) {
                if (active[r]) {
                    position[r]++;
                }
            }
            return logits();
        }
    }

    private static RandomSource[] randoms(int n) {
        RandomSource[] r = new RandomSource[n];
        for (int i = 0; i < n; i++) {
            r[i] = new RandomSource(1).fork("row-" + i);
        }
        return r;
    }

    @Test
    void stopsAtEndOfTextMaxTokensAndStopSequences() {
        Script model = new Script("hello world\n\nbye", "hi", "abcdefgh");
        List<StringBuilder> streamed = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder());
        List<String> finishes = new ArrayList<>(List.of("", "", ""));
        List<Generation> out = DecodeLoop.run(
                new int[][] {{0}, {0}, {0}},
                model,
                V,
                TokenSampler.greedy(),
                new StopRule(5, List.of("\n\n", "ld\n")),
                randoms(3),
                new TokenListener() {
                    @Override
                    public void onText(int row, String piece) {
                        streamed.get(row).append(piece);
                    }

                    @Override
                    public void onFinish(int row, String reason) {
                        finishes.set(row, reason);
                    }
                });
        assertEquals("hello", out.get(0).text());
        assertEquals("max-tokens", out.get(0).finish());
        assertEquals("hi", out.get(1).text());
        assertEquals("end-of-text", out.get(1).finish());
        assertArrayEquals(V.encode("hi"), out.get(1).tokens());
        assertEquals("abcde", out.get(2).text());
        for (int r = 0; r < 3; r++) {
            assertEquals(out.get(r).text(), streamed.get(r).toString());
            assertEquals(out.get(r).finish(), finishes.get(r));
        }
    }

    @Test
    void aCancelledRowEndsAtOnceAndTheOthersGoOn() {
        Script model = new Script("abcdefghij", "klmnopqrst");
        StringBuilder second = new StringBuilder();
        List<Generation> out = DecodeLoop.run(
                new int[][] {{0}, {0}},
                model,
                V,
                TokenSampler.greedy(),
                new StopRule(100, List.of()),
                randoms(2),
                new TokenListener() {
                    @Override
                    public void onText(int row, String piece) {
                        if (row == 1) {
                            second.append(piece);
                        }
                    }

                    @Override
                    public boolean cancelled(int row) {
                        return row == 1 && second.length() >= 3;
                    }
                });
        assertEquals("abcdefghij", out.get(0).text());
        assertEquals("end-of-text", out.get(0).finish());
        assertEquals("klm", out.get(1).text());
        assertEquals("cancelled", out.get(1).finish());
    }

    /** A script model rows can join and leave: each row's script is chosen by its prompt's first token. */
    private static final class Joinable implements DecodeLoop.StepModel {
        final List<String> scripts = new ArrayList<>();
        final List<Integer> position = new ArrayList<>();
        final String[] byFirstToken;

        Joinable(String... byFirstToken) {
            this.byFirstToken = byFirstToken;
        }

        float[] logits(int from) {
            float[] l = new float[(scripts.size() - from) * 97];
            Arrays.fill(l, -20f);
            for (int r = from; r < scripts.size(); r++) {
                String s = scripts.get(r);
                int p = position.get(r);
                int t = p < s.length() ? V.encode(s.substring(p, p + 1))[0] : 0;
                l[(r - from) * 97 + t] = 20f;
            }
            return l;
        }

        @Override
        public boolean joinable() {
            return true;
        }

        @Override
        public float[] start(int[][] prompts) {
            scripts.clear();
            position.clear();
            return join(prompts);
        }

        @Override
        public float[] join(int[][] prompts) {
            int from = scripts.size();
            for (int[] p : prompts) {
                scripts.add(byFirstToken[p[0] % byFirstToken.length]);
                position.add(0);
            }
            return logits(from);
        }

        @Override
        public void keep(int[] rows) {
            List<String> s = new ArrayList<>();
            List<Integer> p = new ArrayList<>();
            for (int r : rows) {
                s.add(scripts.get(r));
                p.add(position.get(r));
            }
            scripts.clear();
            scripts.addAll(s);
            position.clear();
            position.addAll(p);
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            for (int r = 0; r < tokens.length; r++) {
                position.set(r, position.get(r) + 1);
            }
            return logits(0);
        }
    }

    @Test
    void rowsJoiningAndLeavingARunningBatchGetTheirTextsAlone() {
        String[] scripts = {"short", "a much longer line of text", "mid length", "x"};
        StopRule stop = new StopRule(12, List.of());
        ContinuousDecoder d = new ContinuousDecoder(new Joinable(scripts), V, TokenSampler.greedy(), stop);
        List<String> texts = new ArrayList<>(List.of("", "", "", "", ""));
        List<StringBuilder> streamed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            streamed.add(new StringBuilder());
        }
        // member i's prompt's first token picks script i % 4; they join at steps 0, 0, 3, 5, 9
        int[] joinAt = {0, 0, 3, 5, 9};
        for (int step = 0; step < 40; step++) {
            List<ContinuousDecoder.Member> joining = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                if (joinAt[i] == step) {
                    int m = i;
                    joining.add(new ContinuousDecoder.Member(
                            new int[] {i % 4},
                            new RandomSource(1).fork("row-" + i),
                            (row, piece) -> streamed.get(m).append(piece),
                            g -> texts.set(m, g.text() + "|" + g.finish())));
                }
            }
            d.join(joining);
            if (d.rows() > 0) {
                d.step();
            }
        }
        d.close();
        for (int i = 0; i < 5; i++) {
            Generation alone = DecodeLoop.run(
                            new int[][] {{i % 4}},
                            new Joinable(scripts),
                            V,
                            TokenSampler.greedy(),
                            stop,
                            new RandomSource[] {new RandomSource(1).fork("row-" + i)},
                            TokenListener.NONE)
                    .get(0);
            assertEquals(alone.text() + "|" + alone.finish(), texts.get(i), "member " + i);
            assertEquals(alone.text(), streamed.get(i).toString());
        }
        assertEquals("a much longe|max-tokens", texts.get(1));
    }

    @Test
    void aStopSequenceIsCutAndNeverStreamed() {
        Script model = new Script("hello world\n\nbye");
        List<String> pieces = new ArrayList<>();
        List<Generation> out = DecodeLoop.run(
                new int[][] {{0}},
                model,
                V,
                TokenSampler.greedy(),
                new StopRule(100, List.of("\n\n")),
                randoms(1),
                (row, piece) -> pieces.add(piece));
        assertEquals("hello world", out.get(0).text());
        assertEquals("stop-sequence", out.get(0).finish());
        assertArrayEquals(V.encode("hello world"), out.get(0).tokens());
        assertEquals("hello world", String.join("", pieces));
        // the newline that might have begun "\n\n" was held back, then dropped with the stop sequence
        assertEquals("d", pieces.get(pieces.size() - 1));
        assertEquals(12, model.steps, "one step per token up to the stop sequence's last character");
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToStop() {
        Script model = new Script("a\nb");
        List<String> pieces = new ArrayList<>();
        List<Generation> out = DecodeLoop.run(
                new int[][] {{0}},
                model,
                V,
                TokenSampler.greedy(),
                new StopRule(100, List.of("\n\n")),
                randoms(1),
                (row, piece) -> pieces.add(piece));
        assertEquals("a\nb", out.get(0).text());
        assertEquals(List.of("a", "\nb"), pieces);
    }

    @Test
    void endOfTextIsNotSampledBeforeMinTokens() {
        Script model = new Script("hi");
        List<Generation> out = DecodeLoop.run(
                new int[][] {{0}},
                model,
                V,
                TokenSampler.greedy(),
                new StopRule(10, List.of(), 4),
                randoms(1),
                TokenListener.NONE);
        // after "hi" the model wants end of text; held off, the next best (lowest id on a tie) is newline
        assertEquals("hi\n\n", out.get(0).text());
        assertEquals("end-of-text", out.get(0).finish());
        assertEquals(
                "minTokens must be between 0 and maxTokens (3), found 4",
                assertThrows(GenpipeException.class, () -> new StopRule(3, List.of(), 4))
                        .getMessage());
    }

    @Test
    void vocabularyRoundTripsAndNamesWhatItCannotEncode() {
        String text = "Q: What's 2+2?\n\tA: ~4";
        assertEquals(text.replace("\t", "    "), V.decode(V.encode(text), 0, V.encode(text).length));
        assertEquals(
                "character 'é' (U+00E9) at position 3 cannot be encoded: vocabulary printable-ascii-97 holds newline,"
                        + " tab and printable ASCII ' '..'~'",
                assertThrows(GenpipeException.class, () -> V.encode("caf\u00e9"))
                        .getMessage());
    }
}
