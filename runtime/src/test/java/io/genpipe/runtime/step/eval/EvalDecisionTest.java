package io.genpipe.runtime.step.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.eval.Auroc;
import io.genpipe.runtime.eval.FrechetDistance;
import io.genpipe.runtime.report.Charts;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepHarness;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluations that aggregate in passes (how the Spark engine runs them: AUROC from sorted slices, the Fréchet
 * distance from exact moments) give the local runner's bits, whatever the slicing and the merging, and agree with
 * the whole-array formulas.
 */
class EvalDecisionTest {

    @TempDir
    Path dir;

    /** 3,000 labelled rows (classes 0-3), two score columns: one full of ties (and of -0.0 and 0.0), one not. */
    private static List<Object[]> scored() {
        Random random = new Random(11);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            int label = random.nextInt(4);
            double tied = (random.nextInt(7) - 3) * 0.5 + (label == 0 ? 0 : 0.25 * random.nextInt(2));
            if (tied == 0 && random.nextBoolean()) {
                tied = -0.0;
            }
            double smooth = random.nextGaussian() + (label == 1 ? 0 : 0.8);
            rows.add(new Object[] {new RowMeta("r" + i, label, "test", null, Map.of()), tied, smooth});
        }
        return rows;
    }

    private static Batch scoredBatch(List<Object[]> rows) {
        double[] tied = new double[rows.size()];
        double[] smooth = new double[rows.size()];
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            meta.add((RowMeta) rows.get(i)[0]);
            tied[i] = (Double) rows.get(i)[1];
            smooth[i] = (Double) rows.get(i)[2];
        }
        return Batch.builder(rows.size())
                .meta(meta)
                .column("tied", BufferTensor.ofDoubles(tied, rows.size()))
                .column("smooth", BufferTensor.ofDoubles(smooth, rows.size()))
                .build();
    }

    @Test
    void aurocFromSortedSlicesIsTheLocalRunnersToTheBitAndItsCurveTooPixelForPixel() throws Exception {
        List<Object[]> rows = scored();
        Map<String, Object> parameters =
                Map.of("scores", List.of("tied", "smooth"), "normal", List.of("0", "1"), "plot", true);
        StepHarness harness = StepHarness.of(AurocEval.definition(), parameters, dir);
        List<Batch> whole = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += 256) {
            whole.add(scoredBatch(rows.subList(from, Math.min(rows.size(), from + 256))));
        }
        Map<String, Object> expected;
        try (StepHarness.Result r = harness.run(whole)) {
            expected = r.metrics();
        }
        byte[] chart = Files.readAllBytes(dir.resolve("s-roc.png"));

        // the figures are the whole-array formulas' (rank sums; the curve of every distinct threshold)
        List<double[]> curves = new ArrayList<>();
        List<String> names = new ArrayList<>();
        double sum = 0;
        for (int k = 0; k < 2; k++) {
            double[] s = new double[rows.size()];
            boolean[] anomaly = new boolean[rows.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = (Double) rows.get(i)[1 + k];
                anomaly[i] = ((RowMeta) rows.get(i)[0]).label() != k;
            }
            double a = Auroc.compute(s, anomaly);
            sum += a;
            assertEquals(Math.round(a * 1e6) / 1e6, ((Map<?, ?>) expected.get("auroc")).get(Integer.toString(k)));
            curves.add(Auroc.curve(s, anomaly, 400));
            names.add(String.format(Locale.ROOT, "normal %d (AUROC %.3f)", k, a));
        }
        assertEquals(Math.round(sum / 2 * 1e6) / 1e6, ((Map<?, ?>) expected.get("auroc")).get("mean"));
        Path reference = dir.resolve("reference.png");
        Charts.roc(curves, names, reference);
        assertArrayEquals(Files.readAllBytes(reference), chart, "the curves drawn are every threshold's");

        Step step = harness.step();
        for (int slices : new int[] {1, 2, 7, 40}) {
            Files.delete(dir.resolve("s-roc.png"));
            Context context = new Context();
            SliceDecision.Pass<?> pass = step.decision().orElseThrow().first();
            while (pass != null) {
                SliceDecision.Sorted<?> sorted = (SliceDecision.Sorted<?>) pass;
                SliceDecision.Outcome o = sortedPass(sorted, rows, sorted.orderBy(), slices, context);
                pass = o instanceof SliceDecision.Again again ? again.pass() : null;
            }
            assertEquals(expected, context.metrics, slices + " slices");
            assertArrayEquals(chart, Files.readAllBytes(dir.resolve("s-roc.png")), slices + " slices");
        }
    }

    /**
     * One sorted pass as a distributed runner makes it: rows sorted by the column, cut into about {@code slices}
     * slices (never between equal values; some empty), each fed in batches of 33 with equal values shuffled.
     */
    private static <A extends Serializable> SliceDecision.Outcome sortedPass(
            SliceDecision.Pass<A> pass, List<Object[]> rows, String column, int slices, Context context)
            throws InterruptedException {
        int k = column.equals("tied") ? 1 : 2;
        List<Object[]> order = new ArrayList<>(rows);
        Collections.shuffle(order, new Random(slices));
        order.sort(Comparator.comparingDouble(r -> SliceDecision.Sorted.key((Double) r[k])));
        List<A> accumulators = new ArrayList<>();
        int from = 0;
        for (int s = 0; s < slices; s++) {
            int to = s == slices - 1 ? order.size() : Math.max(from, (int) ((long) order.size() * (s + 1) / slices));
            while (to > from
                    && to < order.size()
                    && SliceDecision.Sorted.key((Double) order.get(to)[k])
                            == SliceDecision.Sorted.key((Double) order.get(to - 1)[k])) {
                to++;
            }
            A a = pass.create();
            for (int b = from; b < to; b += 33) {
                try (Batch batch = scoredBatch(order.subList(b, Math.min(to, b + 33)))) {
                    a = pass.add(a, batch);
                }
            }
            accumulators.add(a);
            if (s % 3 == 1) {
                accumulators.add(pass.create()); // an empty slice
            }
            from = to;
        }
        return pass.next(accumulators, context);
    }

    /** Features of two sets, d = 6, of mixed magnitudes: one feature in the thousands, one tiny, one constant. */
    private static List<float[]> features(int n, long seed, double shift) {
        Random random = new Random(seed);
        List<float[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] f = new float[6];
            f[0] = (float) (random.nextGaussian() + shift);
            f[1] = (float) (1000 + 300 * random.nextGaussian());
            f[2] = (float) (1e-4 * random.nextGaussian());
            f[3] = 2.5f;
            f[4] = (float) Math.max(0, random.nextGaussian() * 3 + f[0]);
            f[5] = (float) (random.nextGaussian() * (1 + shift));
            rows.add(f);
        }
        return rows;
    }

    private static Batch featureBatch(List<float[]> rows, int first) {
        float[] flat = new float[rows.size() * 6];
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * 6, 6);
            meta.add(RowMeta.of("f" + (first + i)));
        }
        return Batch.builder(rows.size())
                .meta(meta)
                .column("features", BufferTensor.ofFloats(flat, rows.size(), 6))
                .build();
    }

    private static List<Batch> batches(List<float[]> rows, int size) {
        List<Batch> out = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += size) {
            out.add(featureBatch(rows.subList(from, Math.min(rows.size(), from + size)), from));
        }
        return out;
    }

    @Test
    void frechetDistanceFromExactMomentsIsTheSameBitsHoweverTheRowsAreGrouped() throws Exception {
        List<float[]> a = features(2500, 1, 0.0);
        List<float[]> b = features(1800, 2, 0.3);
        BuiltinStep definition = FrechetDistanceEval.definition();
        Map<String, Object> parameters = Map.of("metric", "fd");
        Object expected = null;
        for (int size : new int[] {1, 64, 5000}) {
            try (StepHarness.Result r =
                    StepHarness.of(definition, parameters, dir).run(batches(a, size), batches(b, size))) {
                if (expected == null) {
                    expected = r.metrics().get("fd");
                }
                assertEquals(expected, r.metrics().get("fd"), "batches of " + size);
            }
        }
        // the whole-array formula (two-pass centred covariance in doubles) agrees to the rounding
        double[] fa = flat(a);
        double[] fb = flat(b);
        double direct = FrechetDistance.compute(fa, a.size(), fb, b.size(), 6);
        assertEquals(Math.round(direct * 1e6) / 1e6, (Double) expected, 1e-6);
        assertTrue((Double) expected > 0.5, "the sets differ: " + expected);

        Step step = StepHarness.of(definition, parameters, dir).step();
        for (int[] cuts : new int[][] {{}, {1}, {3, 700, 701}, {0, 0, 2499}}) {
            Context context = new Context();
            SliceDecision.Pass<?> pass = step.decision().orElseThrow().first();
            while (pass != null) {
                SliceDecision.Outcome o = slicedPass(pass, List.of(a, b), cuts, context);
                pass = o instanceof SliceDecision.Again again ? again.pass() : null;
            }
            assertEquals(expected, context.metrics.get("fd"), "cut at " + Arrays.toString(cuts));
        }
    }

    /** A mergeable pass over both inputs, each cut at {@code cuts}, merged in a scrambled grouping. */
    private static <A extends Serializable> SliceDecision.Outcome slicedPass(
            SliceDecision.Pass<A> pass, List<List<float[]>> inputs, int[] cuts, Context context)
            throws InterruptedException {
        List<A> accumulators = new ArrayList<>();
        for (int input = 0; input < inputs.size(); input++) {
            List<float[]> rows = inputs.get(input);
            int from = 0;
            for (int c = 0; c <= cuts.length; c++) {
                int to = c == cuts.length ? rows.size() : Math.min(rows.size(), cuts[c]);
                A acc = pass.create(input);
                for (int f = from; f < to; f += 33) {
                    try (Batch batch = featureBatch(rows.subList(f, Math.min(to, f + 33)), f)) {
                        acc = pass.add(acc, batch);
                    }
                }
                accumulators.add(acc);
                from = to;
            }
        }
        SliceDecision.Mergeable<A> m = (SliceDecision.Mergeable<A>) pass;
        A merged = accumulators.get(accumulators.size() - 1);
        for (int i = accumulators.size() - 2; i >= 0; i -= 2) {
            merged = m.merge(accumulators.get(i), merged);
        }
        for (int i = accumulators.size() - 3; i >= 0; i -= 2) {
            merged = m.merge(merged, accumulators.get(i));
        }
        return pass.next(List.of(merged), context);
    }

    private static double[] flat(List<float[]> rows) {
        double[] out = new double[rows.size() * 6];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < 6; j++) {
                out[i * 6 + j] = rows.get(i)[j];
            }
        }
        return out;
    }

    @Test
    void aNonFiniteFeatureOrScoreIsNamedByItsRow() {
        List<float[]> a = features(10, 1, 0.0);
        a.get(4)[2] = Float.NaN;
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(FrechetDistanceEval.definition(), Map.of(), dir)
                        .run(batches(a, 3), batches(features(10, 2, 0.0), 3)));
        assertEquals(
                "row f4 has a non-finite value (NaN) in its feature column 'features'; the Frechet distance needs"
                        + " finite features",
                e.getMessage());
        GenpipeException few = assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(FrechetDistanceEval.definition(), Map.of(), dir)
                        .run(batches(features(1, 1, 0.0), 3), batches(features(10, 2, 0.0), 3)));
        assertEquals("the Frechet distance needs at least 2 rows per input; got 1 and 10", few.getMessage());

        List<Object[]> rows = scored().subList(0, 20);
        rows.get(7)[2] = Double.NaN;
        GenpipeException nan = assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(
                                AurocEval.definition(),
                                Map.of("scores", List.of("smooth"), "normal", List.of("1")),
                                dir)
                        .run(List.of(scoredBatch(rows))));
        assertEquals("row r7 has a NaN in score column 'smooth'; AUROC needs a number for every row", nan.getMessage());
        List<Object[]> normalOnly = new ArrayList<>();
        for (Object[] r : scored()) {
            if (((RowMeta) r[0]).label() == 1) {
                normalOnly.add(r);
            }
        }
        GenpipeException one = assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(
                                AurocEval.definition(),
                                Map.of("scores", List.of("smooth"), "normal", List.of("1")),
                                dir)
                        .run(List.of(scoredBatch(normalOnly))));
        assertEquals(
                "score column 'smooth' (normal class 1): AUROC needs rows of the normal class and others; got "
                        + normalOnly.size() + " and 0",
                one.getMessage());
    }

    /** A step's context: metrics recorded. */
    private final class Context implements StepContext {
        final Map<String, Object> metrics = new TreeMap<>();

        @Override
        public String stepId() {
            return "s";
        }

        @Override
        public Path pipelineFolder() {
            return dir;
        }

        @Override
        public Path outputFolder() {
            return dir;
        }

        @Override
        public int batchSize() {
            return 64;
        }

        @Override
        public RandomSource random() {
            return new RandomSource(1);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void metric(String group, String key, Object value) {
            if (key == null) {
                metrics.put(group, value);
            } else {
                ((Map<String, Object>) metrics.computeIfAbsent(group, k -> new TreeMap<>())).put(key, value);
            }
        }

        @Override
        public Map<String, Object> metrics() {
            return metrics;
        }

        @Override
        public void publish(String name, Object value) {}

        @Override
        public Object side(String producer, String name) {
            return null;
        }
    }
}
