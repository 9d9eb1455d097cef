package io.genpipe.runtime.step;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.PortSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Helpers for the column lists steps pass between them during validation. */
public final class Columns {

    private Columns() {}

    /** Finds {@code needed} among {@code input}'s columns by name and checks dtype and shape. */
    public static void require(PortSpec needed, StepInput input) {
        for (PortSpec p : input.columns()) {
            if (p.name().equals(needed.name())) {
                needed.mismatch(p).ifPresent(m -> {
                    throw new GenpipeException(
                            "input column " + m.replaceFirst("^port ", "") + " (from step '" + input.step() + "')");
                });
                return;
            }
        }
        throw new GenpipeException("needs column " + needed + " but its input '" + input.step() + "' provides "
                + (input.columns().isEmpty()
                        ? "no columns"
                        : input.columns().stream()
                                .map(PortSpec::toString)
                                .collect(Collectors.joining(", ", "[", "]"))));
    }

    /** {@code base} with {@code added} appended, a column of the same name replaced. */
    public static List<PortSpec> merge(List<PortSpec> base, List<PortSpec> added) {
        Map<String, PortSpec> byName = new LinkedHashMap<>();
        base.forEach(p -> byName.put(p.name(), p));
        added.forEach(p -> byName.put(p.name(), p));
        return new ArrayList<>(byName.values());
    }
}
