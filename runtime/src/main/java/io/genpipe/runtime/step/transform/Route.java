package io.genpipe.runtime.step.transform;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowExpression;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code route} built-in step: sends each row to the first of its named outputs whose test holds (a {@link
 * RowExpression}), or to {@code default} when none does (row-wise). Downstream steps read an output as {@code
 * step.output}:
 *
 * <pre>{@code
 * - id: split
 *   use: route
 *   inputs: [scored]
 *   with: {outputs: {sneakers: "label == 7", odd: "score > 2.5", default: rest}}
 * - id: sneaker-grid
 *   use: image-grid
 *   inputs: [split.sneakers]
 * }</pre>
 */
public final class Route {

    /** The output every route has: rows no test holds for. */
    public static final String DEFAULT = "default";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private Route() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "route",
                StepCategory.TRANSFORM,
                "sends each row to the first output whose test holds, else to default; read an output downstream as"
                        + " step.output",
                List.of(ParameterSpec.required(
                        "outputs",
                        ParameterType.MAP,
                        "output name: test, in order (label == 7, score > 2.5, tags.flagged == \"true\", ...), and"
                                + " default: rest for the rows no test holds for")),
                1,
                1,
                Route::create);
    }

    private static Step create(Parameters p, Path folder) {
        Map<String, String> outputs = p.getMap("outputs");
        List<String> names = new ArrayList<>();
        List<RowExpression> tests = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : outputs.entrySet()) {
            String name = e.getKey();
            if (!NAME.matcher(name).matches()) {
                problems.add("outputs: output name '" + name + "' is invalid; use lower-case letters, digits and"
                        + " dashes (downstream steps read it as step." + name + ")");
                continue;
            }
            if (name.equals(DEFAULT)) {
                continue;
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                problems.add("outputs: output '" + name + "' has no test; give one, e.g. " + name + ": \"label == 7\"");
                continue;
            }
            try {
                tests.add(RowExpression.parse(e.getValue()));
                names.add(name);
            } catch (RowExpression.ExpressionException x) {
                problems.add("outputs: output '" + name + "': " + x.getMessage());
            }
        }
        if (!outputs.containsKey(DEFAULT)) {
            problems.add("outputs: a route needs a default: output for the rows no test holds for (add default: rest)");
        } else if (outputs.get(DEFAULT) != null && !outputs.get(DEFAULT).equals("rest")) {
            problems.add("outputs: default: takes the rows no test holds for and has no test of its own; write"
                    + " default: rest");
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(
                    problems, problems.stream().map(x -> "outputs").toList());
        }
        names.add(DEFAULT);
        return new RouteStep(names, tests);
    }

    /** Routes rows; the outputs carry the input's columns. */
    static final class RouteStep implements Step {
        private final List<String> names;
        private final List<RowExpression> tests;

        RouteStep(List<String> names, List<RowExpression> tests) {
            this.names = List.copyOf(names);
            this.tests = List.copyOf(tests);
        }

        @Override
        public List<String> outputNames() {
            return names;
        }

        @Override
        public List<PortSpec> outputs(List<StepInput> inputs) {
            for (int i = 0; i < tests.size(); i++) {
                try {
                    tests.get(i).check(inputs.get(0).columns());
                } catch (RowExpression.ExpressionException e) {
                    throw new ParameterException(
                            List.of("outputs: output '" + names.get(i) + "': " + e.getMessage()), List.of("outputs"));
                }
            }
            return inputs.get(0).columns();
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
            for (Batch b = inputs.get(0).next(); b != null; b = inputs.get(0).next()) {
                List<List<Integer>> rows = new ArrayList<>();
                names.forEach(n -> rows.add(new ArrayList<>()));
                try (Batch batch = b) {
                    List<RowExpression.RowTest> bound = new ArrayList<>();
                    tests.forEach(t -> bound.add(t.bind(batch)));
                    for (int r = 0; r < batch.rows(); r++) {
                        int to = tests.size(); // default
                        for (int i = 0; i < bound.size(); i++) {
                            if (bound.get(i).test(r)) {
                                to = i;
                                break;
                            }
                        }
                        rows.get(to).add(r);
                    }
                    for (int i = 0; i < names.size(); i++) {
                        if (!rows.get(i).isEmpty()) {
                            output.to(names.get(i)).emit(batch.select(rows.get(i)));
                        }
                    }
                }
            }
        }
    }
}
