package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A step that keeps or drops rows one by one and passes the columns through unchanged: the shape
 * of filter, gate, take-per-class, threshold and sample.
 */
public final class RowFilter implements Step {

    /** Decides for one row; a fresh one serves each run, so it may keep counts. */
    public interface Test {
        boolean keep(RowMeta row, StepContext context) throws InterruptedException;

        /** Decides for row {@code row} of {@code batch}: by its metadata unless the test reads columns too. */
        default boolean keep(Batch batch, int row, StepContext context) throws InterruptedException {
            return keep(batch.meta(row), context);
        }

        /** Called once the input has ended, e.g. to record a count. */
        default void finish(StepContext context) {}

        /** Why it kept no row, when it can tell (see {@link Step#whyEmpty()}). */
        default Optional<String> whyEmpty() {
            return Optional.empty();
        }
    }

    private final Supplier<Test> tests;
    private final Consumer<List<PortSpec>> check;
    private volatile Test last;
    private SliceDecision decision;

    public RowFilter(Supplier<Test> tests) {
        this(tests, columns -> {});
    }

    /**
     * @param check checks, while the pipeline is validated, that the test can run on rows with these columns
     */
    public RowFilter(Supplier<Test> tests, Consumer<List<PortSpec>> check) {
        this.tests = tests;
        this.check = check;
    }

    /** This filter as a decision over slices of its rows (a global filter that counts in row order), for runners. */
    public RowFilter decidedBy(SliceDecision sliced) {
        this.decision = sliced;
        return this;
    }

    @Override
    public Optional<SliceDecision> decision() {
        return Optional.ofNullable(decision);
    }

    @Override
    public List<PortSpec> outputs(List<StepInput> inputs) {
        check.accept(inputs.get(0).columns());
        return inputs.get(0).columns();
    }

    @Override
    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
        Test test = tests.get();
        last = test;
        for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
            List<Integer> keep = new ArrayList<>();
            try {
                for (int r = 0; r < b.rows(); r++) {
                    if (test.keep(b, r, context)) {
                        keep.add(r);
                    }
                }
            } catch (RuntimeException | InterruptedException e) {
                b.close();
                throw e;
            }
            Batch kept = select(b, keep);
            if (kept.rows() > 0) {
                output.emit(kept);
            } else {
                kept.close();
            }
        }
        test.finish(context);
    }

    @Override
    public Optional<String> whyEmpty() {
        Test test = last;
        return test == null ? Optional.empty() : test.whyEmpty();
    }

    /** The listed rows of {@code b}: {@code b} itself when all are listed, else a copy (and {@code b} is closed). */
    private static Batch select(Batch b, List<Integer> rows) {
        if (rows.size() == b.rows()) {
            return b;
        }
        try (b) {
            return b.select(rows);
        }
    }
}
