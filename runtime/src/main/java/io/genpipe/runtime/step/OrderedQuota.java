package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The first rows of each group, in row order, up to the group's quota ({@code take}, {@code take-per-class}), as a
 * {@link SliceDecision}: one pass counts each slice's rows per group; each slice then keeps as many of a group's
 * rows as the quota has left after the slices before it.
 */
@SuppressWarnings("NonApiType") // accumulators are serializable maps
public final class OrderedQuota {

    private OrderedQuota() {}

    /** A row's group (null: the row is never kept). */
    @FunctionalInterface
    public interface Grouping extends Serializable {
        String group(RowMeta row);
    }

    /** The quotas, decided where the runner is (they may read side values). */
    @FunctionalInterface
    public interface Quotas extends Serializable {
        Rule rule(StepContext context) throws InterruptedException;
    }

    /** Which quota a group's rows count against (groups may share one), and how many rows each quota keeps. */
    public interface Rule {
        /** The quota a group counts against. */
        String bucket(String group);

        /** How many rows the quota keeps; null keeps none. */
        Long quota(String bucket);
    }

    /**
     * The decision.
     *
     * @param grouping a row's group; evaluated on the rows' metadata where they are
     * @param quotas which quota each group counts against, and each quota
     */
    public static SliceDecision of(Grouping grouping, Quotas quotas) {
        return () -> new SliceDecision.Pass<HashMap<String, Long>>() {
            @Override
            public HashMap<String, Long> create() {
                return new HashMap<>();
            }

            @Override
            public HashMap<String, Long> add(HashMap<String, Long> counts, Batch rows) {
                for (RowMeta m : rows.meta()) {
                    String g = grouping.group(m);
                    if (g != null) {
                        counts.merge(g, 1L, Long::sum);
                    }
                }
                return counts;
            }

            @Override
            public SliceDecision.Outcome next(List<HashMap<String, Long>> slices, StepContext context)
                    throws InterruptedException {
                Rule rule = quotas.rule(context);
                Map<String, Long> left = new HashMap<>();
                List<SliceDecision.SliceMapper> mappers = new ArrayList<>();
                for (HashMap<String, Long> slice : slices) {
                    HashMap<String, String> buckets = new HashMap<>();
                    HashMap<String, Long> rows = new HashMap<>();
                    slice.forEach((g, n) -> {
                        String bucket = rule.bucket(g);
                        buckets.put(g, bucket);
                        rows.merge(bucket, n, Long::sum);
                    });
                    HashMap<String, Long> allowed = new HashMap<>();
                    rows.forEach((bucket, n) -> {
                        Long quota = left.computeIfAbsent(bucket, rule::quota);
                        if (quota != null) {
                            long take = Math.min(quota, n);
                            allowed.put(bucket, take);
                            left.put(bucket, quota - take);
                        }
                    });
                    mappers.add(new Keep(grouping, buckets, allowed));
                }
                return new SliceDecision.Apply(mappers);
            }
        };
    }

    /** One slice's rows kept while its group's allowance lasts. */
    private static final class Keep implements SliceDecision.SliceMapper {
        private static final long serialVersionUID = 1L;
        private final Grouping grouping;
        private final HashMap<String, String> buckets;
        private final HashMap<String, Long> allowed;
        private final HashMap<String, Long> kept = new HashMap<>();

        Keep(Grouping grouping, HashMap<String, String> buckets, HashMap<String, Long> allowed) {
            this.grouping = grouping;
            this.buckets = buckets;
            this.allowed = allowed;
        }

        @Override
        public List<RowMeta> map(Batch rows) {
            List<RowMeta> out = new ArrayList<>(rows.rows());
            for (RowMeta m : rows.meta()) {
                String g = grouping.group(m);
                String bucket = g == null ? null : buckets.get(g);
                Long limit = bucket == null ? null : allowed.get(bucket);
                if (limit != null && kept.getOrDefault(bucket, 0L) < limit) {
                    kept.merge(bucket, 1L, Long::sum);
                    out.add(m);
                } else {
                    out.add(null);
                }
            }
            return out;
        }
    }
}
