package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.report.Charts;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.transform.FlagQuantile;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.AbstractIntervalXYDataset;

/**
 * The {@code histogram} built-in step: a PNG histogram of the rows' scores, one series per class, per flagged tag, or one.
 */
public final class HistogramSink {

    private HistogramSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("file");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "histogram",
                StepCategory.SINK,
                "a PNG histogram of the rows' scores, one series per group (by: label, flagged or none)",
                List.of(
                        ParameterSpec.choice(
                                "by", "none", "series per label, per flagged tag, or one", "none", "label", "flagged"),
                        ParameterSpec.optional("bins", ParameterType.INTEGER, "50", "number of bins")
                                .range(1, 10_000),
                        ParameterSpec.optional("title", ParameterType.STRING, "Scores", "chart title"),
                        ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.png)")),
                1,
                1,
                (p, folder) -> {
                    Histogram histogram = new Histogram(
                            p.getString("by"),
                            p.getInt("bins"),
                            p.getString("title"),
                            p.findString("file").orElse(null));
                    return new SinkStep() {
                        @Override
                        public Optional<SliceDecision> decision() {
                            return Optional.of(histogram);
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            // the same two passes as over slices, over the scores held here
                            Map<String, double[]> groups = new TreeMap<>();
                            Map<String, Integer> sizes = new HashMap<>();
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    for (RowMeta m : b.meta()) {
                                        String g = histogram.group(m);
                                        double[] values = groups.computeIfAbsent(g, k -> new double[64]);
                                        int n = sizes.merge(g, 1, Integer::sum);
                                        if (n > values.length) {
                                            values = Arrays.copyOf(values, values.length * 2);
                                            groups.put(g, values);
                                        }
                                        values[n - 1] = m.score();
                                    }
                                }
                            }
                            Range range = new Range();
                            groups.forEach((g, v) -> {
                                for (int i = 0; i < sizes.get(g); i++) {
                                    range.add(v[i]);
                                }
                            });
                            TreeMap<String, long[]> counts = new TreeMap<>();
                            groups.forEach((g, v) -> {
                                long[] c = new long[histogram.bins];
                                for (int i = 0; i < sizes.get(g); i++) {
                                    c[histogram.bin(v[i], range.min, range.max())]++;
                                }
                                counts.put(g, c);
                            });
                            histogram.draw(counts, range, context);
                        }
                    };
                });
    }

    /** The smallest and largest score seen. */
    static final class Range implements Serializable {
        private static final long serialVersionUID = 1L;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;

        void add(double v) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }

        /** The top of the last bin (one above the bottom when every score is the same). */
        double max() {
            return max == min ? min + 1 : max;
        }
    }

    /**
     * The histogram as passes over slices of the rows: the scores' range, then each group's counts per bin (bins as
     * JFreeChart's HistogramDataset cuts them); drawn from the counts, so a runner holds bins, never scores.
     */
    @SuppressWarnings("NonApiType") // accumulators are serializable maps
    static final class Histogram implements SliceDecision {
        private static final long serialVersionUID = 1L;
        private final String by;
        private final int bins;
        private final String title;
        private final String file;

        Histogram(String by, int bins, String title, String file) {
            this.by = by;
            this.bins = bins;
            this.title = title;
            this.file = file;
        }

        String group(RowMeta m) {
            if (m.score() == null) {
                throw new GenpipeException("row " + m.id() + " has no score; put a scorer step before");
            }
            return by.equals("label")
                    ? "class " + m.label()
                    : by.equals("flagged")
                            ? ("true".equals(m.tags().get(FlagQuantile.FLAGGED)) ? "flagged" : "kept")
                            : "all";
        }

        /** The bin of {@code value}, as HistogramDataset finds it. */
        int bin(double value, double minimum, double maximum) {
            int index = bins - 1;
            if (value < maximum) {
                double fraction = (value - minimum) / (maximum - minimum);
                if (fraction < 0.0) {
                    fraction = 0.0;
                }
                index = (int) (fraction * bins);
                if (index >= bins) {
                    index = bins - 1;
                }
            }
            return index;
        }

        @Override
        public Pass<?> first() {
            return new Mergeable<Range>() {
                private static final long serialVersionUID = 1L;

                @Override
                public Range merge(Range a, Range b) {
                    if (b.min <= b.max) {
                        a.add(b.min);
                        a.add(b.max);
                    }
                    return a;
                }

                @Override
                public Range create() {
                    return new Range();
                }

                @Override
                public Range add(Range range, Batch rows) {
                    for (RowMeta m : rows.meta()) {
                        group(m);
                        range.add(m.score());
                    }
                    return range;
                }

                @Override
                public Outcome next(List<Range> slices, StepContext context) {
                    Range all = new Range();
                    slices.forEach(r -> {
                        if (r.min <= r.max) {
                            all.add(r.min);
                            all.add(r.max);
                        }
                    });
                    return new Again(new Counts(all));
                }
            };
        }

        /** The second pass: each group's counts per bin. */
        private final class Counts implements Mergeable<HashMap<String, long[]>> {
            private static final long serialVersionUID = 1L;
            private final Range range;

            Counts(Range range) {
                this.range = range;
            }

            @Override
            public HashMap<String, long[]> create() {
                return new HashMap<>();
            }

            @Override
            public HashMap<String, long[]> add(HashMap<String, long[]> counts, Batch rows) {
                for (RowMeta m : rows.meta()) {
                    counts.computeIfAbsent(group(m), g -> new long[bins])[bin(m.score(), range.min, range.max())]++;
                }
                return counts;
            }

            @Override
            public HashMap<String, long[]> merge(HashMap<String, long[]> a, HashMap<String, long[]> b) {
                b.forEach((g, c) -> {
                    long[] into = a.computeIfAbsent(g, x -> new long[bins]);
                    for (int i = 0; i < bins; i++) {
                        into[i] += c[i];
                    }
                });
                return a;
            }

            @Override
            public Outcome next(List<HashMap<String, long[]>> slices, StepContext context) {
                TreeMap<String, long[]> counts = new TreeMap<>();
                for (HashMap<String, long[]> slice : slices) {
                    slice.forEach((g, c) -> {
                        long[] into = counts.computeIfAbsent(g, x -> new long[bins]);
                        for (int i = 0; i < bins; i++) {
                            into[i] += c[i];
                        }
                    });
                }
                draw(counts, range, context);
                return withoutPasses(slices.size());
            }
        }

        void draw(TreeMap<String, long[]> counts, Range range, StepContext context) {
            BinnedDataset data = new BinnedDataset(range.min, range.max(), bins);
            counts.forEach(data::add);
            JFreeChart chart = ChartFactory.createHistogram(
                    title, "score", "rows", data, PlotOrientation.VERTICAL, counts.size() > 1, false, false);
            Charts.style(chart);
            Charts.save(
                    chart,
                    OutputPaths.resolve(context.outputFolder(), file != null ? file : context.stepId() + ".png"));
        }
    }

    /** Series of counts per bin, with HistogramDataset's bin boundaries. */
    private static final class BinnedDataset extends AbstractIntervalXYDataset {
        private static final long serialVersionUID = 1L;
        private final double[] starts;
        private final double[] ends;
        private final List<String> keys = new ArrayList<>();
        private final List<long[]> counts = new ArrayList<>();

        BinnedDataset(double minimum, double maximum, int bins) {
            starts = new double[bins];
            ends = new double[bins];
            double width = (maximum - minimum) / bins;
            double lower = minimum;
            for (int i = 0; i < bins; i++) {
                starts[i] = lower;
                if (i == bins - 1) {
                    ends[i] = maximum;
                } else {
                    double upper = minimum + (i + 1) * width;
                    ends[i] = upper;
                    lower = upper;
                }
            }
        }

        void add(String key, long[] c) {
            keys.add(key);
            counts.add(c);
        }

        @Override
        public int getSeriesCount() {
            return keys.size();
        }

        @Override
        public Comparable<String> getSeriesKey(int series) {
            return keys.get(series);
        }

        @Override
        public int getItemCount(int series) {
            return starts.length;
        }

        @Override
        public Number getX(int series, int item) {
            return (starts[item] + ends[item]) / 2.0;
        }

        @Override
        public Number getY(int series, int item) {
            return (int) counts.get(series)[item];
        }

        @Override
        public Number getStartX(int series, int item) {
            return starts[item];
        }

        @Override
        public Number getEndX(int series, int item) {
            return ends[item];
        }

        @Override
        public Number getStartY(int series, int item) {
            return getY(series, item);
        }

        @Override
        public Number getEndY(int series, int item) {
            return getY(series, item);
        }
    }
}
