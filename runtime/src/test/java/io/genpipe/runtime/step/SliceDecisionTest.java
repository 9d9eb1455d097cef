package io.genpipe.runtime.step;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.step.transform.FlagQuantile;
import io.genpipe.runtime.step.transform.Relabel;
import io.genpipe.runtime.step.transform.Take;
import io.genpipe.runtime.step.transform.TakePerClass;
import io.genpipe.runtime.step.transform.TopK;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global steps' decisions over slices of their rows (how the Spark engine runs them) give what the steps give
 * run over every row: the same rows, metadata, metrics and side values, whatever the slicing — with many ties.
 */
class SliceDecisionTest {

    @TempDir
    Path dir;

    /**
     * 2,000 rows of four classes (one rare; some rows without a label, but for flag-quantile's), scores from a few
     * values: ties everywhere, a few negative.
     */
    private static List<RowMeta> rows(boolean unlabelled) {
        Random random = new Random(7);
        List<RowMeta> rows = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Integer label = i % 97 == 0 ? Integer.valueOf(3) : random.nextInt(3);
            if (unlabelled && i % 89 == 0) {
                label = null;
            }
            double score = (random.nextInt(9) - 2) * 0.25 + (i % 500 == 0 ? 1e-9 : 0);
            rows.add(new RowMeta("r" + i, label, "test", score, Map.of()));
        }
        return rows;
    }

    @Test
    void flagQuantileAtEveryFraction() throws Exception {
        for (String fraction : List.of("0.05", "0.3", "0.5", "0.999")) {
            for (String by : List.of("label", "none")) {
                check(FlagQuantile.definition(), Map.of("fraction", Double.valueOf(fraction), "by", by), Map.of());
            }
        }
    }

    @Test
    void takesAndRelabel() throws Exception {
        check(Take.definition(), Map.of("n", 777L, "by", "none"), Map.of());
        check(Take.definition(), Map.of("n", 101L, "by", "label"), Map.of());
        check(Take.definition(), Map.of("n", 0L, "by", "none"), Map.of());
        check(Relabel.definition(), Map.of("cycle", 7L), Map.of());
        check(TopK.definition(), Map.of("k", 50L, "by", "none"), Map.of());
        check(TopK.definition(), Map.of("k", 300L, "by", "label"), Map.of());
        check(TopK.definition(), Map.of("k", 5000L, "by", "label"), Map.of());
        check(Relabel.definition(), Map.of("to", 2L), Map.of());
        // counts as a flag-quantile step publishes them: two classes named, the rest under "all"
        Map<String, Object> sides = Map.of("flag/counts", Map.of("0", 120L, "2", 3L, "all", 40L));
        check(TakePerClass.definition(), Map.of("counts", "flag"), sides);
    }

    /** The step over every row, then its decision over several slicings: the same outcome each time. */
    private void check(BuiltinStep definition, Map<String, Object> values, Map<String, Object> sides) throws Exception {
        Map<String, Object> given = new LinkedHashMap<>(values);
        definition.parameters().forEach(spec -> {
            if (!given.containsKey(spec.name()) && spec.defaultValue() != null) {
                given.put(spec.name(), spec.defaultValue());
            }
        });
        Step step = definition.create().apply(new Parameters(definition.parameters(), given), dir);
        List<RowMeta> rows = rows(!definition.name().equals("flag-quantile"));
        Context whole = new Context(sides);
        List<RowMeta> expected = new ArrayList<>();
        Deque<Batch> in = new ArrayDeque<>();
        for (int from = 0; from < rows.size(); from += 64) {
            in.add(Batch.builder(Math.min(64, rows.size() - from))
                    .meta(rows.subList(from, Math.min(rows.size(), from + 64)))
                    .build());
        }
        step.run(
                List.of(in::poll),
                b -> {
                    try (b) {
                        expected.addAll(b.meta());
                    }
                },
                whole);
        SliceDecision decision = step.decision().orElseThrow();
        for (int[] cuts : new int[][] {{}, {1000}, {3, 700, 701, 1500}, {0, 0, 1999}}) {
            List<List<RowMeta>> slices = new ArrayList<>();
            int from = 0;
            for (int cut : cuts) {
                slices.add(rows.subList(from, cut));
                from = cut;
            }
            slices.add(rows.subList(from, rows.size()));
            Context sliced = new Context(sides);
            List<RowMeta> got = run(decision, slices, sliced);
            String what = definition.name() + " " + values + " sliced at " + Arrays.toString(cuts);
            assertEquals(expected, got, what);
            assertEquals(whole.metrics, sliced.metrics, what);
            assertEquals(whole.published, sliced.published, what);
        }
    }

    private static List<RowMeta> run(SliceDecision decision, List<List<RowMeta>> slices, Context context)
            throws Exception {
        SliceDecision.Pass<?> pass = decision.first();
        SliceDecision.Apply apply = null;
        while (apply == null) {
            SliceDecision.Outcome o = pass(pass, slices, context);
            if (o instanceof SliceDecision.Again again) {
                pass = again.pass();
            } else {
                apply = (SliceDecision.Apply) o;
            }
        }
        List<RowMeta> out = new ArrayList<>();
        TreeMap<Long, RowMeta> placed = new TreeMap<>();
        for (int s = 0; s < slices.size(); s++) {
            SliceDecision.SliceMapper mapper = apply.mappers().get(s);
            List<RowMeta> slice = slices.get(s);
            for (int from = 0; from < slice.size(); from += 50) {
                try (Batch b = Batch.builder(Math.min(50, slice.size() - from))
                        .meta(slice.subList(from, Math.min(slice.size(), from + 50)))
                        .build()) {
                    List<RowMeta> kept =
                            mapper.map(b).stream().filter(m -> m != null).toList();
                    if (mapper instanceof SliceDecision.Reordering r) {
                        long[] at = r.positions();
                        for (int i = 0; i < kept.size(); i++) {
                            placed.put(at[i], kept.get(i));
                        }
                    } else {
                        out.addAll(kept);
                    }
                }
            }
        }
        out.addAll(placed.values());
        return out;
    }

    private static <A extends Serializable> SliceDecision.Outcome pass(
            SliceDecision.Pass<A> pass, List<List<RowMeta>> slices, Context context) throws InterruptedException {
        List<A> accumulators = new ArrayList<>();
        for (List<RowMeta> slice : slices) {
            A a = pass.create();
            for (int from = 0; from < slice.size(); from += 33) {
                try (Batch b = Batch.builder(Math.min(33, slice.size() - from))
                        .meta(slice.subList(from, Math.min(slice.size(), from + 33)))
                        .build()) {
                    a = pass.add(a, b);
                }
            }
            accumulators.add(a);
        }
        if (pass instanceof SliceDecision.Mergeable<A> m && accumulators.size() > 1) {
            // as a runner may: merged where they are made, in no particular grouping
            A merged = m.merge(accumulators.get(accumulators.size() - 1), accumulators.get(0));
            for (int i = 1; i < accumulators.size() - 1; i++) {
                merged = m.merge(accumulators.get(i), merged);
            }
            return pass.next(List.of(merged), context);
        }
        return pass.next(accumulators, context);
    }

    /** A step's context: metrics and side values recorded. */
    private final class Context implements StepContext {
        final Map<String, Object> metrics = new TreeMap<>();
        final Map<String, Object> published = new TreeMap<>();
        final Map<String, Object> sides;

        Context(Map<String, Object> sides) {
            this.sides = sides;
        }

        @Override
        public String stepId() {
            return "step";
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
        public void publish(String name, Object value) {
            published.put(name, value);
        }

        @Override
        public Object side(String producer, String name) {
            return sides.get(producer + "/" + name);
        }
    }
}
