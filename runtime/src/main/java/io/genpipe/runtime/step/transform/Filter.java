package io.genpipe.runtime.step.transform;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowExpression;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code filter} built-in step: keeps the rows a {@code where:} expression holds for ({@code label == 7 &&
 * score > 2.5}, see {@link RowExpression}), or whose tag equals a value ({@code tag: flagged, equals: "true"})
 * (row-wise).
 */
public final class Filter {

    private Filter() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "filter",
                StepCategory.TRANSFORM,
                "keeps the rows `where` holds for (label == 7 && score > 2.5, label in [5, 7], tags.flagged =="
                        + " \"true\"), or whose tag `tag` equals `equals`",
                List.of(
                        ParameterSpec.optional(
                                "where",
                                ParameterType.STRING,
                                null,
                                "a test of each row: label, score, id, source, tags.NAME, scores.STEP, scalar"
                                        + " columns; == != < <= > >= in [..] && || ! (docs/PIPELINES.md)"),
                        ParameterSpec.optional(
                                "tag", ParameterType.STRING, null, "row tag to test (default flagged); or where:"),
                        ParameterSpec.optional(
                                "equals", ParameterType.STRING, null, "value of tag that keeps a row (default true)")),
                1,
                1,
                Filter::create);
    }

    private static RowFilter create(Parameters p, Path folder) {
        if (p.findString("where").isEmpty()) {
            String tag = p.findString("tag").orElse(FlagQuantile.FLAGGED);
            String want = p.findString("equals").orElse("true");
            return new RowFilter(() -> new RowFilter.Test() {
                private final Set<String> tags = new TreeSet<>(); // the tags rows carry (a few)
                private final Set<String> values = new TreeSet<>(); // the values the tag has (a few)

                @Override
                public boolean keep(RowMeta row, StepContext context) {
                    if (values.isEmpty() && tags.size() < 20) { // only a filter that matches no row explains itself
                        tags.addAll(row.tags().keySet());
                    }
                    String value = row.tags().get(tag);
                    if (value != null && values.size() < 10) {
                        values.add(value);
                    }
                    return want.equals(value);
                }

                @Override
                public Optional<String> whyEmpty() {
                    if (values.isEmpty()) {
                        return Optional.of("no row has tag '" + tag + "'; rows have "
                                + (tags.isEmpty() ? "no tags" : "tags " + tags)
                                + " (to select by class, write where: \"label == 7\")");
                    }
                    return Optional.of("tag '" + tag + "' is never '" + want + "'; its values: " + values);
                }
            });
        }
        if (p.findString("tag").isPresent() || p.findString("equals").isPresent()) {
            throw new ParameterException(
                    List.of("parameter 'where' of built-in step 'filter' replaces tag: and equals:; give one or the"
                            + " other (tag: t, equals: v is where: tags.t == \"v\")"),
                    List.of("where"));
        }
        RowExpression where;
        try {
            where = RowExpression.parse(p.getString("where"));
        } catch (RowExpression.ExpressionException e) {
            throw new ParameterException(List.of("where: " + e.getMessage()), List.of("where"));
        }
        return new RowFilter(
                () -> new RowFilter.Test() {
                    private Batch bound;
                    private RowExpression.RowTest test;

                    @Override
                    public boolean keep(RowMeta row, StepContext context) {
                        throw new IllegalStateException("a where: filter tests rows of a batch");
                    }

                    @Override
                    public boolean keep(Batch batch, int row, StepContext context) {
                        if (batch != bound) {
                            bound = batch;
                            test = where.bind(batch);
                        }
                        return test.test(row);
                    }
                },
                columns -> {
                    try {
                        where.check(columns);
                    } catch (RowExpression.ExpressionException e) {
                        throw new ParameterException(List.of("where: " + e.getMessage()), List.of("where"));
                    }
                });
    }
}
