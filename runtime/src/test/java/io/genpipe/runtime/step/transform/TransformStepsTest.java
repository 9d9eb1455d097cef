package io.genpipe.runtime.step.transform;

import static io.genpipe.runtime.step.StepHarness.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.step.Chained;
import io.genpipe.runtime.step.StepHarness;
import io.genpipe.runtime.step.StepKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every transform step, fed batches directly (no pipeline, no runner). */
class TransformStepsTest {

    /** The steps this class covers; StepCoverageTest checks every built-in step is covered somewhere. */
    static final List<String> COVERS = List.of(
            "take",
            "relabel",
            "interpolate",
            "flag-quantile",
            "filter",
            "route",
            "refill",
            "gate",
            "take-per-class",
            "repeat",
            "select-columns",
            "count",
            "concat",
            "threshold",
            "top-k",
            "sample");

    @TempDir
    Path dir;

    private static List<String> ids(StepHarness.Result r) {
        return r.rows().stream().map(RowMeta::id).toList();
    }

    private static double[] scores(double... s) {
        return s;
    }

    @Test
    void takePassesTheFirstRowsAcrossBatches() throws Exception {
        try (StepHarness.Result r = StepHarness.of(Take.definition(), Map.of("n", 5), dir)
                .run(List.of(rows("a", 0, 3, 0, null), rows("a", 3, 3, 0, null), rows("a", 6, 3, 0, null)))) {
            assertEquals(List.of("a-0", "a-1", "a-2", "a-3", "a-4"), ids(r));
            assertArrayEquals(new float[] {0, 0, 1, -1, 2, -2, 3, -3, 4, -4}, r.floats("x"));
        }
        assertEquals(StepKind.GLOBAL, Take.definition().execution());
    }

    @Test
    void relabelSetsOrCyclesLabels() throws Exception {
        try (StepHarness.Result r = StepHarness.of(Relabel.definition(), Map.of("cycle", 3), dir)
                .run(List.of(rows("a", 0, 2, 0, null), rows("a", 2, 3, 0, null)))) {
            assertEquals(
                    List.of(0, 1, 2, 0, 1),
                    r.rows().stream().map(RowMeta::label).toList());
        }
        try (StepHarness.Result r =
                StepHarness.of(Relabel.definition(), Map.of("to", 7), dir).run(List.of(rows("a", 0, 2, 10, null)))) {
            assertEquals(List.of(7, 7), r.rows().stream().map(RowMeta::label).toList());
        }
    }

    @Test
    void interpolateWalksBetweenPairsOfRows() throws Exception {
        try (StepHarness.Result r = StepHarness.of(
                        Interpolate.definition(), Map.of("column", "x", "steps", 3, "mode", "lerp"), dir)
                .run(List.of(rows("a", 0, 4, 0, null)))) {
            // pairs (0,0)-(1,-1) and (2,-2)-(3,-3), three steps each, ends included
            assertArrayEquals(new float[] {0, 0, 0.5f, -0.5f, 1, -1, 2, -2, 2.5f, -2.5f, 3, -3}, r.floats("x"), 1e-6f);
            assertEquals(6, r.rows().size());
        }
    }

