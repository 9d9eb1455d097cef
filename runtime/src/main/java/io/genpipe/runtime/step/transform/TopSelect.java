package io.genpipe.runtime.step.transform;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.step.ScoreColumn;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepContext;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * top-k over slices of its rows, as Spark's TakeOrderedAndProject: each slice keeps its own k best rows per group
 * (score, then row order), the runner merges them into the k best per group and gives them their places (groups in
 * order, highest score first); each slice then emits its chosen rows with those places. The runner holds k
 * candidates per group and slice, never the rows.
 */
@SuppressWarnings("NonApiType") // accumulators are serializable maps
final class TopSelect implements SliceDecision {

    private static final long serialVersionUID = 1L;

    private final int k;
    private final boolean byLabel;
    private final ScoreColumn column;

    TopSelect(int k, boolean byLabel, ScoreColumn column) {
        this.k = k;
        this.byLabel = byLabel;
        this.column = column;
    }

    /** A candidate: its score, its slice and its place there. */
    private record Candidate(double score, int slice, long index) implements Serializable {}

    /** Best first: higher score, then earlier row. */
    private static final Comparator<Candidate> BEST = Comparator.comparingDouble(Candidate::score)
            .reversed()
            .thenComparingInt(Candidate::slice)
            .thenComparingLong(Candidate::index);

    /** The group of a row: its label (rows without one last), or one group for all. */
    private long group(RowMeta m) {
        return !byLabel ? 0 : m.label() == null ? Long.MAX_VALUE : m.label();
    }

    /** One slice's best k per group, and how many rows it has seen. */
    static final class Best implements Serializable {
        private static final long serialVersionUID = 1L;
        final HashMap<Long, ArrayList<Candidate>> groups = new HashMap<>();
        long rows;
    }

    @Override
    public Pass<?> first() {
        return new Pass<Best>() {
            private static final long serialVersionUID = 1L;

            @Override
            public Best create() {
                return new Best();
            }

            @Override
            public Best add(Best best, Batch rows) {
                double[] scores = column.scores(rows);
                for (int r = 0; r < scores.length; r++) {
                    // the slice is not known here: candidates of one slice compare by their index alone
                    ArrayList<Candidate> g = best.groups.computeIfAbsent(group(rows.meta(r)), x -> new ArrayList<>());
                    g.add(new Candidate(scores[r], 0, best.rows + r));
                    if (g.size() >= 2 * k) {
                        g.sort(BEST);
                        g.subList(k, g.size()).clear();
                    }
                }
                best.rows += scores.length;
                return best;
            }

            @Override
            public Outcome next(List<Best> slices, StepContext context) {
                TreeMap<Long, PriorityQueue<Candidate>> merged = new TreeMap<>();
                for (int s = 0; s < slices.size(); s++) {
                    for (Map.Entry<Long, ArrayList<Candidate>> e :
                            slices.get(s).groups.entrySet()) {
                        PriorityQueue<Candidate> heap =
                                merged.computeIfAbsent(e.getKey(), x -> new PriorityQueue<>(BEST.reversed()));
                        for (Candidate c : e.getValue()) {
                            heap.add(new Candidate(c.score(), s, c.index()));
                            if (heap.size() > k) {
                                heap.poll();
                            }
                        }
                    }
                }
                List<HashMap<Long, Long>> chosen = new ArrayList<>();
                slices.forEach(x -> chosen.add(new HashMap<>()));
                long position = 0;
                for (PriorityQueue<Candidate> heap : merged.values()) {
                    List<Candidate> best = new ArrayList<>(heap);
                    best.sort(BEST);
                    for (Candidate c : best) {
                        chosen.get(c.slice()).put(c.index(), position++);
                    }
                }
                List<SliceMapper> mappers = new ArrayList<>();
                chosen.forEach(c -> mappers.add(new Chosen(c)));
                return new Apply(mappers);
            }
        };
    }

    /** One slice's chosen rows and their places. */
    private static final class Chosen implements Reordering {
        private static final long serialVersionUID = 1L;
        private final HashMap<Long, Long> places;
        private long row;
        private long[] last = new long[0];

        Chosen(HashMap<Long, Long> places) {
            this.places = places;
        }

        @Override
        public List<RowMeta> map(Batch rows) {
            List<RowMeta> out = new ArrayList<>(rows.rows());
            List<Long> kept = new ArrayList<>();
            for (RowMeta m : rows.meta()) {
                Long place = places.get(row++);
                out.add(place == null ? null : m);
                if (place != null) {
                    kept.add(place);
                }
            }
            last = kept.stream().mapToLong(Long::longValue).toArray();
            return out;
        }

        @Override
        public long[] positions() {
            return last;
        }
    }
}
