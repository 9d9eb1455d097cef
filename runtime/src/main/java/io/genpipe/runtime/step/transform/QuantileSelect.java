package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.step.ScoreColumn;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepContext;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * flag-quantile over slices of its rows, exact: per group, the k-th highest score found by a radix selection on
 * the scores' bits (five passes of 13, 13, 13, 13 and 12 bits, each counting the rows of each group in the buckets
 * under the prefix found so far: accumulators of a few thousand counts, whatever the number of rows); the last
 * pass's per-slice counts of rows at the threshold tell each slice how many of its ties it flags, in row order. The
 * same thresholds, counts and flags as the step run over every row.
 */
@SuppressWarnings("NonApiType") // accumulators are serializable maps
final class QuantileSelect implements SliceDecision {

    private static final long serialVersionUID = 1L;
    private static final int[] WIDTHS = {13, 13, 13, 13, 12};

    private final double fraction;
    private final boolean perClass;
    private final String metric;
    private final ScoreColumn column;

    QuantileSelect(double fraction, boolean perClass, String metric, ScoreColumn column) {
        this.fraction = fraction;
        this.perClass = perClass;
        this.metric = metric;
        this.column = column;
    }

    @Override
    public Pass<?> first() {
        return new Level(0, new TreeMap<>());
    }

    /** A score as an unsigned 64-bit key in the scores' order. */
    static long key(double v) {
        long bits = Double.doubleToLongBits(v);
        return (bits ^ ((bits >> 63) & Long.MAX_VALUE)) ^ Long.MIN_VALUE;
    }

    static double value(long key) {
        long bits = key ^ Long.MIN_VALUE;
        return Double.longBitsToDouble(bits ^ ((bits >> 63) & Long.MAX_VALUE));
    }

    private static int shift(int level) {
        int used = 0;
        for (int i = 0; i <= level; i++) {
            used += WIDTHS[i];
        }
        return 64 - used;
    }

    /**
     * What is known of a group so far.
     *
     * @param rows its rows
     * @param k how many to flag
     * @param prefix the top bits of the k-th highest score's key found so far
     * @param above rows of the group with a key above the prefix's range
     */
    private record Group(long rows, long k, long prefix, long above) implements Serializable {}

    /** One level of the selection: counts per bucket of the next bits, per group, of the rows under its prefix. */
    private final class Level implements Mergeable<HashMap<Integer, long[]>> {
        private static final long serialVersionUID = 1L;
        private final int level;
        private final TreeMap<Integer, Group> groups;

        Level(int level, TreeMap<Integer, Group> groups) {
            this.level = level;
            this.groups = groups;
        }

        @Override
        public HashMap<Integer, long[]> create() {
            return new HashMap<>();
        }

        @Override
        public HashMap<Integer, long[]> add(HashMap<Integer, long[]> counts, Batch rows) {
            double[] scores = column.scores(rows);
            int shift = shift(level);
            int width = WIDTHS[level];
            for (int r = 0; r < scores.length; r++) {
                RowMeta m = rows.meta(r);
                if (perClass && m.label() == null) {
                    throw new GenpipeException("row " + m.id() + " has no label; by: label needs labelled rows");
                }
                int g = perClass ? m.label() : -1;
                long key = key(scores[r]);
                if (level > 0) {
                    Group known = groups.get(g);
                    if (known == null || known.k() == 0 || key >>> (shift + width) != known.prefix()) {
                        continue;
                    }
                }
                counts.computeIfAbsent(g, x -> new long[1 << width])[(int) ((key >>> shift) & ((1L << width) - 1))]++;
            }
            return counts;
        }

        @Override
        public HashMap<Integer, long[]> merge(HashMap<Integer, long[]> a, HashMap<Integer, long[]> b) {
            b.forEach((g, c) -> {
                long[] into = a.get(g);
                if (into == null) {
                    a.put(g, c);
                } else {
                    for (int i = 0; i < c.length; i++) {
                        into[i] += c[i];
                    }
                }
            });
            return a;
        }

        @Override
        public Outcome next(List<HashMap<Integer, long[]>> slices, StepContext context) {
            int width = WIDTHS[level];
            TreeMap<Integer, long[]> merged = new TreeMap<>();
            for (HashMap<Integer, long[]> slice : slices) {
                slice.forEach((g, c) -> {
                    long[] into = merged.computeIfAbsent(g, x -> new long[1 << width]);
                    for (int i = 0; i < c.length; i++) {
                        into[i] += c[i];
                    }
                });
            }
            TreeMap<Integer, Group> found = new TreeMap<>();
            if (level == 0) {
                merged.forEach((g, c) -> {
                    long n = 0;
                    for (long x : c) {
                        n += x;
                    }
                    found.put(g, new Group(n, Math.round(fraction * n), 0, 0));
                });
            } else {
                found.putAll(groups);
            }
            for (Map.Entry<Integer, Group> e : found.entrySet()) {
                Group g = e.getValue();
                if (g.k() == 0) {
                    continue;
                }
                long[] c = merged.get(e.getKey());
                long above = g.above();
                int b = c.length - 1;
                while (above + c[b] < g.k()) {
                    above += c[b];
                    b--;
                }
                e.setValue(new Group(g.rows(), g.k(), (g.prefix() << width) | b, above));
            }
            if (level + 1 < WIDTHS.length) {
                return new Again(new Level(level + 1, found));
            }
            return new Again(new Ties(found));
        }
    }