    @Test
    void flagQuantileFlagsTheTopShareOfEachClassAndPublishesThresholdsAndCounts() throws Exception {
        // two classes (labels alternate), scores = row number: the top 25% of each class are its highest
        double[] s = new double[8];
        for (int i = 0; i < 8; i++) {
            s[i] = i;
        }
        try (StepHarness.Result r = StepHarness.of(FlagQuantile.definition(), Map.of("fraction", 0.25), dir)
                .run(List.of(rows("a", 0, 8, 2, s)))) {
            List<String> flagged = new ArrayList<>();
            r.rows().forEach(m -> {
                if (m.tags().get(FlagQuantile.FLAGGED).equals("true")) {
                    flagged.add(m.id());
                }
            });
            assertEquals(List.of("a-6", "a-7"), flagged);
            assertEquals(Map.of("0", 6.0, "1", 7.0), r.published().get("thresholds"));
            assertEquals(Map.of("0", 1L, "1", 1L), r.published().get("counts"));
            assertEquals(2, r.metrics().get("flagged"));
        }
        // ties at the threshold fill the quota in row order
        try (StepHarness.Result r = StepHarness.of(
                        FlagQuantile.definition(), Map.of("fraction", 0.5, "by", "none"), dir)
                .run(List.of(rows("a", 0, 4, 0, scores(1, 5, 5, 5))))) {
            assertEquals(
                    List.of("false", "true", "true", "false"),
                    r.rows().stream().map(m -> m.tags().get("flagged")).toList());
        }
        // a score above the threshold is always flagged, however many ties come before it
        try (StepHarness.Result r = StepHarness.of(
                        FlagQuantile.definition(), Map.of("fraction", 0.5, "by", "none"), dir)
                .run(List.of(rows("a", 0, 4, 0, scores(3, 3, 5, 1))))) {
            assertEquals(
                    List.of("true", "false", "true", "false"),
                    r.rows().stream().map(m -> m.tags().get("flagged")).toList());
        }
        GenpipeException noScore = assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(FlagQuantile.definition(), Map.of("fraction", 0.5), dir)
                        .run(List.of(rows("a", 0, 2, 2, null))));
        assertEquals("row a-0 has no score; put a scorer step before flag-quantile", noScore.getMessage());
    }

    @Test
    void filterKeepsRowsWhoseTagMatches() throws Exception {
        Batch b = rows("a", 0, 3, 0, null);
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            meta.add(new RowMeta("a-" + i, null, "a", null, Map.of("flagged", i == 1 ? "true" : "false")));
        }
        try (StepHarness.Result r = StepHarness.of(Filter.definition(), Map.of(), dir)
                .run(List.of(b.extend().meta(meta).build()))) {
            assertEquals(List.of("a-1"), ids(r));
            assertArrayEquals(new float[] {1, -1}, r.floats("x"));
        }
    }

    @Test
    void gateAppliesThePublishedThresholdOfEachRowsClass() throws Exception {
        try (StepHarness.Result r = StepHarness.of(Gate.definition(), Map.of("thresholds", "flag"), dir)
                .side("flag", "thresholds", Map.of("0", 2.0, "1", 0.5))
                .run(List.of(rows("a", 0, 4, 2, scores(1, 1, 3, 0.5))))) {
            assertEquals(List.of("a-0", "a-3"), ids(r));
            assertEquals(2L, r.metrics().get("rejected"));
        }
        assertEquals(
                List.of("thresholds"),
                Gate.definition().reads().stream().map(i -> i.parameter()).toList());
    }

    @Test
    void takePerClassPassesTheFirstRowsOfEachClassUpToItsCount() throws Exception {
        try (StepHarness.Result r = StepHarness.of(TakePerClass.definition(), Map.of("counts", "flag"), dir)
                .side("flag", "counts", Map.of("0", 2L, "1", 1L))
                .run(List.of(rows("a", 0, 3, 2, null), rows("a", 3, 4, 2, null)))) {
            assertEquals(List.of("a-0", "a-1", "a-2"), ids(r));
        }
    }

    @Test
    void takePerClassWithAnOverallCountTakesThatManyInAll() throws Exception {
        try (StepHarness.Result r = StepHarness.of(TakePerClass.definition(), Map.of("counts", "flag"), dir)
                .side("flag", "counts", Map.of("all", 3L))
                .run(List.of(rows("a", 0, 6, 2, null)))) {
            assertEquals(List.of("a-0", "a-1", "a-2"), ids(r));
        }
    }

    @Test
    void repeatCopiesEachRowWithNumberedIds() throws Exception {
        try (StepHarness.Result r =
                StepHarness.of(Repeat.definition(), Map.of("times", 2), dir).run(List.of(rows("a", 0, 2, 3, null)))) {
            assertEquals(List.of("a-0#1", "a-0#2", "a-1#1", "a-1#2"), ids(r));
            assertEquals(
                    List.of(0, 0, 1, 1), r.rows().stream().map(RowMeta::label).toList());
            assertArrayEquals(new float[] {0, 0, 0, 0, 1, -1, 1, -1}, r.floats("x"));
        }
    }

    @Test
    void selectColumnsKeepsOnlyTheListedOnes() throws Exception {
        Batch b = rows("a", 0, 2, 0, null)
                .extend()
                .column("y", BufferTensor.ofFloats(new float[] {9, 8}, 2))
                .build();
        try (StepHarness.Result r = StepHarness.of(SelectColumns.definition(), Map.of("columns", List.of("y")), dir)
                .run(List.of(b))) {
            assertEquals(List.of("y"), List.copyOf(r.outputs().get(0).columnNames()));
            assertArrayEquals(new float[] {9, 8}, r.floats("y"));
            assertEquals(List.of("a-0", "a-1"), ids(r));
        }
    }

    @Test
    void countPassesRowsOnAndRecordsHowMany() throws Exception {
        try (StepHarness.Result r = StepHarness.of(Count.definition(), Map.of("metric", "n"), dir)
                .run(List.of(rows("a", 0, 2, 0, null), rows("a", 2, 5, 0, null)))) {
            assertEquals(7, r.rows().size());
            assertEquals(7L, r.metrics().get("n"));
        }
    }

    @Test
    void concatEmitsItsFirstInputThenTheSecond() throws Exception {
        try (StepHarness.Result r = StepHarness.of(Concat.definition(), Map.of(), dir)
                .run(List.of(rows("a", 0, 2, 0, null), rows("a", 2, 1, 0, null)), List.of(rows("b", 0, 2, 0, null)))) {
            assertEquals(List.of("a-0", "a-1", "a-2", "b-0", "b-1"), ids(r));
        }
    }

    @Test
    void thresholdKeepsScoresWithinBounds() throws Exception {
        try (StepHarness.Result r = StepHarness.of(Threshold.definition(), Map.of("min", 1.0, "max", 2.0), dir)
                .run(List.of(rows("a", 0, 4, 0, scores(0.5, 1, 2, 2.5))))) {
            assertEquals(List.of("a-1", "a-2"), ids(r));
        }
    }

    @Test
    void topKKeepsTheHighestScoresHighestFirstTiesByRowOrder() throws Exception {
        try (StepHarness.Result r = StepHarness.of(TopK.definition(), Map.of("k", 3), dir)
                .run(List.of(rows("a", 0, 3, 0, scores(1, 9, 4)), rows("a", 3, 3, 0, scores(9, 0, 4))))) {
            assertEquals(List.of("a-1", "a-3", "a-2"), ids(r));
            assertArrayEquals(new float[] {1, -1, 3, -3, 2, -2}, r.floats("x"));
        }
        // equal scores: the earlier rows are kept, and come first
        try (StepHarness.Result r = StepHarness.of(TopK.definition(), Map.of("k", 2), dir)
                .run(List.of(rows("a", 0, 2, 0, scores(7, 7)), rows("a", 2, 2, 0, scores(7, 7))))) {
            assertEquals(List.of("a-0", "a-1"), ids(r));
        }
    }

    @Test
    void takeAndTopKByLabelWorkPerClass() throws Exception {
        // labels 0, 1, 2, 0, 1, 2, ...; scores rise with the row index
        double[] s = new double[9];
        for (int i = 0; i < 9; i++) {
            s[i] = i;
        }
        try (StepHarness.Result r = StepHarness.of(Take.definition(), Map.of("n", 2, "by", "label"), dir)
                .run(List.of(rows("a", 0, 4, 3, scores(0, 1, 2, 3)), rows("a", 4, 5, 3, scores(4, 5, 6, 7, 8))))) {
            assertEquals(List.of("a-0", "a-1", "a-2", "a-3", "a-4", "a-5"), ids(r));
        }
        try (StepHarness.Result r = StepHarness.of(TopK.definition(), Map.of("k", 2, "by", "label"), dir)
                .run(List.of(rows("a", 0, 9, 3, s)))) {
            // class by class, highest first within each
            assertEquals(List.of("a-6", "a-3", "a-7", "a-4", "a-8", "a-5"), ids(r));
        }
        ParameterException bad = assertThrows(
                ParameterException.class, () -> StepHarness.of(TopK.definition(), Map.of("k", 2, "by", "class"), dir));
        assertTrue(bad.getMessage().contains("'by'"), bad.getMessage());
    }

    /** Rows with score s and a float64 column "vae" holding vae[i]: two scores side by side. */
    private static Batch twoScores(double[] s, double[] vae) {
        Batch b = rows("a", 0, s.length, 0, s);
        return b.extend().column("vae", BufferTensor.ofDoubles(vae, vae.length)).build();
    }

    @Test
    void topKAndThresholdRankByANamedScoreColumnWhenAsked() throws Exception {
        double[] latest = scores(5, 4, 3, 2);
        double[] vae = scores(1, 2, 3, 4);
        try (StepHarness.Result r = StepHarness.of(TopK.definition(), Map.of("k", 2, "score", "vae"), dir)
                .run(List.of(twoScores(latest, vae)))) {
            assertEquals(List.of("a-3", "a-2"), ids(r));
        }
        try (StepHarness.Result r =
                StepHarness.of(TopK.definition(), Map.of("k", 2), dir).run(List.of(twoScores(latest, vae)))) {
            assertEquals(List.of("a-0", "a-1"), ids(r), "the row's score, the latest scorer's");
        }
        try (StepHarness.Result r = StepHarness.of(Threshold.definition(), Map.of("min", 2.5, "score", "vae"), dir)
                .run(List.of(twoScores(latest, vae)))) {
            assertEquals(List.of("a-2", "a-3"), ids(r));
        }
        // gate compares that column with the class's threshold
        try (StepHarness.Result r = StepHarness.of(Gate.definition(), Map.of("thresholds", "flag", "score", "vae"), dir)
                .side("flag", "thresholds", Map.of("all", 2.5))
                .run(List.of(twoScores(latest, vae)))) {
            assertEquals(List.of("a-0", "a-1"), ids(r));
            assertEquals(2L, r.metrics().get("rejected"));
        }
        // flag-quantile flags the top share by that column too
        try (StepHarness.Result r = StepHarness.of(
                        FlagQuantile.definition(), Map.of("fraction", 0.25, "by", "none", "score", "vae"), dir)
                .run(List.of(twoScores(latest, vae)))) {
            assertEquals(
                    List.of("false", "false", "false", "true"),
                    r.rows().stream().map(m -> m.tags().get("flagged")).toList());
            assertEquals(Map.of("all", 4.0), r.published().get("thresholds"));
        }
        assertEquals(
                Optional.of(Set.of("vae")),
                StepHarness.of(TopK.definition(), Map.of("k", 2, "score", "vae"), dir)
                        .step()
                        .readsColumns());
    }

    @Test
    void sampleDrawsPerRowIdSoBatchingDoesNotMatter() throws Exception {
        List<String> together;
        try (StepHarness.Result r = StepHarness.of(Sample.definition(), Map.of("fraction", 0.5), dir)
                .run(List.of(rows("a", 0, 200, 0, null)))) {
            together = ids(r);
        }
        try (StepHarness.Result r = StepHarness.of(Sample.definition(), Map.of("fraction", 0.5), dir)
                .run(List.of(rows("a", 0, 7, 0, null), rows("a", 7, 193, 0, null)))) {
            assertEquals(together, ids(r));
        }
        assertTrue(together.size() > 70 && together.size() < 130, together.size() + " of 200 kept");
        ParameterException nan = assertThrows(
                ParameterException.class,
                () -> StepHarness.of(Sample.definition(), Map.of("fraction", Double.NaN), dir));
        assertEquals("parameter 'fraction' of built-in step 'sample' must be from 0 to 1, got NaN", nan.getMessage());
        try (StepHarness.Result r = StepHarness.of(Sample.definition(), Map.of("fraction", 0.5), dir)
                .seed(43)
                .run(List.of(rows("a", 0, 200, 0, null)))) {
            assertTrue(!ids(r).equals(together), "another seed, other rows");
        }
    }

    @Test
    void routeSendsEachRowToTheFirstOutputWhoseTestHoldsElseToDefault() throws Exception {
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("odd", "label == 1");
        outputs.put("high", "score > 2.5");
        outputs.put("default", "rest");
        StepHarness route = StepHarness.of(Route.definition(), Map.of("outputs", outputs), dir);
        assertEquals(List.of("odd", "high", "default"), route.step().outputNames());
        try (StepHarness.Result r =
                route.run(List.of(rows("a", 0, 3, 2, scores(1, 3, 3)), rows("a", 3, 2, 2, scores(0, 9))))) {
            assertEquals(
                    List.of("a-1", "a-3"),
                    r.rows("odd").stream().map(RowMeta::id).toList());
            assertEquals(
                    List.of("a-2", "a-4"),
                    r.rows("high").stream().map(RowMeta::id).toList());
            assertEquals(
                    List.of("a-0"), r.rows("default").stream().map(RowMeta::id).toList());
            assertEquals(List.of(), r.rows());
        }
        outputs.remove("default");
        ParameterException noDefault = assertThrows(
                ParameterException.class, () -> StepHarness.of(Route.definition(), Map.of("outputs", outputs), dir));
        assertEquals(
                "outputs: a route needs a default: output for the rows no test holds for (add default: rest)",
                noDefault.getMessage());
    }

    private static StepHarness refill(Map<String, ?> with, StepHarness... chain) {
        StepHarness loop = StepHarness.of(Refill.definition(), with, Path.of("."));
        List<Chained.Link> links = new ArrayList<>();
        for (int i = 0; i < chain.length; i++) {
            links.add(new Chained.Link("c" + i, chain[i].step(), null));
        }
        ((Chained) loop.step()).chain(links);
        return loop;
    }

    @Test
    void refillRunsItsChainRoundAfterRoundUntilEachClassHasItsCount() throws Exception {
        List<String> first;
        Map<String, Object> metrics;
        try (StepHarness.Result r = refill(
                        Map.of("counts", "flag"), StepHarness.of(Sample.definition(), Map.of("fraction", 0.4), dir))
                .side("flag", "counts", Map.of("0", 10L, "1", 3L))
                .run(List.of(rows("a", 0, 8, 2, null)))) {
            first = ids(r);
            metrics = r.metrics();
            assertEquals(10, r.rows().stream().filter(m -> m.label() == 0).count());
            assertEquals(3, r.rows().stream().filter(m -> m.label() == 1).count());
        }
        assertTrue(first.stream().anyMatch(id -> id.contains("@r2")), first.toString());
        assertTrue(
                first.stream().anyMatch(id -> id.matches("a-\\d@r\\d+\\.1")),
                "class 0 needs more rows than it has: round 2 runs some twice");
        @SuppressWarnings("unchecked")
        Map<String, Object> loop = (Map<String, Object>) metrics.get("s");
        assertEquals(Map.of("0", 10L, "1", 3L), loop.get("needed"));
        assertTrue((Integer) loop.get("rounds") > 1, loop.toString());
        // the same rows whatever the batch size: each draw is forked by row id and round
        try (StepHarness.Result r = refill(
                        Map.of("counts", "flag"), StepHarness.of(Sample.definition(), Map.of("fraction", 0.4), dir))
                .side("flag", "counts", Map.of("0", 10L, "1", 3L))
                .batchSize(3)
                .run(List.of(rows("a", 0, 3, 2, null), rows("a", 3, 5, 2, null)))) {
            assertEquals(first, ids(r));
        }
    }

    @Test
    void refillThatCannotFillFailsNamingTheClassesUnlessToldToKeep() throws Exception {
        StepHarness never = StepHarness.of(Threshold.definition(), Map.of("min", 100.0), dir);
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> refill(Map.of("maxRounds", 3), never).run(List.of(rows("a", 0, 4, 2, scores(1, 2, 3, 4)))));
        assertEquals(
                "after 3 rounds, class 0 has 0 of 2 (2 missing), class 1 has 0 of 2 (2 missing); raise maxRounds (now"
                        + " 3), or set onShort: warn or keep to go on with what it has",
                e.getMessage());
        try (StepHarness.Result r = refill(Map.of("maxRounds", 2, "onShort", "keep"), never)
                .run(List.of(rows("a", 0, 4, 2, scores(1, 2, 3, 4))))) {
            assertEquals(List.of(), ids(r));
            @SuppressWarnings("unchecked")
            Map<String, Object> loop = (Map<String, Object>) r.metrics().get("s");
            assertEquals(Map.of("0", 2L, "1", 2L), loop.get("short"));
        }
        // a class it must fill but has no input rows of: no round can ever make its rows
        GenpipeException unreachable = assertThrows(
                GenpipeException.class,
                () -> refill(
                                Map.of("counts", "flag"),
                                StepHarness.of(Sample.definition(), Map.of("fraction", 1.0), dir))
                        .side("flag", "counts", Map.of("0", 2L, "3", 5L))
                        .run(List.of(rows("a", 0, 4, 1, null))));
        assertEquals(
                "no round can make rows for class 3 (5): none of the loop's input rows is of that group, and each round"
                        + " runs input rows; give it rows of every group it must fill",
                unreachable.getMessage());
        ParameterException zero = assertThrows(
                ParameterException.class, () -> StepHarness.of(Refill.definition(), Map.of("maxRounds", 0), dir));
        assertEquals(
                "parameter 'maxRounds' of built-in step 'refill' must be from 1 to 1000, got 0", zero.getMessage());
    }
}
