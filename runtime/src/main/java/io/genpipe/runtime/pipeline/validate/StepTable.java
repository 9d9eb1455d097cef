package io.genpipe.runtime.pipeline.validate;

import io.genpipe.api.data.PortSpec;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineHost;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.StepDefinition;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What validation knows about each step of one pipeline, one row per step in file order, filled in by the passes
 * in turn, and the problems they found.
 */
final class StepTable {

    final PipelineDefinition pipeline;
    final PipelineHost host;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<Problem> problems;
    /** Step ids in an order where each step comes after its inputs and side-value producers; null when cyclic. */
    List<String> order;

    StepTable(PipelineDefinition pipeline, PipelineHost host, List<Problem> earlier) {
        this.pipeline = pipeline;
        this.host = host;
        this.problems = new ArrayList<>(earlier);
        for (StepDefinition s : pipeline.steps()) {
            rows.put(s.id(), new Row(s));
            // a loop's chain: rows of their own, each reading the one before it (the first, the loop's input)
            List<String> previous = s.inputs();
            for (StepDefinition inner : s.steps()) {
                Row row = new Row(inner.with(previous, inner.with()));
                row.parent = s.id();
                rows.put(inner.id(), row);
                rows.get(s.id()).chain.add(inner.id());
                previous = List.of(inner.id());
            }
        }
    }

    Collection<Row> rows() {
        return rows.values();
    }

    Row row(String id) {
        return rows.get(id);
    }

    boolean has(String id) {
        return rows.containsKey(id);
    }

    Collection<String> ids() {
        return rows.keySet();
    }

    /** Records a problem of {@code row}'s step at {@code at}. */
    void problem(Row row, Location at, String message) {
        problems.add(new Problem(at, row.id(), message));
    }

    List<Problem> problems() {
        return problems;
    }

    /** One step and what the passes found about it. */
    static final class Row {
        final StepDefinition definition;
        /** The built-in step it uses, or null. */
        BuiltinStep builtin;
        /** The component it uses, or null. */
        RegisteredFactory component;

        int minInputs;
        int maxInputs;
        /** Whether its inputs (steps, count, side values) are as its kind needs: only then is its step planned. */
        boolean connected = true;
        /** The steps whose side values it reads. */
        List<String> sideInputs = List.of();
        /** The built step. */
        Step step;
        /** A label for the step's kind: the built-in step's category or the component's role. */
        String kind;

        StepKind execution;
        Aggregation aggregation;
        List<SideValue> publishes = List.of();
        /** The columns its rows carry, once its ports were checked. */
        List<PortSpec> outputs;

        final List<String> consumers = new ArrayList<>();
        /** The loop whose chain this step is in, or null for a step of the pipeline itself. */
        String parent;
        /** For a loop: the ids of its chain, in order. */
        final List<String> chain = new ArrayList<>();

        Row(StepDefinition definition) {
            this.definition = definition;
        }

        String id() {
            return definition.id();
        }

        boolean resolved() {
            return builtin != null || component != null;
        }

        /** Where a parameter of this step is written, or the step itself. */
        Location at(String parameter) {
            return definition.parameterLocations().getOrDefault(parameter, definition.location());
        }
    }
}
