package io.genpipe.runtime.step.transform;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.StepCategory;
import java.util.List;

/**
 * The {@code filter} built-in step: keeps the rows whose tag equals a value, e.g. flagged = true (row-wise).
 */
public final class Filter {

    private Filter() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "filter",
                StepCategory.TRANSFORM,
                "keeps the rows whose tag `tag` equals `equals` (e.g. flagged = true)",
                List.of(
                        ParameterSpec.optional("tag", ParameterType.STRING, FlagQuantile.FLAGGED, "row tag to test"),
                        ParameterSpec.optional("equals", ParameterType.STRING, "true", "value that keeps a row")),
                1,
                1,
                (p, folder) -> {
                    String tag = p.getString("tag");
                    String want = p.getString("equals");
                    return new RowFilter(
                            () -> (row, context) -> want.equals(row.tags().get(tag)));
                });
    }
}
