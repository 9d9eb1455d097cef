package io.genpipe.runtime.step;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.Parameters;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A built-in step: a source, transform, sink or evaluation, and how it executes.
 *
 * @param name what a pipeline's {@code use:} names
 * @param category source, transform, eval or sink (for listings)
 * @param description one line of help
 * @param parameters what {@code with:} accepts
 * @param minInputs fewest inputs
 * @param maxInputs most inputs
 * @param create builds the step from checked parameters and the pipeline's folder
 * @param outputPaths the string parameters that name files or folders the step writes; each must stay
 *     inside the run's output folder (checked at validation)
 * @param execution how a runner executes it (see {@link StepKind})
 * @param aggregation for a global step: how it aggregates its rows (see {@link Aggregation}); null otherwise
 * @param computes for a global step: what it aggregates over all rows (or all rows of a class)
 * @param publishes side values it computes for other steps
 * @param reads side values it reads, each through a parameter naming the producing step
 */
public record BuiltinStep(
        String name,
        StepCategory category,
        String description,
        List<ParameterSpec> parameters,
        int minInputs,
        int maxInputs,
        BiFunction<Parameters, Path, Step> create,
        List<String> outputPaths,
        StepKind execution,
        Aggregation aggregation,
        String computes,
        List<SideValue> publishes,
        List<SideValue.Input> reads) {

    public BuiltinStep {
        parameters = List.copyOf(parameters);
        outputPaths = List.copyOf(outputPaths);
        publishes = List.copyOf(publishes);
        reads = List.copyOf(reads);
        if ((execution == StepKind.GLOBAL) != (computes != null && aggregation != null)) {
            throw new IllegalArgumentException(
                    "step " + name + ": a global step, and only a global step, says what it computes and how");
        }
    }

    /**
     * A step whose execution follows from its category: a source, a sink, a transform (row-wise), an evaluation
     * (global, over all rows of its inputs); {@link #global} makes a transform global.
     */
    public BuiltinStep(
            String name,
            StepCategory category,
            String description,
            List<ParameterSpec> parameters,
            int minInputs,
            int maxInputs,
            BiFunction<Parameters, Path, Step> create) {
        this(
                name,
                category,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                List.of(),
                switch (category) {
                    case SOURCE -> StepKind.SOURCE;
                    case SINK -> StepKind.SINK;
                    case EVAL -> StepKind.GLOBAL;
                    case TRANSFORM -> StepKind.ROW_WISE;
                },
                category == StepCategory.EVAL ? Aggregation.ROWS : null,
                category == StepCategory.EVAL ? "an evaluation over all rows of its inputs" : null,
                List.of(),
                List.of());
    }

    /** This step, declaring the parameters that name what it writes in the output folder. */
    public BuiltinStep writes(String... parameterNames) {
        return new BuiltinStep(
                name,
                category,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                List.of(parameterNames),
                execution,
                aggregation,
                computes,
                publishes,
                reads);
    }

    /** This step as a global one that aggregates {@code what}, the way {@code how} says. */
    public BuiltinStep global(Aggregation how, String what) {
        return new BuiltinStep(
                name,
                category,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                StepKind.GLOBAL,
                how,
                what,
                publishes,
                reads);
    }

    /** This step as one that runs after all others, from the run's summary; its step is a {@link FinalStep}. */
    public BuiltinStep runsLast() {
        return new BuiltinStep(
                name,
                category,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                StepKind.FINAL,
                null,
                null,
                publishes,
                reads);
    }

    /** This step, publishing {@code values} for other steps. */
    public BuiltinStep publishes(SideValue... values) {
        return new BuiltinStep(
                name,
                category,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                execution,
                aggregation,
                computes,
                List.of(values),
                reads);
    }

    /** This step, reading side values through the given parameters. */
    public BuiltinStep reads(SideValue.Input... inputs) {
        return new BuiltinStep(
                name,
                category,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                execution,
                aggregation,
                computes,
                publishes,
                List.of(inputs));
    }
}
