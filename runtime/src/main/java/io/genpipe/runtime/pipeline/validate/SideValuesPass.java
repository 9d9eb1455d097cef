package io.genpipe.runtime.pipeline.validate;

import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.SideValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the producer of every side value a built-in step reads, each named by one of its parameters: a missing
 * step, or one that does not publish that value with that type, is a problem at the parameter's line.
 */
final class SideValuesPass {

    private SideValuesPass() {}

    static void apply(StepTable table) {
        for (StepTable.Row row : table.rows()) {
            if (row.builtin == null) {
                continue;
            }
            int before = table.problems().size();
            List<String> producers = new ArrayList<>();
            for (SideValue.Input in : row.builtin.reads()) {
                producer(table, row, in).ifPresent(producers::add);
            }
            row.sideInputs = List.copyOf(producers);
            row.connected &= table.problems().size() == before;
        }
    }

    private static Optional<String> producer(StepTable table, StepTable.Row row, SideValue.Input in) {
        Object raw = row.definition.with().get(in.parameter());
        Location at = row.at(in.parameter());
        if (!(raw instanceof String producer)) {
            if (raw != null) {
                table.problem(
                        row,
                        at,
                        "parameter '" + in.parameter() + "' names the step that publishes the " + in.value() + " (e.g. "
                                + in.parameter() + ": flag); found " + raw);
            }
            return Optional.empty(); // a missing required parameter is reported by the binder
        }
        List<String> publishers = new ArrayList<>();
        for (StepTable.Row other : table.rows()) {
            if (other.builtin != null
                    && other.builtin.publishes().stream()
                            .anyMatch(v -> v.name().equals(in.value()) && v.type() == in.type())) {
                publishers.add(other.id());
            }
        }
        String which = publishers.isEmpty()
                ? "no step of this pipeline publishes " + in.value() + " ("
                        + in.type().label() + "); flag-quantile does"
                : "steps publishing " + in.value() + ": " + String.join(", ", publishers);
        StepTable.Row target = table.row(producer);
        if (target == null) {
            String formerly = producer.endsWith("Thresholds") || producer.endsWith("PerClass")
                    ? "; " + in.parameter() + ": names the producing step now, not a metric"
                    : "";
            table.problem(
                    row,
                    at,
                    in.parameter() + ": no step '" + producer + "' in this pipeline"
                            + DidYouMean.hint(producer, publishers.isEmpty() ? table.ids() : publishers) + " ("
                            + in.parameter() + ": names the step whose " + in.value() + " this step reads; " + which
                            + ")" + formerly);
            return Optional.empty();
        }
        BuiltinStep b = target.builtin;
        Optional<SideValue> value = b == null
                ? Optional.empty()
                : b.publishes().stream()
                        .filter(v -> v.name().equals(in.value()))
                        .findFirst();
        if (value.isEmpty()) {
            table.problem(
                    row,
                    at,
                    in.parameter() + ": step '" + producer + "' (" + target.definition.use() + ") publishes no "
                            + in.value() + " (" + which + ")");
        } else if (value.get().type() != in.type()) {
            table.problem(
                    row,
                    at,
                    in.parameter() + ": step '" + producer + "' publishes " + in.value() + " as a "
                            + value.get().type().label() + ", but this step needs a "
                            + in.type().label());
        } else if (producer.equals(row.id())) {
            table.problem(row, at, in.parameter() + ": a step cannot read its own " + in.value());
        } else {
            return Optional.of(producer);
        }
        return Optional.empty();
    }
}
