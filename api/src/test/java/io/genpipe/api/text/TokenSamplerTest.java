package io.genpipe.api.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.Parameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    private static final int[] NONE = new int[0];

    private static float[] logitsOf(double... probabilities) {
        float[] l = new float[probabilities.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probabilities[i]);
        }
        return l;
    }

    private static void assertDistribution(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, "token " + i);
        }
    }

    @Test
    void plainSamplingIsTheSoftmax() {
        double[] p = TokenSampler.builder().build().distribution(new float[] {1, 2, 3}, 0, 3, NONE, 0);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertDistribution(new double[] {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z}, p);
    }

    @Test
    void temperatureDividesTheLogits() {
        double[] p = TokenSampler.builder().temperature(0.5).build().distribution(new float[] {2, 1, 0}, 0, 3, NONE, 0);
        double z = Math.exp(4) + Math.exp(2) + 1;
        assertDistribution(new double[] {Math.exp(4) / z, Math.exp(2) / z, 1 / z}, p);
    }

    @Test
    void readsTheRowAtTheOffset() {
        float[] two = {9, 9, 9, 0, 0, (float) Math.log(3)};
        double[] p = TokenSampler.builder().build().distribution(two, 3, 3, NONE, 0);
        assertDistribution(new double[] {0.2, 0.2, 0.6}, p);
    }

    @Test
    void topKKeepsTheKMostProbableAndBreaksTiesByLowerId() {
        double[] p = TokenSampler.builder().topK(2).build().distribution(logitsOf(0.5, 0.2, 0.2, 0.1), 0, 4, NONE, 0);
        assertDistribution(new double[] {0.5 / 0.7, 0.2 / 0.7, 0, 0}, p);
    }

    @Test
    void topPKeepsExactlyTheSmallestSetReachingP() {
        float[] l = logitsOf(0.1, 0.4, 0.3, 0.2);
        assertDistribution(
                new double[] {0, 4 / 7.0, 3 / 7.0, 0},
                TokenSampler.builder().topP(0.7).build().distribution(l, 0, 4, NONE, 0));
        assertDistribution(
                new double[] {0, 4 / 9.0, 3 / 9.0, 2 / 9.0},
                TokenSampler.builder().topP(0.71).build().distribution(l, 0, 4, NONE, 0));
        assertDistribution(
                new double[] {0, 1, 0, 0},
                TokenSampler.builder().topP(0.3).build().distribution(l, 0, 4, NONE, 0));
        assertDistribution(
                new double[] {0.1, 0.4, 0.3, 0.2},
                TokenSampler.builder().topP(1.0).build().distribution(l, 0, 4, NONE, 0));
    }

    @Test
    void topPWorksOnTheTopKRenormalisedMass() {
        // top-3 of {.1,.4,.3,.2} renormalised: .4/.9=.444, .3/.9=.333, .2/.9=.222; p=.75 keeps the first two
        double[] p = TokenSampler.builder()
                .topK(3)
                .topP(0.75)
                .build()
                .distribution(logitsOf(0.1, 0.4, 0.3, 0.2), 0, 4, NONE, 0);
        assertDistribution(new double[] {0, 4 / 7.0, 3 / 7.0, 0}, p);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        double[] p = TokenSampler.builder()
                .repetitionPenalty(2)
                .build()
                .distribution(new float[] {2, -1, 0.5f}, 0, 3, new int[] {0, 1, 0, 7}, 3);
        double z = Math.exp(1) + Math.exp(-2) + Math.exp(0.5);
        assertDistribution(new double[] {Math.exp(1) / z, Math.exp(-2) / z, Math.exp(0.5) / z}, p);
    }

    @Test
    void greedyTakesTheArgmaxAfterThePenaltyWithTiesToTheLowerId() {
        TokenSampler g =
                TokenSampler.builder().greedy(true).repetitionPenalty(2).build();
        assertEquals(1, g.next(new float[] {2, 1.5f, 0}, 0, 3, new int[] {0}, 1, new RandomSource(1)));
        assertEquals(0, g.next(new float[] {2, 1.5f, 0}, 0, 3, NONE, 0, new RandomSource(1)));
        assertEquals(1, TokenSampler.greedy().next(new float[] {0, 3, 3}, 0, 3, NONE, 0, new RandomSource(1)));
    }

    @Test
    void drawsFollowTheDistribution() {
        TokenSampler s = TokenSampler.builder().build();
        float[] l = logitsOf(0.5, 0.3, 0.2);
        RandomSource random = new RandomSource(42);
        int[] counts = new int[3];
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            counts[s.next(l, 0, 3, NONE, 0, random)]++;
        }
        assertEquals(0.5, counts[0] / (double) n, 0.005);
        assertEquals(0.3, counts[1] / (double) n, 0.005);
        assertEquals(0.2, counts[2] / (double) n, 0.005);
    }

    @Test
    void filteredTokensAreNeverDrawn() {
        TokenSampler s = TokenSampler.builder().topK(2).build();
        float[] l = logitsOf(0.1, 0.4, 0.3, 0.2);
        RandomSource random = new RandomSource(3);
        for (int i = 0; i < 20_000; i++) {
            int t = s.next(l, 0, 4, NONE, 0, random);
            assertEquals(true, t == 1 || t == 2, "drew " + t);
        }
    }

    @Test
    void sameSeedSameDraws() {
        TokenSampler s = TokenSampler.builder().temperature(0.9).topP(0.95).build();
        float[] l = logitsOf(0.1, 0.4, 0.3, 0.2);
        int[] a = new int[100];
        int[] b = new int[100];
        RandomSource ra = new RandomSource(9);
        RandomSource rb = new RandomSource(9);
        for (int i = 0; i < 100; i++) {
            a[i] = s.next(l, 0, 4, NONE, 0, ra);
            b[i] = s.next(l, 0, 4, NONE, 0, rb);
        }
        assertArrayEquals(a, b);
    }

    @Test
    void parametersBuildTheChainAndOutOfRangeValuesAreNamed() {
        List<ParameterSpec> specs = new ArrayList<>(TokenSampler.PARAMETERS);
        Parameters p = new Parameters(
                specs,
                Map.of("sampling", "sample", "temperature", 0.7, "topK", 40L, "topP", 0.9, "repetitionPenalty", 1.2));
        assertEquals(
                "repetitionPenalty=1.2 -> temperature=0.7 -> topK=40 -> topP=0.9 -> sample",
                TokenSampler.fromParameters(p).toString());
        assertEquals(
                "topP must be in (0, 1] (1: off), found 1.5",
                assertThrows(
                                GenpipeException.class,
                                () -> TokenSampler.builder().topP(1.5))
                        .getMessage());
        assertEquals(
                "temperature must be a number > 0 (use sampling: greedy for the most probable token), found 0.0",
                assertThrows(
                                GenpipeException.class,
                                () -> TokenSampler.builder().temperature(0))
                        .getMessage());
        assertEquals(
                "topK must be 0 (off) or a positive count of tokens, found -1",
                assertThrows(
                                GenpipeException.class,
                                () -> TokenSampler.builder().topK(-1))
                        .getMessage());
        assertEquals(
                "maxTokens must be at least 1, found 0",
                assertThrows(GenpipeException.class, () -> StopRule.maxTokens(0))
                        .getMessage());
    }
}
