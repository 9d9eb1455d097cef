package io.genpipe.runtime.step;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.ParameterException;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which score a ranking step ranks by: the row's score (the latest scorer's), or, with {@code score: STEP}, the score
 * column scorer step STEP wrote (a float64 column named after the step), so that a later scorer does not change
 * what an earlier step ranks by.
 */
public final class ScoreColumn implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String column;
    private final String step;

    private ScoreColumn(String column, String step) {
        this.column = column;
        this.step = step;
    }

    /** For built-in step {@code step}: {@code column} null for the row's score. */
    public static ScoreColumn of(String column, String step) {
        return new ScoreColumn(column == null || column.isBlank() ? null : column, step);
    }

    /** The column it reads, if any (a runner hands the step only that column and the metadata). */
    public Optional<Set<String>> reads() {
        return column == null ? Optional.empty() : Optional.of(Set.of(column));
    }

    /** Checks, while the pipeline is validated, that the input carries the named score column. */
    public void check(List<PortSpec> columns) {
        if (column == null) {
            return;
        }
        List<String> scores = columns.stream()
                .filter(c -> c.dtype() == DType.FLOAT64 && c.rank() <= 2)
                .map(PortSpec::name)
                .toList();
        PortSpec found = columns.stream()
                .filter(c -> c.name().equals(column))
                .findFirst()
                .orElse(null);
        if (found == null || !scores.contains(column)) {
            throw new ParameterException(
                    List.of("score: "
                            + (found == null
                                    ? "no column '" + column + "' reaches this step"
                                    : "column '" + column + "' is " + found.typeString()
                                            + ", not a scorer's float64 score")
                            + DidYouMean.hint(column, scores) + " (score columns: "
                            + (scores.isEmpty() ? "none" : String.join(", ", scores))
                            + "; a scorer step writes one named after its id)"),
                    List.of("score"));
        }
    }

    /** The scores of {@code batch}'s rows, in order. */
    public double[] scores(Batch batch) {
        double[] out = new double[batch.rows()];
        if (column != null) {
            double[] values = Numbers.doubles(batch.column(column));
            System.arraycopy(values, 0, out, 0, out.length);
            return out;
        }
        for (int r = 0; r < batch.rows(); r++) {
            Double s = batch.meta(r).score();
            if (s == null) {
                throw new GenpipeException(
                        "row " + batch.meta(r).id() + " has no score; put a scorer step before " + step);
            }
            out[r] = s;
        }
        return out;
    }
}
