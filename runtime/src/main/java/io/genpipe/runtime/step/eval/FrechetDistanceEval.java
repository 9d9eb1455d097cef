package io.genpipe.runtime.step.eval;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.eval.FeatureMoments;
import io.genpipe.runtime.eval.FrechetDistance;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code frechet-distance} built-in step: the Fréchet distance between the feature columns of its two inputs, e.g. FD on classifier features (global).
 */
public final class FrechetDistanceEval {

    private FrechetDistanceEval() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "frechet-distance",
                StepCategory.EVAL,
                "Frechet distance between the feature columns of two inputs (FD on classifier features: FD-clf); metrics.<metric>",
                List.of(
                        ParameterSpec.optional(
                                "column", ParameterType.STRING, "features", "float32[batch,d] feature column"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "fdClf", "metric name in run.json")),
                2,
                2,
                (p, folder) -> new Step() {
                    @Override
                    public Optional<Set<String>> readsColumns() {
                        return Optional.of(Set.of(p.getString("column")));
                    }

                    @Override
                    public List<PortSpec> outputs(List<StepInput> inputs) {
                        for (StepInput in : inputs) {
                            Columns.require(PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", "d"), in);
                        }
                        return List.of();
                    }

                    @Override
                    public Optional<SliceDecision> decision() {
                        return Optional.of(new Sliced(p.getString("column"), p.getString("metric")));
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // the passes' arithmetic over one slice per input: the bits a distributed runner gets
                        String column = p.getString("column");
                        List<List<float[]>> parts = List.of(new ArrayList<>(), new ArrayList<>());
                        Ranges ranges = new Ranges();
                        for (int i = 0; i < 2; i++) {
                            ranges.slot = i;
                            BatchInput in = inputs.get(i);
                            for (Batch next = in.next(); next != null; next = in.next()) {
                                try (Batch b = next) {
                                    parts.get(i).add(ranges.add(b, column));
                                }
                            }
                        }
                        Sliced sliced = new Sliced(column, p.getString("metric"));
                        Sums sums = new Sums();
                        SumPass pass = sliced.sums(ranges);
                        for (int i = 0; i < 2; i++) {
                            sums = sums.merge(pass.create(i));
                            for (float[] values : parts.get(i)) {
                                sums.moments[i].add(values, values.length / pass.d);
                            }
                        }
                        pass.next(List.of(sums), context);
                    }
                });
    }

    /** Pass one's accumulator: each input's rows, feature count and largest magnitude. */
    private static final class Ranges implements Serializable {
        private static final long serialVersionUID = 1L;
        int slot;
        final int[] d = {-1, -1};
        final long[] rows = new long[2];
        final double[] maxAbs = new double[2];

        /** The batch's features, counted, checked finite and measured. */
        float[] add(Batch b, String column) {
            Tensor t = b.column(column);
            int width = (int) t.shape()[1];
            float[] values = t.toFloatArray();
            if (d[slot] >= 0 && d[slot] != width) {
                throw new GenpipeException("the feature column '" + column + "' of input " + (slot + 1)
                        + " changes size between rows: " + d[slot] + " and " + width);
            }
            d[slot] = width;
            for (int k = 0; k < values.length; k++) {
                float v = values[k];
                if (!Float.isFinite(v)) {
                    throw new GenpipeException("row " + b.meta(k / width).id() + " has a non-finite value (" + v
                            + ") in its feature column '" + column + "'; the Frechet distance needs finite features");
                }
                maxAbs[slot] = Math.max(maxAbs[slot], Math.abs(v));
            }
            rows[slot] += b.rows();
            return values;
        }

        Ranges merge(Ranges o) {
            for (int i = 0; i < 2; i++) {
                if (d[i] >= 0 && o.d[i] >= 0 && d[i] != o.d[i]) {
                    throw new GenpipeException("the feature column of input " + (i + 1) + " changes size between rows: "
                            + d[i] + " and " + o.d[i]);
                }
                d[i] = Math.max(d[i], o.d[i]);
                rows[i] += o.rows[i];
                maxAbs[i] = Math.max(maxAbs[i], o.maxAbs[i]);
            }
            return this;
        }
    }

    /** Pass two's accumulator: each input's exact moments. */
    private static final class Sums implements Serializable {
        private static final long serialVersionUID = 1L;
        final FeatureMoments[] moments = new FeatureMoments[2];

        Sums merge(Sums o) {
            for (int i = 0; i < 2; i++) {
                if (moments[i] == null) {
                    moments[i] = o.moments[i];
                } else if (o.moments[i] != null) {
                    moments[i].add(o.moments[i]);
                }
            }
            return this;
        }
    }

    /**
     * The distance in two mergeable passes over slices of the two inputs' rows: first each input's rows, feature
     * count and largest magnitude (which sets the fixed-point scale), then each input's exact moments
     * ({@link FeatureMoments}) — so every grouping of the rows gives the bits the local runner gets.
     */
    private record Sliced(String column, String metric) implements SliceDecision {
        @Override
        public Pass<?> first() {
            return new Mergeable<Ranges>() {
                private static final long serialVersionUID = 1L;

                @Override
                public Ranges create() {
                    return new Ranges();
                }

                @Override
                public Ranges create(int input) {
                    Ranges r = new Ranges();
                    r.slot = input;
                    return r;
                }

                @Override
                public Ranges add(Ranges ranges, Batch rows) {
                    ranges.add(rows, column);
                    return ranges;
                }

                @Override
                public Ranges merge(Ranges a, Ranges b) {
                    return a.merge(b);
                }

                @Override
                public Outcome next(List<Ranges> slices, StepContext context) {
                    Ranges all = new Ranges();
                    slices.forEach(all::merge);
                    return new Again(sums(all));
                }
            };
        }

        /** The second pass, once the first has measured every row. */
        SumPass sums(Ranges all) {
            if (all.rows[0] < 2 || all.rows[1] < 2) {
                throw new GenpipeException("the Frechet distance needs at least 2 rows per input; got " + all.rows[0]
                        + " and " + all.rows[1]);
            }
            if (all.d[0] != all.d[1]) {
                throw new GenpipeException(
                        "the two inputs' feature columns differ in size: " + all.d[0] + " and " + all.d[1]);
            }
            return new SumPass(column, metric, all.d[0], new int[] {
                FeatureMoments.scaleFor(all.maxAbs[0]), FeatureMoments.scaleFor(all.maxAbs[1])
            });
        }
    }

    /** Pass two: the moments at the scales pass one chose. */
    @SuppressWarnings("ArrayRecordComponent")
    private record SumPass(String column, String metric, int d, int[] scales) implements SliceDecision.Mergeable<Sums> {
        private static final long serialVersionUID = 1L;

        @Override
        public Sums create() {
            return new Sums();
        }

        @Override
        public Sums create(int input) {
            Sums s = new Sums();
            s.moments[input] = new FeatureMoments(scales[input], d);
            return s;
        }

        @Override
        public Sums add(Sums sums, Batch rows) {
            FeatureMoments into = null;
            for (FeatureMoments m : sums.moments) {
                into = m != null ? m : into;
            }
            if (into == null) {
                throw new IllegalStateException("a slice's moments were made without their input");
            }
            into.add(rows.column(column).toFloatArray(), rows.rows());
            return sums;
        }

        @Override
        public Sums merge(Sums a, Sums b) {
            return a.merge(b);
        }

        @Override
        public SliceDecision.Outcome next(List<Sums> slices, StepContext context) {
            Sums all = new Sums();
            slices.forEach(all::merge);
            for (int i = 0; i < 2; i++) {
                if (all.moments[i] == null) {
                    all.moments[i] = new FeatureMoments(scales[i], d);
                }
            }
            context.metric(metric, null, Numbers.round(FrechetDistance.compute(all.moments[0], all.moments[1])));
            List<SliceDecision.SliceMapper> unchanged = new ArrayList<>();
            for (int i = 0; i < slices.size(); i++) {
                unchanged.add(SliceDecision.SliceMapper.UNCHANGED);
            }
            return new SliceDecision.Apply(unchanged);
        }
    }
}
