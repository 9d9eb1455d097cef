package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code relabel} built-in step: sets each row's label to a fixed class or cycles through classes (global: cycle: goes by row position).
 */
public final class Relabel {

    private Relabel() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(Aggregation.METADATA, "labels by row position: cycle: counts the rows in order");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "relabel",
                StepCategory.TRANSFORM,
                "sets each row's label: to a fixed class (to: c) or cycling through classes (cycle: k gives 0, 1, ..., k-1, 0, ...)",
                List.of(
                        ParameterSpec.optional("to", ParameterType.INTEGER, null, "the label every row gets")
                                .range(0, Integer.MAX_VALUE),
                        ParameterSpec.optional(
                                        "cycle", ParameterType.INTEGER, null, "labels 0..cycle-1 in turn, row by row")
                                .range(1, 1_000_000)),
                1,
                1,
                (p, folder) -> {
                    if (p.has("to") == p.has("cycle")) {
                        throw new GenpipeException(
                                "relabel needs exactly one of to: (a fixed label) or cycle: (a number of classes)");
                    }
                    long cycle = p.has("cycle") ? p.getLong("cycle") : 0;
                    if (p.has("cycle") && cycle < 1) {
                        throw new GenpipeException("cycle must be >= 1, got " + cycle);
                    }
                    Integer to = p.has("to") ? p.getInt("to") : null;
                    return new PassThroughStep() {
                        @Override
                        public Optional<SliceDecision> decision() {
                            return Optional.of(() -> new Positions(to, cycle));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            long row = 0;
                            for (Batch b = inputs.get(0).next();
                                    b != null;
                                    b = inputs.get(0).next()) {
                                List<RowMeta> meta = new ArrayList<>(b.rows());
                                for (int r = 0; r < b.rows(); r++, row++) {
                                    int label = p.has("to") ? p.getInt("to") : (int) (row % cycle);
                                    meta.add(b.meta(r).withLabel(label));
                                }
                                output.emit(b.extend().meta(meta).build());
                            }
                        }
                    };
                });
    }

    /** Counts each slice's rows, so that each slice knows the position of its first row. */
    private record Positions(Integer to, long cycle) implements SliceDecision.Pass<long[]> {
        @Override
        public long[] create() {
            return new long[1];
        }

        @Override
        public long[] add(long[] rows, Batch batch) {
            rows[0] += batch.rows();
            return rows;
        }

        @Override
        public SliceDecision.Outcome next(List<long[]> slices, StepContext context) {
            List<SliceDecision.SliceMapper> mappers = new ArrayList<>();
            long first = 0;
            for (long[] slice : slices) {
                mappers.add(new Labels(to, cycle, first));
                first += slice[0];
            }
            return new SliceDecision.Apply(mappers);
        }
    }

    /** One slice's labels: the fixed one, or its rows' positions modulo the cycle. */
    private static final class Labels implements SliceDecision.SliceMapper {
        private static final long serialVersionUID = 1L;
        private final Integer to;
        private final long cycle;
        private long row;

        Labels(Integer to, long cycle, long first) {
            this.to = to;
            this.cycle = cycle;
            this.row = first;
        }

        @Override
        public List<RowMeta> map(Batch rows) {
            List<RowMeta> meta = new ArrayList<>(rows.rows());
            for (RowMeta m : rows.meta()) {
                meta.add(m.withLabel(to != null ? to : (int) (row % cycle)));
                row++;
            }
            return meta;
        }
    }
}