    /** The last pass: each slice's rows at its group's threshold, so that each slice knows its share of the ties. */
    private final class Ties implements Pass<HashMap<Integer, Long>> {
        private static final long serialVersionUID = 1L;
        private final TreeMap<Integer, Group> found;

        Ties(TreeMap<Integer, Group> found) {
            this.found = found;
        }

        @Override
        public HashMap<Integer, Long> create() {
            return new HashMap<>();
        }

        @Override
        public HashMap<Integer, Long> add(HashMap<Integer, Long> ties, Batch rows) {
            double[] scores = column.scores(rows);
            for (int r = 0; r < scores.length; r++) {
                RowMeta m = rows.meta(r);
                int g = perClass ? m.label() : -1;
                Group known = found.get(g);
                if (known != null && known.k() > 0 && key(scores[r]) == known.prefix()) {
                    ties.merge(g, 1L, Long::sum);
                }
            }
            return ties;
        }

        /** Thresholds and counts published; each slice's share of each group's ties. */
        @Override
        public Outcome next(List<HashMap<Integer, Long>> slices, StepContext context) {
            HashMap<Integer, Double> thresholds = new HashMap<>();
            HashMap<Integer, Long> ties = new HashMap<>();
            int total = 0;
            for (Map.Entry<Integer, Group> e : found.entrySet()) {
                Group g = e.getValue();
                thresholds.put(e.getKey(), g.k() == 0 ? Double.POSITIVE_INFINITY : value(g.prefix()));
                ties.put(e.getKey(), g.k() - g.above());
                total += (int) g.k();
            }
            List<SliceMapper> mappers = new ArrayList<>();
            for (HashMap<Integer, Long> slice : slices) {
                HashMap<Integer, Long> allowed = new HashMap<>();
                ties.forEach((g, left) -> {
                    long here = slice.getOrDefault(g, 0L);
                    long take = Math.min(left, here);
                    allowed.put(g, take);
                    ties.put(g, left - take);
                });
                mappers.add(new Flags(perClass, column, new HashMap<>(thresholds), allowed));
            }
            context.metric(metric, null, total);
            Map<String, Double> published = new TreeMap<>();
            Map<String, Long> counts = new TreeMap<>();
            for (Map.Entry<Integer, Group> e : found.entrySet()) {
                String key = perClass ? Integer.toString(e.getKey()) : "all";
                context.metric(metric + "PerClass", key, (int) e.getValue().k());
                context.metric(metric + "Thresholds", key, thresholds.get(e.getKey()));
                published.put(key, thresholds.get(e.getKey()));
                counts.put(key, e.getValue().k());
            }
            context.publish(FlagQuantile.THRESHOLDS.name(), Collections.unmodifiableMap(published));
            context.publish(FlagQuantile.COUNTS.name(), Collections.unmodifiableMap(counts));
            return new Apply(mappers);
        }
    }

    /** One slice's flags: above the threshold, or at it while the slice's share of the ties lasts. */
    private static final class Flags implements SliceMapper {
        private static final long serialVersionUID = 1L;
        private final boolean perClass;
        private final ScoreColumn column;
        private final HashMap<Integer, Double> thresholds;
        private final HashMap<Integer, Long> allowed;
        private final HashMap<Integer, Long> used = new HashMap<>();

        Flags(
                boolean perClass,
                ScoreColumn column,
                HashMap<Integer, Double> thresholds,
                HashMap<Integer, Long> allowed) {
            this.perClass = perClass;
            this.column = column;
            this.thresholds = thresholds;
            this.allowed = allowed;
        }

        @Override
        public List<RowMeta> map(Batch rows) {
            double[] scores = column.scores(rows);
            List<RowMeta> out = new ArrayList<>(rows.rows());
            for (int r = 0; r < scores.length; r++) {
                RowMeta m = rows.meta(r);
                int g = perClass ? m.label() : -1;
                double t = thresholds.get(g);
                boolean flag = scores[r] > t;
                if (!flag && key(scores[r]) == key(t) && used.getOrDefault(g, 0L) < allowed.getOrDefault(g, 0L)) {
                    used.merge(g, 1L, Long::sum);
                    flag = true;
                }
                Map<String, String> tags = new LinkedHashMap<>(m.tags());
                tags.put(FlagQuantile.FLAGGED, Boolean.toString(flag));
                out.add(new RowMeta(m.id(), m.label(), m.source(), m.score(), tags));
            }
            return out;
        }
    }
}
